"""The data set registry: what can be picked, and checking a project's ``data`` section."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from nnbuilder.defaults import DEFAULT_BATCH_SIZE, DEFAULT_SPLIT
from nnbuilder.schema import BOOL, INT, Param, Problems

from . import csv_table, image_folder, regression, sequences, shapes28, synthetic2d, tabular, vision
from .augment import check_augment
from .errors import DataError
from .info import IMAGES, DatasetInfo
from .params import check_params, suggest
from .preprocess import Preprocess, check_against_shape, check_preprocess

_BATCH_SIZE = Param("batch_size", INT, DEFAULT_BATCH_SIZE, "samples per training step", minimum=1)
_NORMALIZE = Param("normalize", BOOL, True, "standardise inputs with the training split's statistics")

_REGISTRY: dict[str, DatasetInfo] = {}


def register(info: DatasetInfo) -> None:
    """Add a data set; a second entry with the same name is refused."""
    if info.name in _REGISTRY:
        raise ValueError(f"data set {info.name!r} is already registered")
    _REGISTRY[info.name] = info


for _family in (synthetic2d, regression, sequences, tabular, shapes28, vision, image_folder, csv_table):
    for _info in _family.DATASETS:
        register(_info)


def list_datasets() -> list[DatasetInfo]:
    """Every registered data set, in registration order (for the GUI picker)."""
    return list(_REGISTRY.values())


def get_dataset(name: str) -> DatasetInfo:
    """The registry entry called ``name``; :class:`DataError` with close names when unknown."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise DataError(f"unknown data set {name!r}{suggest(name, _REGISTRY)}; "
                        f"known: {', '.join(_REGISTRY)}") from None


@dataclass(frozen=True)
class DataConfig:
    """A checked ``data`` section with defaults filled in."""

    info: DatasetInfo
    params: dict[str, Any]
    split: tuple[float, ...]
    batch_size: int
    normalize: bool
    augment: list[tuple[str, dict[str, Any]]]
    preprocess: Preprocess | None = None  # fixed resize/crop/channels/mean/std (data.preprocess)


def _check_split(split: Any) -> list[tuple[str, str]]:
    path = "data.split"
    if not isinstance(split, (list, tuple)) or len(split) not in (2, 3):
        return [(path, f"expected [train, val] or [train, val, test] ratios, got {split!r}")]
    problems = []
    for i, ratio in enumerate(split):
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not math.isfinite(ratio):
            problems.append((f"{path}[{i}]", f"expected a number, got {ratio!r}"))
        elif not 0.0 <= ratio <= 1.0:
            problems.append((f"{path}[{i}]", f"must be between 0 and 1, got {ratio!r}"))
    if problems:
        return problems
    if split[0] <= 0:
        problems.append((f"{path}[0]", "the training ratio must be greater than 0"))
    if abs(sum(split) - 1.0) > 1e-6:
        problems.append((path, f"ratios must sum to 1, they sum to {sum(split):g}"))
    return problems


def parse_data_section(section: Any) -> tuple[DataConfig | None, list[tuple[str, str]]]:
    """Check ``section``; return the config (None when unusable) and every problem with its JSON path."""
    if not isinstance(section, dict):
        return None, [("data", f"expected an object, got {type(section).__name__}")]
    problems: list[tuple[str, str]] = []
    name = section.get("dataset")
    info = None
    if name is None:
        problems.append(("data.dataset", f"required; one of: {', '.join(_REGISTRY)}"))
    elif not isinstance(name, str) or name not in _REGISTRY:
        problems.append(("data.dataset", (f"unknown data set {name!r}{suggest(name, _REGISTRY)}; "
                                         f"known: {', '.join(_REGISTRY)}")))
    else:
        info = _REGISTRY[name]
    params: dict[str, Any] = {}
    if info is not None:
        params, found = check_params(info.params, section.get("params"), "data.params")
        problems += found
    split = section.get("split", list(DEFAULT_SPLIT))
    problems += _check_split(split)
    found_top = Problems()
    batch_size = found_top.value(section, "batch_size", _BATCH_SIZE, "data")
    normalize = found_top.value(section, "normalize", _NORMALIZE, "data")
    problems += found_top.items
    augment, found = check_augment(section.get("augment"))
    problems += found
    if augment and info is not None and info.kind != IMAGES:
        problems.append(("data.augment", (f"augmentation applies to image data sets only; '{info.name}' holds "
                                         f"{info.kind}, remove the augment list")))
    preprocess, found = check_preprocess(section.get("preprocess"))
    problems += found
    if preprocess is not None and info is not None:
        problems += _check_preprocess_fits(preprocess, info, normalize)
    if problems or info is None:
        return None, problems
    config = DataConfig(info, params, tuple(float(r) for r in split), batch_size, normalize, augment, preprocess)
    return config, []


def _check_preprocess_fits(pre: Preprocess, info: DatasetInfo, normalize: Any) -> list[tuple[str, str]]:
    """``data.preprocess`` against the data set: images only, no clash with normalize, channels and crop."""
    if info.kind != IMAGES:
        return [("data.preprocess", (f"preprocessing applies to image data sets only; '{info.name}' holds "
                                     f"{info.kind}, remove data.preprocess"))]
    problems: list[tuple[str, str]] = []
    if pre.mean is not None and normalize is False:
        problems.append(("data.normalize", ("false, but data.preprocess gives mean and std to normalise with; "
                                            "remove mean/std from data.preprocess or set normalize to true")))
    if info.inputs:  # the shape with the default parameters; files (image_folder) are checked when loaded
        problems += check_against_shape(pre, tuple(info.inputs[0].shape), info.name)
    return problems


def validate_data_section(section: Any) -> list[tuple[str, str]]:
    """Every problem of a project's ``data`` section as ``(json_path, message)``; empty when valid."""
    return parse_data_section(section)[1]
