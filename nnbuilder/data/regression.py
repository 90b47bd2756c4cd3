"""The course's seed regression: y = 2·x0³ + 0.5·x1² + noise, x ~ U(-1, 1)²."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .info import POINTS, DatasetInfo, RawData
from .params import FLOAT, INT, DataParam


def seed_regression(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Two uniform features and a smooth non-linear target with Gaussian noise."""
    n = params["n_samples"]
    x = rng.uniform(-1.0, 1.0, (n, 2))
    y = 2.0 * x[:, 0] ** 3 + 0.5 * x[:, 1] ** 2 + rng.normal(0.0, params["noise"], n)
    return RawData(task="regression", input_info=[InputInfo((2,), "float32", "x")],
                   inputs=(torch.from_numpy(x.astype(np.float32)),),
                   targets=torch.from_numpy(y.astype(np.float32)).reshape(n, 1), target_shape=(1,),
                   meta={"feature_names": ["x0", "x1"], "target_names": ["y"]})


DATASETS = (
    DatasetInfo("seed_regression", "regression", "y = 2·x0³ + 0.5·x1² + noise with x uniform in [-1, 1]².",
                (DataParam("n_samples", INT, 100, "number of samples", minimum=8, maximum=1_000_000),
                 DataParam("noise", FLOAT, 0.05, "standard deviation of the noise on y", minimum=0.0, maximum=10.0)),
                POINTS, seed_regression, (InputInfo((2,), "float32", "x"),), None, "regression"),
)
