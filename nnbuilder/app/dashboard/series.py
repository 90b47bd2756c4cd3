"""A growing numeric series with amortised appends and an exponential moving average (no Qt)."""
from __future__ import annotations

import numpy as np


class Series:
    """x/y values in doubling numpy buffers; ``smoothed`` is a bias-corrected EMA of y."""

    def __init__(self, beta: float = 0.0, capacity: int = 1024) -> None:
        self.beta = beta
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self._s = np.empty(capacity)
        self._n = 0
        self._avg = 0.0

    def __len__(self) -> int:
        return self._n

    def append(self, x: float, y: float) -> None:
        if self._n == len(self._x):
            self._x, self._y, self._s = (np.resize(a, 2 * len(a)) for a in (self._x, self._y, self._s))
        self._avg = self.beta * self._avg + (1 - self.beta) * y
        self._x[self._n], self._y[self._n] = x, y
        self._s[self._n] = self._avg / (1 - self.beta ** (self._n + 1)) if self.beta else y
        self._n += 1

    def extend(self, pairs: list[tuple[float, float]]) -> None:
        for x, y in pairs:
            self.append(x, y)

    @property
    def x(self) -> np.ndarray:
        return self._x[: self._n]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self._n]

    @property
    def smoothed(self) -> np.ndarray:
        return self._s[: self._n]

    @property
    def last(self) -> float | None:
        return float(self._y[self._n - 1]) if self._n else None
