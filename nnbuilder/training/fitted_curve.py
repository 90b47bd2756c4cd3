"""The fitted curve of a 1-D regression: the model's prediction on a fixed grid over the input range.

Applies when the data have one float input feature and one target value. The grid is in the data's
own units; a model from :func:`nnbuilder.pipeline.prepare` standardises its raw inputs and returns
predictions in the target's units, so grid and prediction are plotted as they are. One prediction is
a single forward pass over :data:`CURVE_POINTS` values in eval mode without gradients.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from nnbuilder.data.normalize import applied_stats

CURVE_POINTS = 200
MAX_POINTS = 2000  # training points shown at most (an even stride through the split)
PAD = 0.05  # the grid reaches this share of the data's range beyond each end


@dataclass
class FittedCurve:
    """The model's predictions ``y`` at the grid ``x`` (both data units) after ``step`` steps."""

    x: np.ndarray
    y: np.ndarray
    step: int
    epoch: int  # the 1-based epoch of that step (0 before the first step)


@dataclass
class CurveData:
    """The training points of a 1-D regression (data units) and the grid the curve is drawn on."""

    points_x: np.ndarray
    points_y: np.ndarray
    grid_x: np.ndarray  # (CURVE_POINTS,) data units
    x_name: str = "x"
    y_name: str = "y"


def curve_problem(bundle: Any) -> str | None:
    """Why the fitted curve does not apply to ``bundle`` (one sentence), or None when it does."""
    if bundle.task != "regression":
        return f"the data set '{bundle.name}' is {bundle.task}, not regression"
    if len(bundle.inputs) != 1:
        return f"the data set '{bundle.name}' has {len(bundle.inputs)} inputs, not one"
    info = bundle.inputs[0]
    if tuple(info.shape) != (1,) or not str(info.dtype).startswith("float"):
        return f"the data set '{bundle.name}' has input shape {list(info.shape)} ({info.dtype}), not one float feature"
    if int(np.prod(bundle.target_shape or (1,))) != 1:
        return f"the data set '{bundle.name}' has {int(np.prod(bundle.target_shape))} target values per sample, not one"
    if not hasattr(bundle.train, "inputs"):
        return f"the data set '{bundle.name}' is not held in memory"
    return None


def curve_data(bundle: Any, points: int = CURVE_POINTS) -> CurveData | None:
    """The training points and a grid of ``points`` inputs spanning them (padded by :data:`PAD`), or None."""
    if curve_problem(bundle) is not None:
        return None
    x = _raw_inputs(bundle).reshape(-1)
    y = bundle.train.targets.detach().float().cpu().reshape(len(x), -1)[:, 0]
    low, high = float(x.min()), float(x.max())
    pad = (high - low) * PAD or 1.0
    stride = -(-len(x) // MAX_POINTS)
    names = bundle.meta.get("feature_names") or ["x"]
    targets = bundle.meta.get("target_names") or ["y"]
    return CurveData(x[::stride].numpy(), y[::stride].numpy(), np.linspace(low - pad, high + pad, points),
                     str(names[0]), str(targets[0]))


def model_grid(bundle: Any, grid_x: np.ndarray) -> torch.Tensor:
    """``grid_x`` (data units) as the model's input batch: standardised only if the data pipeline standardises."""
    grid = torch.as_tensor(grid_x, dtype=torch.float32).reshape(-1, 1)
    stats = applied_stats(bundle.meta, bundle.inputs[0].name)  # None: the model takes raw inputs
    if stats is not None:
        mean, std = stats
        grid = (grid - mean) / std
    return grid


def predict_curve(model: nn.Module, grid: torch.Tensor) -> np.ndarray:
    """The model's first output value at each row of ``grid`` (already on the model's device), as numpy.

    Eval mode (dropout off, BatchNorm's running statistics), no gradients; the training mode is restored.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(grid)
    finally:
        model.train(was_training)
    out = out[0] if isinstance(out, (tuple, list)) else out
    return out.detach().float().reshape(len(grid), -1)[:, 0].cpu().numpy()


def _raw_inputs(bundle: Any) -> torch.Tensor:
    x = bundle.train.inputs[0].detach().float().cpu()
    stats = applied_stats(bundle.meta, bundle.inputs[0].name)
    if stats is not None:
        mean, std = stats
        x = x * std + mean
    return x
