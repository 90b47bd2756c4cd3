"""Seeded, disjoint, optionally stratified train/validation/test index splits."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def _allocate(n: int, ratios: Sequence[float]) -> np.ndarray:
    """Split ``n`` items by ``ratios`` with the largest-remainder rule (sizes sum to ``n``)."""
    exact = np.asarray(ratios, dtype=np.float64) * n
    sizes = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - sizes), kind="stable")
    sizes[order[: n - int(sizes.sum())]] += 1
    return sizes


def split_indices(n: int, ratios: Sequence[float], rng: np.random.Generator,
                  labels: torch.Tensor | None = None) -> list[np.ndarray]:
    """Return one index array per ratio; disjoint, covering ``range(n)``.

    With ``labels`` (one class index per item) every class is split by the same
    ratios, so each part keeps the class proportions.
    """
    parts: list[list[np.ndarray]] = [[] for _ in ratios]
    if labels is None:
        groups = [np.arange(n)]
    else:
        flat = labels.reshape(n).to(torch.int64).cpu().numpy()
        groups = [np.flatnonzero(flat == c) for c in np.unique(flat)]
    for group in groups:
        shuffled = rng.permutation(group)
        bounds = np.cumsum(_allocate(len(shuffled), ratios))[:-1]
        for part, chunk in zip(parts, np.split(shuffled, bounds)):
            part.append(chunk)
    return [rng.permutation(np.concatenate(p)) for p in parts]
