"""The optional ``data.preprocess`` spec: fixed resize, centre crop, channel count and mean/std for images.

It mirrors torchvision's ``ImageClassification`` transform (what ``weights.transforms()`` returns), so a
pretrained backbone sees its inputs as during pretraining::

    "preprocess": {"resize": 256, "crop": 224, "interpolation": "bilinear", "channels": 3,
                   "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}

Every key is optional.  ``resize`` is the shorter side (aspect ratio kept) or ``[height, width]``;
``crop`` a centre crop (a side or ``[height, width]``); ``channels`` 3 repeats grey images into RGB,
1 turns RGB into grey; ``mean``/``std`` (together, one value or one per channel) replace the
statistics of the training split.  Order: channels, resize, crop, then normalisation.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

import torch

INTERPOLATIONS = ("bilinear", "bicubic", "nearest", "nearest-exact")
KEYS = ("resize", "crop", "interpolation", "channels", "mean", "std")
MAX_SIDE = 4096
MEMORY_LIMIT = 4 * 1024**3  # bytes of preprocessed in-memory images accepted at once
_CHUNK = 256  # images resized per call (bounds the temporary memory)

Size = tuple[int, ...]  # (side,) = shorter side, or (height, width)


@dataclass(frozen=True)
class Preprocess:
    """A checked ``data.preprocess`` spec."""

    resize: Size | None = None
    crop: Size | None = None
    interpolation: str = "bilinear"
    channels: int | None = None
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    @property
    def geometric(self) -> bool:
        """True when images change size or channel count."""
        return bool(self.resize or self.crop or self.channels)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form (what the project file holds)."""
        out: dict[str, Any] = {}
        for key, size in (("resize", self.resize), ("crop", self.crop)):
            if size is not None:
                out[key] = size[0] if len(size) == 1 else list(size)
        if self.resize is not None:
            out["interpolation"] = self.interpolation
        if self.channels is not None:
            out["channels"] = self.channels
        if self.mean is not None and self.std is not None:
            out["mean"], out["std"] = list(self.mean), list(self.std)
        return out

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample (C, H, W) after channels, resize and crop."""
        channels, height, width = shape
        if self.channels is not None:
            channels = self.channels
        if self.resize is not None:
            height, width = _resized(height, width, self.resize)
        if self.crop is not None:
            height, width = (self.crop[0], self.crop[0]) if len(self.crop) == 1 else self.crop
        return channels, height, width

    def stats(self, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and std as float32 tensors of ``channels`` values (one given value is repeated)."""
        assert self.mean is not None and self.std is not None
        mean, std = torch.tensor(self.mean, dtype=torch.float32), torch.tensor(self.std, dtype=torch.float32)
        if len(self.mean) == 1:
            mean, std = mean.repeat(channels), std.repeat(channels)
        return mean, std

    def transform(self, images: torch.Tensor) -> torch.Tensor:
        """Channels, resize and crop of a (C, H, W) image or an (N, C, H, W) batch; no normalisation."""
        from torchvision.transforms import v2
        from torchvision.transforms.v2 import functional as F

        x = images
        if self.channels == 1 and x.shape[-3] == 3:
            x = F.rgb_to_grayscale(x)
        if self.resize is not None:
            x = F.resize(x, list(self.resize), interpolation=v2.InterpolationMode(self.interpolation), antialias=True)
        if self.crop is not None:
            x = F.center_crop(x, list(self.crop))
        if self.channels == 3 and x.shape[-3] == 1:
            x = x.expand(*x.shape[:-3], 3, *x.shape[-2:]).contiguous()  # after resizing: 3× less work
        return x

    def transform_batch(self, images: torch.Tensor, what: str = "images") -> torch.Tensor:
        """:meth:`transform` of a whole in-memory (N, C, H, W) tensor, in chunks; refuses huge results."""
        shape = self.output_shape(tuple(images.shape[1:]))
        size = images.shape[0] * math.prod(shape) * images.element_size()
        if size > MEMORY_LIMIT:
            from .errors import DataError

            raise DataError(f"data.preprocess: {what} would take {size / 1024**3:.1f} GiB in memory after "
                            f"preprocessing ({images.shape[0]} images × {list(shape)}); use fewer samples or a "
                            f"smaller resize/crop (the limit is {MEMORY_LIMIT / 1024**3:.0f} GiB)")
        if not self.geometric:
            return images
        return torch.cat([self.transform(images[i:i + _CHUNK]) for i in range(0, images.shape[0], _CHUNK)])

    def describe(self) -> str:
        """One line for people: 'grey → 3 channels, resize 256 → crop 224 (bilinear), normalise ...'."""
        parts = []
        if self.channels == 3:
            parts.append("grey → 3 channels")
        elif self.channels == 1:
            parts.append("RGB → grey")
        geometry = []
        if self.resize is not None:
            geometry.append(f"resize {_size_text(self.resize)}")
        if self.crop is not None:
            geometry.append(f"crop {_size_text(self.crop)}")
        if geometry:
            parts.append(" → ".join(geometry) + (f" ({self.interpolation})" if self.resize is not None else ""))
        if self.mean is not None and self.std is not None:
            parts.append(f"normalise with {stats_text(self.mean, self.std)}")
        return ", ".join(parts) or "nothing"


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def stats_text(mean: tuple[float, ...], std: tuple[float, ...]) -> str:
    """'ImageNet mean/std' for the usual values, else the numbers."""
    if close(mean, IMAGENET_MEAN) and close(std, IMAGENET_STD):
        return "ImageNet mean/std"
    return f"mean {_numbers(mean)} std {_numbers(std)}"


