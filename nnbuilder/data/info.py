"""What a data set family declares (:class:`DatasetInfo`) and returns (:class:`RawData`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from .bundle import InputInfo, Task
from .params import DataParam

# How a data set is shown in previews and whether image augmentation applies.
POINTS = "points"  # 2-D points (scatter)
IMAGES = "images"
SEQUENCE = "sequence"
TABLE = "table"


@dataclass
class RawData:
    """A loaded data set before splitting and normalisation.

    In-memory sets fill ``inputs`` (one tensor per model input, first dim = sample)
    and ``targets``.  Lazy sets (own image folders) give ``dataset`` whose items
    are ``((x,), y)``; ``targets`` then still holds every label so splits can be
    stratified without reading the files.  ``test`` is an official test set,
    used as the test split instead of carving one out of ``inputs``.
    """

    task: Task
    input_info: list[InputInfo]
    targets: torch.Tensor
    inputs: tuple[torch.Tensor, ...] = ()
    dataset: Dataset | None = None
    test: tuple[tuple[torch.Tensor, ...], torch.Tensor] | None = None
    class_names: list[str] | None = None
    target_shape: tuple[int, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


Loader = Callable[[dict[str, Any], np.random.Generator], RawData]


@dataclass(frozen=True)
class DatasetInfo:
    """A registry entry: everything the GUI picker and the loader need to know."""

    name: str
    task: str  # "classification", "binary", "regression" or "auto" (decided by the file)
    doc: str
    params: tuple[DataParam, ...]
    kind: str  # POINTS, IMAGES, SEQUENCE or TABLE
    loader: Loader
    inputs: tuple[InputInfo, ...] = ()  # with the default params; () when only the file knows
    class_names: tuple[str, ...] | None = None
    family: str = ""
    offline: bool = True  # False: needs files that may have to be downloaded

    def defaults(self) -> dict[str, Any]:
        """The parameter values a freshly picked data set starts with."""
        return {p.name: p.default for p in self.params}
