"""Synthetic 2-D point sets: spirals, moons, circles, XOR and blobs (input shape (2,))."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .info import POINTS, DatasetInfo, RawData
from .params import FLOAT, INT, DataParam


def _n_samples(default: int = 1000) -> DataParam:
    return DataParam("n_samples", INT, default, "number of points", minimum=8, maximum=1_000_000)


def _noise(default: float) -> DataParam:
    return DataParam("noise", FLOAT, default, "standard deviation of Gaussian noise on each coordinate",
                     minimum=0.0, maximum=10.0)


def _per_class(n: int, k: int) -> np.ndarray:
    """Split ``n`` samples over ``k`` classes as evenly as possible."""
    counts = np.full(k, n // k)
    counts[: n % k] += 1
    return counts


def _classification(x: np.ndarray, y: np.ndarray, names: list[str]) -> RawData:
    return RawData(task="classification", input_info=[InputInfo((2,), "float32", "x")],
                   inputs=(torch.from_numpy(x.astype(np.float32)),), targets=torch.from_numpy(y.astype(np.int64)),
                   class_names=names)


def _binary(x: np.ndarray, y: np.ndarray, names: list[str]) -> RawData:
    targets = torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)
    return RawData(task="binary", input_info=[InputInfo((2,), "float32", "x")],
                   inputs=(torch.from_numpy(x.astype(np.float32)),), targets=targets,
                   class_names=names, target_shape=(1,))


def spirals(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Interleaved spiral arms: one class per arm, 1.25 turns each."""
    k, noise = params["classes"], params["noise"]
    xs, ys = [], []
    for label, count in enumerate(_per_class(params["n_samples"], k)):
        r = rng.uniform(0.1, 1.0, count)
        theta = 2 * math.pi * (label / k + 1.25 * r)
        pts = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
        xs.append(pts + rng.normal(0.0, noise, pts.shape))
        ys.append(np.full(count, label))
    return _classification(np.concatenate(xs), np.concatenate(ys), [f"arm {i}" for i in range(k)])


def moons(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Two interleaving half circles."""
    n0, n1 = _per_class(params["n_samples"], 2)
    t0, t1 = rng.uniform(0, math.pi, n0), rng.uniform(0, math.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0.0, params["noise"], (n0 + n1, 2))
    return _binary(x, np.repeat([0, 1], [n0, n1]), ["upper moon", "lower moon"])


def circles(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """A small circle inside a large one."""
    n0, n1 = _per_class(params["n_samples"], 2)
    t0, t1 = rng.uniform(0, 2 * math.pi, n0), rng.uniform(0, 2 * math.pi, n1)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = params["factor"] * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    x = np.concatenate([outer, inner]) + rng.normal(0.0, params["noise"], (n0 + n1, 2))
    return _binary(x, np.repeat([0, 1], [n0, n1]), ["outer", "inner"])


def xor(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Points in [-1, 1]²; the label is whether the signs of x0 and x1 differ."""
    n = params["n_samples"]
    clean = rng.uniform(-1.0, 1.0, (n, 2))
    y = (clean[:, 0] * clean[:, 1] < 0).astype(np.int64)
    return _binary(clean + rng.normal(0.0, params["noise"], (n, 2)), y, ["same sign", "different sign"])


def blobs(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Gaussian blobs around centres spread evenly on a circle of radius 2."""
    k = params["classes"]
    angles = 2 * math.pi * np.arange(k) / k
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    counts = _per_class(params["n_samples"], k)
    y = np.repeat(np.arange(k), counts)
    x = centres[y] + rng.normal(0.0, params["noise"], (len(y), 2))
    return _classification(x, y, [f"blob {i}" for i in range(k)])


_POINT = (InputInfo((2,), "float32", "x"),)
_CLASSES = DataParam("classes", INT, 2, "number of classes", minimum=2, maximum=20)

DATASETS = (
    DatasetInfo("spirals", "classification", "Interleaved spiral arms, one class per arm; needs a non-linear model.",
                (_n_samples(), _noise(0.05), _CLASSES), POINTS, spirals, _POINT, ("arm 0", "arm 1"), "synthetic 2-D"),
    DatasetInfo("moons", "binary", "Two interleaving half circles (binary).",
                (_n_samples(), _noise(0.15)), POINTS, moons, _POINT, ("upper moon", "lower moon"), "synthetic 2-D"),
    DatasetInfo("circles", "binary", "A small circle inside a large one (binary).",
                (_n_samples(), _noise(0.08),
                 DataParam("factor", FLOAT, 0.5, "inner radius / outer radius", minimum=0.0, maximum=0.99)),
                POINTS, circles, _POINT, ("outer", "inner"), "synthetic 2-D"),
    DatasetInfo("xor", "binary", "Label = signs of x0 and x1 differ; not linearly separable (binary).",
                (_n_samples(), _noise(0.05)), POINTS, xor, _POINT, ("same sign", "different sign"), "synthetic 2-D"),
    DatasetInfo("blobs", "classification", "Gaussian blobs, one per class, spread on a circle.",
                (_n_samples(), _noise(0.5), DataParam("classes", INT, 3, "number of blobs", minimum=2, maximum=20)),
                POINTS, blobs, _POINT, ("blob 0", "blob 1", "blob 2"), "synthetic 2-D"),
)