def close(a: tuple[float, ...] | None, b: tuple[float, ...] | None, tol: float = 1e-3) -> bool:
    """Same length and every value within ``tol`` (stats rounded for the project file still match)."""
    if a is None or b is None:
        return a is b
    return len(a) == len(b) and all(abs(x - y) <= tol * max(1.0, abs(y)) for x, y in zip(a, b))


def _numbers(values: tuple[float, ...]) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"


def _size_text(size: Size) -> str:
    return str(size[0]) if len(size) == 1 else f"{size[0]}×{size[1]}"


def _resized(height: int, width: int, size: Size) -> tuple[int, int]:
    """torchvision's output size: one value sets the shorter side and keeps the aspect ratio."""
    if len(size) == 2:
        return size[0], size[1]
    short, long = (height, width) if height <= width else (width, height)
    new_short, new_long = size[0], int(size[0] * long / short)
    return (new_short, new_long) if height <= width else (new_long, new_short)


# ---------------------------------------------------------------------------- checking the JSON
def check_preprocess(value: Any, path: str = "data.preprocess") -> tuple[Preprocess | None, list[tuple[str, str]]]:
    """Coerce a ``preprocess`` object; return it (None when absent or invalid) and the problems found."""
    if value is None:
        return None, []
    if not isinstance(value, dict):
        return None, [(path, (f"expected an object such as {{\"resize\": 256, \"crop\": 224, \"mean\": [...], "
                             f"\"std\": [...]}}, got {type(value).__name__}"))]
    problems: list[tuple[str, str]] = []
    for key in value:
        if key not in KEYS:
            close_keys = difflib.get_close_matches(str(key), KEYS, n=2, cutoff=0.6)
            hint = f" (did you mean {' or '.join(map(repr, close_keys))}?)" if close_keys else ""
            problems.append((f"{path}.{key}", f"unknown key{hint}; known: {', '.join(KEYS)}"))
    resize = _size(value.get("resize"), f"{path}.resize", problems)
    crop = _size(value.get("crop"), f"{path}.crop", problems)
    interpolation = value.get("interpolation", "bilinear")
    if interpolation not in INTERPOLATIONS:
        close_names = difflib.get_close_matches(str(interpolation), INTERPOLATIONS, n=2, cutoff=0.5)
        hint = f" (did you mean {' or '.join(map(repr, close_names))}?)" if close_names else ""
        problems.append((f"{path}.interpolation", (f"expected one of {', '.join(map(repr, INTERPOLATIONS))}, "
                                                  f"got {interpolation!r}{hint}")))
    channels = value.get("channels")
    if channels is not None and (isinstance(channels, bool) or channels not in (1, 3)):
        problems.append((f"{path}.channels", f"expected 1 (RGB → grey) or 3 (grey → RGB), got {channels!r}"))
    mean = _numbers_list(value.get("mean"), f"{path}.mean", problems, positive=False)
    std = _numbers_list(value.get("std"), f"{path}.std", problems, positive=True)
    if ("mean" in value) != ("std" in value):
        given, missing = ("mean", "std") if "mean" in value else ("std", "mean")
        problems.append((f"{path}.{missing}", (f"required with {given}: give both mean and std (one value, or one "
                                              "per channel)")))
    elif mean is not None and std is not None and len(mean) != len(std):
        problems.append((f"{path}.std", f"has {len(std)} values but mean has {len(mean)}; give one per channel"))
    if problems:
        return None, problems
    return Preprocess(resize, crop, interpolation, channels, mean, std), []


