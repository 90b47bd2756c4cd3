"""Synthetic sets made for lessons: a 1-D curve, shapes shifted around the frame, a task that needs memory."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .info import IMAGES, POINTS, SEQUENCE, DatasetInfo, RawData
from .params import FLOAT, INT, DataParam
from .shapes28 import CLASS_NAMES, SIZE, render


def curve_1d(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """y = sin(3x) + 0.3·x² + noise, x uniform in [-2, 2]: one input, one output, a curve to draw."""
    n = params["n_samples"]
    x = rng.uniform(-2.0, 2.0, (n, 1))
    y = np.sin(3.0 * x) + 0.3 * x ** 2 + rng.normal(0.0, params["noise"], (n, 1))
    return RawData(task="regression", input_info=[InputInfo((1,), "float32", "x")],
                   inputs=(torch.from_numpy(x.astype(np.float32)),),
                   targets=torch.from_numpy(y.astype(np.float32)), target_shape=(1,),
                   meta={"feature_names": ["x"], "target_names": ["y"]})


def shifted_shapes(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Small shapes28 drawings moved by up to ``max_shift`` pixels in each direction (zero padded)."""
    n, shift, names = params["n_samples"], params["max_shift"], list(CLASS_NAMES[:params["classes"]])
    labels = np.arange(n) % len(names)
    rng.shuffle(labels)
    images = render(labels.astype(np.int64), rng, params["noise"], 10.0)
    scale = params["shrink"]
    if scale > 1:  # shrink by block averaging, paste at a random offset: the same shape appears anywhere
        small = images.reshape(n, SIZE // scale, scale, SIZE // scale, scale).mean(axis=(2, 4))
        images = np.zeros_like(images)
        side = small.shape[1]
        centre = (SIZE - side) // 2
        for i in range(n):
            dy, dx = rng.integers(-shift, shift + 1, 2)
            top = int(np.clip(centre + dy, 0, SIZE - side))
            left = int(np.clip(centre + dx, 0, SIZE - side))
            images[i, top:top + side, left:left + side] = small[i]
    return RawData("classification", [InputInfo((1, SIZE, SIZE), "float32", "image")],
                   torch.from_numpy(labels.astype(np.int64)), (torch.from_numpy(images.astype(np.float32)).unsqueeze(1),),
                   class_names=names)


def remember_first(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Sequences of noise whose class is the sign of the first step only: the model must remember it."""
    n, length = params["n_samples"], params["length"]
    labels = rng.integers(0, 2, n)
    x = rng.normal(0.0, params["noise"], (n, length))
    x[:, 0] = np.where(labels == 1, 1.0, -1.0)
    return RawData(task="classification", input_info=[InputInfo((length, 1), "float32", "sequence")],
                   inputs=(torch.from_numpy(x.astype(np.float32)).unsqueeze(-1),),
                   targets=torch.from_numpy(labels.astype(np.int64)), class_names=["first < 0", "first > 0"])


def recall_marked(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Noise sequences with one marked step anywhere; the class is the sign of the marked value.

    Channel 0 holds the values, channel 1 is 1 at the marked step.  Marks near the end need a short memory,
    marks near the start one as long as the sequence: gated cells learn to store on the mark and keep it.
    """
    n, length = params["n_samples"], params["length"]
    values = rng.normal(0.0, params["noise"], (n, length))
    where = rng.integers(0, length, n)
    values[np.arange(n), where] = np.where(rng.integers(0, 2, n) == 1, 1.0, -1.0) * (0.5 + rng.random(n))
    marks = np.zeros((n, length))
    marks[np.arange(n), where] = 1.0
    labels = (values[np.arange(n), where] > 0).astype(np.int64)
    x = np.stack([values, marks], axis=-1).astype(np.float32)
    return RawData(task="classification", input_info=[InputInfo((length, 2), "float32", "sequence")],
                   inputs=(torch.from_numpy(x),), targets=torch.from_numpy(labels),
                   class_names=["marked < 0", "marked > 0"])


_N = DataParam("n_samples", INT, 1000, "number of samples", minimum=8, maximum=1_000_000)

DATASETS = (
    DatasetInfo("curve_1d", "regression", "A 1-D curve y = sin(3x) + 0.3·x² + noise, x in [-2, 2] (universal "
                "approximation: watch the fitted curve).",
                (_N, DataParam("noise", FLOAT, 0.1, "standard deviation of the noise on y", minimum=0.0,
                               maximum=10.0)),
                POINTS, curve_1d, (InputInfo((1,), "float32", "x"),), None, "regression"),
    DatasetInfo("shifted_shapes", "classification", "shapes28 drawings shrunk and placed anywhere in the frame "
                "(fully connected vs convolutional networks).",
                (_N, DataParam("max_shift", INT, 8, "largest shift in pixels", minimum=0, maximum=13),
                 DataParam("shrink", INT, 2, "shrink factor of the drawings (1, 2 or 4)", minimum=1, maximum=4),
                 DataParam("classes", INT, 4, "number of shapes (the first K of shapes28)", minimum=2, maximum=10),
                 DataParam("noise", FLOAT, 0.05, "standard deviation of the pixel noise", minimum=0.0, maximum=1.0)),
                IMAGES, shifted_shapes, (InputInfo((1, SIZE, SIZE), "float32", "image"),), tuple(CLASS_NAMES[:4]),
                "images"),
    DatasetInfo("remember_first", "classification", "Noise sequences whose class is the sign of the first step "
                "(needs memory: RNN vs LSTM vs GRU).",
                (_N, DataParam("length", INT, 30, "sequence length L", minimum=2, maximum=10_000),
                 DataParam("noise", FLOAT, 0.5, "standard deviation of the other steps", minimum=0.0, maximum=10.0)),
                SEQUENCE, remember_first, (InputInfo((30, 1), "float32", "sequence"),), ("first < 0", "first > 0"),
                "sequences"),
    DatasetInfo("recall_marked", "classification", "Noise sequences with one marked step anywhere (channel 1); "
                "the class is the sign of the marked value, read at the end (needs memory: RNN vs LSTM vs GRU).",
                (_N, DataParam("length", INT, 60, "sequence length L", minimum=2, maximum=10_000),
                 DataParam("noise", FLOAT, 1.0, "standard deviation of the unmarked steps", minimum=0.0,
                           maximum=10.0)),
                SEQUENCE, recall_marked, (InputInfo((60, 2), "float32", "sequence"),), ("marked < 0", "marked > 0"),
                "sequences"),
)
