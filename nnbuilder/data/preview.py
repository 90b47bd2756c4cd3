"""Previews of a loaded bundle for the GUI: images, 2-D scatter, table rows or sequences."""
from __future__ import annotations

from typing import Any

import torch

from .bundle import DataBundle, TensorSplit
from .errors import DataError
from .info import IMAGES, POINTS, SEQUENCE, TABLE
from .lazy import LazySplit
from .normalize import applied_stats, unstandardize


def _kind(bundle: DataBundle) -> str:
    kind = bundle.meta.get("kind")
    if kind:
        return kind
    shape = bundle.inputs[0].shape
    if len(shape) == 3:
        return IMAGES
    if len(shape) == 2:
        return SEQUENCE
    return POINTS if shape == (2,) and len(bundle.inputs) == 1 else TABLE


def _raw_inputs(bundle: DataBundle, n: int) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The first ``n`` training samples per input, mapped back to original units."""
    train = bundle.train
    if isinstance(train, LazySplit):
        count = min(n, len(train))
        xs = torch.stack([train.raw(i) for i in range(count)])
        ys = torch.stack([torch.as_tensor(train.base[train.indices[i]][1]) for i in range(count)])
        return [xs], ys
    if not isinstance(train, TensorSplit):
        raise DataError(f"data set '{bundle.name}': previews need in-memory splits or file-backed image splits")
    inputs = []
    for spec, tensor in zip(bundle.inputs, train.inputs):
        part = tensor[:n].cpu()
        stats = applied_stats(bundle.meta, spec.name)
        if stats is not None:
            part = unstandardize(part, *stats)
        inputs.append(part)
    return inputs, train.targets[:n].cpu()


def _labels(bundle: DataBundle, targets: torch.Tensor) -> list[str]:
    if bundle.class_names and bundle.task in ("classification", "binary"):
        return [bundle.class_names[int(t)] for t in targets.reshape(len(targets))]
    return [", ".join(f"{v:.3g}" for v in t.reshape(-1).tolist()) for t in targets]


def preview(bundle: DataBundle, n: int = 16) -> dict[str, Any]:
    """Describe up to ``n`` training samples (all points for 2-D sets, up to 2,000).

    ``kind`` is "images" (``images`` (n, C, H, W) in [0, 1], ``grid`` (C, H', W'), ``labels``),
    "scatter" (``points`` (n, 2), ``targets`` and, for classes, ``labels`` and ``class_names``),
    "sequence" (``series`` (n, L), ``labels``) or "table" (``columns``, ``rows``).
    """
    kind = _kind(bundle)
    if kind == POINTS:
        inputs, targets = _raw_inputs(bundle, max(n, 2000))
        result: dict[str, Any] = {"kind": "scatter", "points": inputs[0], "targets": targets}
        if bundle.task in ("classification", "binary"):
            result["labels"] = targets.reshape(-1).to(torch.int64)
            result["class_names"] = list(bundle.class_names or [])
        return result
    inputs, targets = _raw_inputs(bundle, n)
    if kind == IMAGES:
        from torchvision.utils import make_grid

        images = inputs[0].clamp(0.0, 1.0)
        return {"kind": "images", "images": images, "grid": make_grid(images, nrow=min(8, len(images)), padding=2),
                "labels": _labels(bundle, targets)}
    if kind == SEQUENCE:
        return {"kind": "sequence", "series": inputs[0][..., 0], "labels": _labels(bundle, targets)}
    return _table(bundle, inputs, targets)


def _table(bundle: DataBundle, inputs: list[torch.Tensor], targets: torch.Tensor) -> dict[str, Any]:
    meta = bundle.meta
    columns: list[str] = []
    cells: list[list[Any]] = []
    categories = meta.get("categories", {})
    for spec, tensor in zip(bundle.inputs, inputs):
        names = meta.get(f"{spec.name}_columns") or (
            [spec.name] if tensor.shape[1] == 1 else [f"{spec.name}[{i}]" for i in range(tensor.shape[1])])
        columns += names
        for j, name in enumerate(names):
            values = tensor[:, j].tolist()
            if name in categories:
                values = [categories[name][int(v)] for v in values]
            elif spec.dtype.startswith("float"):
                values = [round(v, 4) for v in values]
            cells.append(values)
    columns.append(", ".join(meta.get("target_names", ["target"])))
    cells.append(_labels(bundle, targets))
    return {"kind": "table", "columns": columns, "rows": [list(row) for row in zip(*cells)]}


def preview_augmented(bundle: DataBundle, n: int = 8, seed: int = 0) -> torch.Tensor:
    """``n`` training images after augmentation, in pixel units clamped to [0, 1]: (n, C, H, W)."""
    if bundle.augment is None:
        raise DataError(f"data set '{bundle.name}' has no augmentation; add steps to data.augment first")
    images = _raw_inputs(bundle, n)[0][0]
    stats = applied_stats(bundle.meta, bundle.inputs[0].name)
    mean = std = None
    if stats is not None:
        mean, std = stats
        images = (images - mean.view(-1, 1, 1)) / std.view(-1, 1, 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        out = bundle.augment(images)
    if mean is not None:
        out = unstandardize(out, mean, std)
    return out.clamp(0.0, 1.0)
