"""The contract between data sets and the training engine.

A data set loader returns a :class:`DataBundle`: the task type, the per-sample
input shapes/dtypes (one per model ``Input`` node, in document order), and the
train/validation/test splits.  In-memory splits are tuples of tensors so the
engine can batch them by indexing on the training device; large sets may give
a ``torch.utils.data.Dataset`` instead.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch.utils.data import Dataset

Task = Literal["classification", "binary", "regression"]


@dataclass
class TensorSplit:
    """One split held in memory: ``inputs`` (one tensor per model input) and ``targets``."""

    inputs: tuple[torch.Tensor, ...]
    targets: torch.Tensor

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    def to(self, device: torch.device | str) -> TensorSplit:
        return TensorSplit(tuple(t.to(device) for t in self.inputs), self.targets.to(device))

    def subset(self, index: torch.Tensor) -> TensorSplit:
        return TensorSplit(tuple(t[index] for t in self.inputs), self.targets[index])


Split = TensorSplit | Dataset


@dataclass
class InputInfo:
    """Per-sample shape (no batch dimension) and dtype name of one model input."""

    shape: tuple[int, ...]
    dtype: str = "float32"
    name: str = "x"


@dataclass
class DataBundle:
    """A loaded, split data set ready for training."""

    name: str
    task: Task
    inputs: list[InputInfo]
    train: Split
    val: Split | None
    test: Split | None
    num_classes: int | None = None  # classification: number of classes; regression: None
    class_names: list[str] | None = None
    target_shape: tuple[int, ...] = ()  # per-sample target shape ((), (1,), (horizon,)...)
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # normalisation stats, feature names...
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None  # per-sample train augmentation of input 0
