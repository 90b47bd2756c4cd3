"""A split of a file-backed data set: indices into a base set, with optional preprocessing and standardisation."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.utils.data import Dataset


class LazySplit(Dataset):
    """Items ``((x,), y)`` of ``base[indices[i]]``; ``x`` goes through ``transform`` (data.preprocess:
    resize, crop...) when given, then is standardised per channel when stats are set."""

    def __init__(self, base: Any, indices: Sequence[int], mean: torch.Tensor | None = None,
                 std: torch.Tensor | None = None,
                 transform: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        self.base = base
        self.indices = [int(i) for i in indices]
        self.mean, self.std = mean, std
        self.transform = transform

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        x, y = self.base[self.indices[i]]
        if self.transform is not None:
            x = self.transform(x)
        if self.mean is not None and self.std is not None:
            x = (x - self.mean.view(-1, 1, 1)) / self.std.view(-1, 1, 1)
        return (x,), torch.as_tensor(y, dtype=torch.int64)

    def raw(self, i: int) -> torch.Tensor:
        """The preprocessed, un-normalised input of item ``i`` (for previews and statistics)."""
        x = self.base[self.indices[i]][0]
        return x if self.transform is None else self.transform(x)

    def normalized(self, mean: torch.Tensor, std: torch.Tensor) -> LazySplit:
        return LazySplit(self.base, self.indices, mean, std, self.transform)
