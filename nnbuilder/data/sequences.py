"""Sequence data sets, shaped (L, 1) per sample (batch_first): sine forecasting and frequency classes."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .info import SEQUENCE, DatasetInfo, RawData
from .params import FLOAT, INT, DataParam


def sine_forecast(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Windows of a noisy sine wave (random phase each); the target is the next clean value."""
    n, length, period = params["n_samples"], params["window"], params["period"]
    phase = rng.uniform(0.0, 2 * math.pi, (n, 1))
    steps = np.arange(length + 1)[None, :]
    wave = np.sin(2 * math.pi * steps / period + phase)
    x = wave[:, :length] + rng.normal(0.0, params["noise"], (n, length))
    y = wave[:, length:]
    return RawData(task="regression", input_info=[InputInfo((length, 1), "float32", "sequence")],
                   inputs=(torch.from_numpy(x.astype(np.float32)).unsqueeze(-1),),
                   targets=torch.from_numpy(y.astype(np.float32)), target_shape=(1,),
                   meta={"period": period})


def sequence_classification(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Class k is a sine with k+1 cycles per window, random phase and amplitude, plus noise."""
    n, length, k = params["n_samples"], params["length"], params["classes"]
    labels = np.arange(n) % k
    rng.shuffle(labels)
    cycles = (labels + 1)[:, None]
    phase = rng.uniform(0.0, 2 * math.pi, (n, 1))
    amplitude = rng.uniform(0.7, 1.3, (n, 1))
    t = np.arange(length)[None, :] / length
    x = amplitude * np.sin(2 * math.pi * cycles * t + phase) + rng.normal(0.0, params["noise"], (n, length))
    names = [f"{c} cycle{'s' if c > 1 else ''}" for c in range(1, k + 1)]
    return RawData(task="classification", input_info=[InputInfo((length, 1), "float32", "sequence")],
                   inputs=(torch.from_numpy(x.astype(np.float32)).unsqueeze(-1),),
                   targets=torch.from_numpy(labels.astype(np.int64)), class_names=names)


_N = DataParam("n_samples", INT, 1000, "number of sequences", minimum=8, maximum=1_000_000)

DATASETS = (
    DatasetInfo("sine_forecast", "regression", "Predict the next value of a noisy sine wave from a window of L values.",
                (_N, DataParam("window", INT, 20, "window length L", minimum=2, maximum=10_000),
                 DataParam("period", FLOAT, 25.0, "sine period in steps", minimum=2.0, maximum=10_000.0),
                 DataParam("noise", FLOAT, 0.05, "standard deviation of the noise", minimum=0.0, maximum=10.0)),
                SEQUENCE, sine_forecast, (InputInfo((20, 1), "float32", "sequence"),), None, "sequences"),
    DatasetInfo("sequence_classification", "classification",
                "Classify how many sine cycles (1..K) a noisy sequence of length L holds.",
                (_N, DataParam("length", INT, 50, "sequence length L", minimum=8, maximum=10_000),
                 DataParam("classes", INT, 3, "number of frequency classes K", minimum=2, maximum=10),
                 DataParam("noise", FLOAT, 0.3, "standard deviation of the noise", minimum=0.0, maximum=10.0)),
                SEQUENCE, sequence_classification, (InputInfo((50, 1), "float32", "sequence"),),
                ("1 cycle", "2 cycles", "3 cycles"), "sequences"),
)
