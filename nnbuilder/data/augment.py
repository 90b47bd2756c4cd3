"""Image augmentation from the ``augment`` list, through an explicit allow-list of torchvision v2 types.

:class:`BatchAugment` is what goes on ``DataBundle.augment``: it takes a batch
(B, C, H, W) and gives every sample its own random transform.  Standardised
batches are mapped back to pixel values first, so colour transforms see [0, 1].
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .normalize import standardize, unstandardize
from .params import CHOICE, FLOAT, INT, RANGE, DataParam, check_params, suggest

_P = DataParam("p", FLOAT, 0.5, "probability of applying it", minimum=0.0, maximum=1.0)

# type name -> its parameters (every type here is built by _build below; nothing else is accepted)
AUGMENTATIONS: dict[str, tuple[DataParam, ...]] = {
    "RandomHorizontalFlip": (_P,),
    "RandomVerticalFlip": (_P,),
    "RandomCrop": (DataParam("padding", INT, 4, "pixels padded on each side before cropping", minimum=0, maximum=256),
                   DataParam("padding_mode", CHOICE, "constant", "how to fill the padding",
                             choices=("constant", "edge", "reflect", "symmetric"))),
    "RandomResizedCrop": (DataParam("scale", RANGE, (0.8, 1.0), "area fraction range of the crop",
                                    minimum=0.01, maximum=1.0),),
    "RandomRotation": (DataParam("degrees", FLOAT, 15.0, "largest rotation either way", minimum=0.0, maximum=180.0),),
    "RandomAffine": (DataParam("degrees", FLOAT, 0.0, "largest rotation either way", minimum=0.0, maximum=180.0),
                     DataParam("translate", FLOAT, 0.1, "largest shift as a fraction of the size", minimum=0.0,
                               maximum=1.0),
                     DataParam("scale", RANGE, (0.9, 1.1), "zoom factor range", minimum=0.1, maximum=10.0),
                     DataParam("shear", FLOAT, 0.0, "largest shear angle in degrees", minimum=0.0, maximum=90.0)),
    "ColorJitter": tuple(DataParam(name, FLOAT, default, f"random {name} change", minimum=0.0, maximum=limit)
                         for name, default, limit in (("brightness", 0.2, 10.0), ("contrast", 0.2, 10.0),
                                                      ("saturation", 0.0, 10.0), ("hue", 0.0, 0.5))),
    "GaussianBlur": (DataParam("kernel_size", INT, 3, "odd blur kernel size", minimum=1, maximum=31),
                     DataParam("sigma", RANGE, (0.1, 2.0), "blur sigma range", minimum=0.01, maximum=50.0)),
    "RandomErasing": (_P, DataParam("scale", RANGE, (0.02, 0.2), "erased area fraction range", minimum=0.0,
                                    maximum=1.0),
                      DataParam("value", FLOAT, 0.0, "fill value (pixel scale, 0 = black)", minimum=0.0, maximum=1.0)),
}


def _pair(value: Any) -> tuple[float, float]:
    return value if isinstance(value, tuple) else (value, value)


def _build(kind: str, p: dict[str, Any], size: tuple[int, int]) -> Callable[[torch.Tensor], torch.Tensor]:
    """One per-image torchvision v2 transform from a checked allow-list entry."""
    from torchvision.transforms import v2

    if kind == "RandomHorizontalFlip":
        return v2.RandomHorizontalFlip(p["p"])
    if kind == "RandomVerticalFlip":
        return v2.RandomVerticalFlip(p["p"])
    if kind == "RandomCrop":
        return v2.RandomCrop(size, padding=p["padding"], padding_mode=p["padding_mode"])
    if kind == "RandomResizedCrop":
        return v2.RandomResizedCrop(size, scale=_pair(p["scale"]), antialias=True)
    if kind == "RandomRotation":
        return v2.RandomRotation(p["degrees"])
    if kind == "RandomAffine":
        return v2.RandomAffine(p["degrees"], translate=(p["translate"], p["translate"]), scale=_pair(p["scale"]),
                               shear=p["shear"] or None)
    if kind == "ColorJitter":
        return v2.ColorJitter(p["brightness"], p["contrast"], p["saturation"], p["hue"])
    if kind == "GaussianBlur":
        return v2.GaussianBlur(p["kernel_size"], sigma=_pair(p["sigma"]))
    if kind == "RandomErasing":
        return v2.RandomErasing(p["p"], scale=_pair(p["scale"]), value=p["value"])
    raise KeyError(kind)  # pragma: no cover - AUGMENTATIONS and _build list the same types


def check_augment(steps: Any, path: str = "data.augment") -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, str]]]:
    """Coerce the ``augment`` list; return ``[(type, params)]`` and the problems found."""
    if steps is None:
        return [], []
    if not isinstance(steps, list):
        return [], [(path, f"expected a list of {{\"type\": ..., ...}} objects, got {type(steps).__name__}")]
    checked: list[tuple[str, dict[str, Any]]] = []
    problems: list[tuple[str, str]] = []
    for i, step in enumerate(steps):
        where = f"{path}[{i}]"
        if not isinstance(step, dict) or not isinstance(step.get("type"), str):
            problems.append((where, 'expected an object with a "type" string, e.g. {"type": "RandomHorizontalFlip"}'))
            continue
        kind = step["type"]
        if kind not in AUGMENTATIONS:
            problems.append((f"{where}.type", (f"unknown augmentation {kind!r}{suggest(kind, AUGMENTATIONS)}; "
                                              f"known: {', '.join(AUGMENTATIONS)}")))
            continue
        given = {k: v for k, v in step.items() if k != "type"}
        values, found = check_params(AUGMENTATIONS[kind], given, where)
        if kind == "GaussianBlur" and "kernel_size" in values and values["kernel_size"] % 2 == 0:
            found.append((f"{where}.kernel_size", f"must be odd, got {values['kernel_size']}"))
        problems += found
        checked.append((kind, values))
    return checked, problems


_FLIPS = {"RandomHorizontalFlip": -1, "RandomVerticalFlip": -2}


class BatchAugment:
    """Per-sample random augmentation of an image batch (B, C, H, W), shape preserved."""

    def __init__(self, steps: list[tuple[str, dict[str, Any]]], image_shape: tuple[int, ...],
                 mean: torch.Tensor | None = None, std: torch.Tensor | None = None) -> None:
        size = (int(image_shape[-2]), int(image_shape[-1]))
        self.steps = list(steps)
        self.mean, self.std = mean, std
        self._ops = [(kind, p, None if kind in _FLIPS else _build(kind, p, size)) for kind, p in steps]

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        if batch.ndim != 4:
            raise ValueError(f"augmentation expects a batch (B, C, H, W), got shape {tuple(batch.shape)}")
        x = batch if self.mean is None else unstandardize(batch, self.mean, self.std)
        for kind, p, transform in self._ops:
            if transform is None:  # flips: vectorised with one coin per sample
                coin = torch.rand(x.shape[0], device=x.device) < p["p"]
                x = torch.where(coin.view(-1, 1, 1, 1), x.flip(_FLIPS[kind]), x)
            else:
                x = torch.stack([transform(sample) for sample in x])
        return x if self.mean is None else standardize(x, self.mean, self.std)

    def __repr__(self) -> str:
        return f"BatchAugment({', '.join(kind for kind, _ in self.steps)})"
