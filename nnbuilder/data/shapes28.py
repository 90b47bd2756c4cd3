"""``shapes28``: an embedded 28×28 grey ten-class image set drawn procedurally (no download).

Each image is one shape drawn from a signed distance function at a random
position, scale, rotation, stroke width and brightness, plus pixel noise.
Rendering is vectorised over all images of a class, so 6,000 images take well
under a second.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .info import IMAGES, DatasetInfo, RawData
from .params import FLOAT, INT, DataParam, ParamError, suggest

SIZE = 28
Sdf = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # (x, y, stroke) -> signed distance


def _box(x: np.ndarray, y: np.ndarray, half_w: Any, half_h: Any) -> np.ndarray:
    dx, dy = np.abs(x) - half_w, np.abs(y) - half_h
    outside = np.hypot(np.maximum(dx, 0.0), np.maximum(dy, 0.0))
    return outside + np.minimum(np.maximum(dx, dy), 0.0)


def _triangle(x: np.ndarray, y: np.ndarray, r: float = 0.95) -> np.ndarray:
    """Equilateral triangle pointing up (image y grows downwards)."""
    k = math.sqrt(3.0)
    px, py = np.abs(x) - r, -y + r / k
    fold = px + k * py > 0
    px, py = np.where(fold, (px - k * py) / 2, px), np.where(fold, (-k * px - py) / 2, py)
    px = px - np.clip(px, -2 * r, 0.0)
    return -np.hypot(px, py) * np.sign(py)


def _plus(x: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.minimum(_box(x, y, 1.0, t), _box(x, y, t, 1.0))


def _star(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    angle = np.arctan2(y, x)
    return (np.hypot(x, y) - (0.62 + 0.38 * np.cos(5 * angle))) * 0.7


SHAPES: dict[str, Sdf] = {
    "disc": lambda x, y, t: np.hypot(x, y) - 0.9,
    "ring": lambda x, y, t: np.abs(np.hypot(x, y) - 0.8) - t,
    "square": lambda x, y, t: _box(x, y, 0.75, 0.75),
    "frame": lambda x, y, t: np.abs(_box(x, y, 0.8, 0.8)) - t,
    "triangle": lambda x, y, t: _triangle(x, y),
    "plus": lambda x, y, t: _plus(x, y, t),
    "cross": lambda x, y, t: _plus((x - y) / math.sqrt(2), (x + y) / math.sqrt(2), t),
    "star": lambda x, y, t: _star(x, y),
    "crescent": lambda x, y, t: np.maximum(np.hypot(x, y) - 0.95, 0.75 - np.hypot(x - 0.45, y)),
    "bars": lambda x, y, t: np.minimum(_box(x, y - 0.45, 0.9, t), _box(x, y + 0.45, 0.9, t)),
}
CLASS_NAMES = list(SHAPES)


def render(labels: np.ndarray, rng: np.random.Generator, noise: float, max_rotation: float) -> np.ndarray:
    """Draw one image per label; returns float32 (N, 28, 28) in [0, 1]."""
    n = len(labels)
    centre = (SIZE - 1) / 2 + rng.uniform(-3.0, 3.0, (n, 2))
    scale = rng.uniform(7.0, 11.0, n)  # shape half-size in pixels
    angle = np.radians(rng.uniform(-max_rotation, max_rotation, n))
    stroke = rng.uniform(0.12, 0.22, n)
    brightness = rng.uniform(0.6, 1.0, n)
    centre, scale, angle, stroke, brightness = (a.astype(np.float32) for a in (centre, scale, angle, stroke,
                                                                               brightness))
    grid = np.arange(SIZE, dtype=np.float32)
    images = np.zeros((n, SIZE, SIZE), dtype=np.float32)
    for label, sdf in enumerate(SHAPES.values()):
        idx = np.flatnonzero(labels == label)
        if idx.size == 0:
            continue
        px = grid[None, None, :] - centre[idx, 0, None, None]
        py = grid[None, :, None] - centre[idx, 1, None, None]
        cos, sin = np.cos(angle[idx])[:, None, None], np.sin(angle[idx])[:, None, None]
        s = scale[idx][:, None, None]
        x, y = (cos * px + sin * py) / s, (-sin * px + cos * py) / s
        distance_px = sdf(x, y, stroke[idx][:, None, None]) * s
        images[idx] = np.clip(0.5 - distance_px, 0.0, 1.0) * brightness[idx][:, None, None]
    images += rng.normal(0.0, noise, images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0).astype(np.float32)


def _classes(param: DataParam, value: Any) -> Any:
    """``"all"`` or a list of shape names (a comma-separated text is accepted too), e.g. ``["plus", "star"]``."""
    if value == "all":
        return "all"
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ParamError(f'expected "all" or a list of shape names, got {value!r}')
    for name in value:
        if name not in SHAPES:
            raise ParamError(f"unknown shape {name!r}{suggest(name, CLASS_NAMES)}; shapes are "
                             f"{', '.join(CLASS_NAMES)}")
    chosen = list(dict.fromkeys(value))
    if len(chosen) < 2:
        raise ParamError(f"choose at least two shapes, got {chosen!r}")
    return chosen


def shapes28(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Balanced, shuffled labels and their rendered images, shaped (N, 1, 28, 28).

    ``classes`` (default ``"all"``) keeps a subset of the shapes, relabelled 0..k-1 in the given
    order, e.g. to pretrain on some shapes and fine-tune on the others (transfer learning).
    """
    n = params["n_samples"]
    chosen = params.get("classes", "all")
    names = list(CLASS_NAMES) if chosen == "all" else list(chosen)
    index = np.array([CLASS_NAMES.index(name) for name in names], dtype=np.int64)
    labels = np.arange(n) % len(names)
    rng.shuffle(labels)
    images = render(index[labels], rng, params["noise"], params["max_rotation"])
    return RawData("classification", [InputInfo((1, SIZE, SIZE), "float32", "image")],
                   torch.from_numpy(labels.astype(np.int64)), (torch.from_numpy(images).unsqueeze(1),),
                   class_names=names)


DATASETS = (
    DatasetInfo("shapes28", "classification",
                "Embedded 28×28 grey images of ten drawn shapes (disc, ring, square...); no download needed.",
                (DataParam("n_samples", INT, 6000, "number of images", minimum=10, maximum=200_000),
                 DataParam("noise", FLOAT, 0.1, "standard deviation of the pixel noise", minimum=0.0, maximum=1.0),
                 DataParam("max_rotation", FLOAT, 15.0, "largest rotation in degrees", minimum=0.0, maximum=180.0),
                 DataParam("classes", "classes", "all", 'the shapes to draw: "all" or a list such as '
                           '["plus", "cross", "star"] (relabelled 0..k-1 in that order)', check=_classes)),
                IMAGES, shapes28, (InputInfo((1, SIZE, SIZE), "float32", "image"),), tuple(CLASS_NAMES), "images"),
)
