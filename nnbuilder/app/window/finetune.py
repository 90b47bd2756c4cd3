"""Moved: the fine-tuning edits live in :mod:`nnbuilder.finetune_edits` (Qt-free core)."""
from nnbuilder.finetune_edits import (  # noqa: F401
    HEAD_GAP,
    attribute_names,
    inherited_multiplier,
    multiplier_of,
    renamed_training,
    replace_head_command,
    unfreeze_epochs,
    with_multiplier,
    with_unfreeze,
)
from nnbuilder.sections import output_size as head_size  # noqa: F401
