"""Standardisation of float inputs with statistics of the training split only.

Statistics are taken per feature: per channel for images (N, C, H, W), per
feature for tables (N, F) and sequences (N, L, F).
"""
from __future__ import annotations

import torch


def feature_dim(ndim: int) -> int:
    """The dimension holding features/channels in a batched tensor of ``ndim`` dims."""
    return 1 if ndim == 4 else ndim - 1


def feature_stats(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std per feature of a batched float tensor (constant features get std 1)."""
    dim = feature_dim(x.ndim)
    reduce = [d for d in range(x.ndim) if d != dim]
    data = x.to(torch.float64)
    mean, std = data.mean(dim=reduce), data.std(dim=reduce, unbiased=False)
    std = torch.where(std > 1e-8, std, torch.ones_like(std))
    return mean.to(torch.float32), std.to(torch.float32)


def _view(stat: torch.Tensor, ndim: int) -> torch.Tensor:
    shape = [1] * ndim
    shape[feature_dim(ndim)] = -1
    return stat.view(shape)


def standardize(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """``(x - mean) / std`` with per-feature statistics."""
    return (x - _view(mean, x.ndim).to(x.device)) / _view(std, x.ndim).to(x.device)


def unstandardize(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Undo :func:`standardize` (for previews and colour augmentations)."""
    return x * _view(std, x.ndim).to(x.device) + _view(mean, x.ndim).to(x.device)


def applied_stats(meta: dict, name: str) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The mean/std the data pipeline applied to input ``name``, or None when it handed it on raw.

    Bundles from :func:`nnbuilder.pipeline.prepare` keep inputs raw (the model standardises them),
    so previews, augmentation and the decision boundary work in raw units there.
    """
    stats = meta.get("normalization", {}).get(name)
    if not stats or not meta.get("inputs_standardized", True):
        return None
    return torch.tensor(stats["mean"]), torch.tensor(stats["std"])