def _size(value: Any, path: str, problems: list[tuple[str, str]]) -> Size | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    ok = len(items) in (1, 2) and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_SIDE
                                      for v in items)
    if not ok:
        problems.append((path, f"expected a side in pixels (1 to {MAX_SIDE}) or [height, width], got {value!r}"))
        return None
    return tuple(items)


def _numbers_list(value: Any, path: str, problems: list[tuple[str, str]], positive: bool) -> tuple[float, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if not items or len(items) > 4 or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                and math.isfinite(v) for v in items):
        problems.append((path, f"expected a list of 1 to 4 finite numbers (one per channel), got {value!r}"))
        return None
    if positive and any(v <= 0 for v in items):
        problems.append((path, f"every value must be greater than 0, got {value!r}"))
        return None
    return tuple(float(v) for v in items)


def check_against_shape(pre: Preprocess, shape: tuple[int, ...], dataset: str,
                        path: str = "data.preprocess") -> list[tuple[str, str]]:
    """Problems of ``pre`` with images of per-sample ``shape`` (C, H, W): channel counts and crop size."""
    if len(shape) != 3:
        return [(path, f"'{dataset}' gives inputs of shape {list(shape)}, not images (channels, height, width)")]
    problems: list[tuple[str, str]] = []
    channels = shape[0]
    if pre.channels is not None and channels not in (1, 3):
        problems.append((f"{path}.channels", (f"'{dataset}' images have {channels} channels; channel conversion "
                                             "works on 1 (grey) or 3 (RGB) channels only, remove it")))
    final = pre.channels or channels
    if pre.mean is not None and len(pre.mean) not in (1, final):
        if final == 1 and len(pre.mean) == 3:
            fix = 'add "channels": 3 to repeat the grey channel into RGB (the Input node then needs 3 channels)'
        else:
            fix = f"give 1 or {final} values"
        problems.append((f"{path}.mean", (f"has {len(pre.mean)} values but '{dataset}' images have {final} "
                                         f"channel(s) {list(shape)}; {fix}")))
    if pre.crop is not None:
        height, width = (shape[1], shape[2]) if pre.resize is None else _resized(shape[1], shape[2], pre.resize)
        crop = (pre.crop[0], pre.crop[0]) if len(pre.crop) == 1 else pre.crop
        if crop[0] > height or crop[1] > width:
            problems.append((f"{path}.crop", (f"{_size_text(pre.crop)} is larger than the images "
                                             f"({height}×{width}{' after resize' if pre.resize else ''}); "
                                             "resize them first (e.g. \"resize\": "
                                             f"{max(crop)}) or crop less")))
    return problems


def section_image_shape(section: Any) -> tuple[int, ...] | None:
    """Per-sample (C, H, W) of the images a ``data`` section loads, before preprocessing; None if unknown.

    Known without loading for the built-in image sets and for ``image_folder`` (its parameters).
    """
    from .registry import get_dataset

    if not isinstance(section, dict) or not isinstance(section.get("dataset"), str):
        return None
    try:
        info = get_dataset(section["dataset"])
    except Exception:  # noqa: BLE001 - an unknown data set has no known shape
        return None
    if info.inputs:
        shape = tuple(info.inputs[0].shape)
        return shape if len(shape) == 3 else None
    if info.name == "image_folder":
        params = section.get("params") if isinstance(section.get("params"), dict) else {}
        defaults = info.defaults()
        size, grey = params.get("image_size", defaults["image_size"]), params.get("grayscale", defaults["grayscale"])
        if isinstance(size, int) and not isinstance(size, bool) and isinstance(grey, bool):
            return (1 if grey else 3, size, size)
    return None
