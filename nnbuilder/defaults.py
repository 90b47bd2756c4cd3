"""Default values of a project's run setup, written once (a leaf module: it imports nothing).

:mod:`nnbuilder.sections` builds the default sections and the task rules from them; the data
checks and the trainer read the batch size and split from here.
"""
from __future__ import annotations

DEFAULT_BATCH_SIZE = 32
DEFAULT_SPLIT = (0.7, 0.15, 0.15)
DEFAULT_DATASET = "spirals"
DEFAULT_EPOCHS = 10
DEFAULT_LR = 1e-3
DEFAULT_OPTIMIZER = "Adam"
