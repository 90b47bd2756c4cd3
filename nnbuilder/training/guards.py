"""Run guards: early stopping with best-weight keeping, and the last-good-weights snapshot for NaN losses."""
from __future__ import annotations

import math

import torch
from torch import nn

from nnbuilder.training.config import EarlyStoppingConfig
from nnbuilder.training.schedulers import metric_mode


class EarlyStopping:
    """Tracks the monitored metric; keeps a device copy of the best epoch's weights."""

    def __init__(self, config: EarlyStoppingConfig | None, monitor: str = "val_loss") -> None:
        self.config = config
        self.monitor = config.monitor if config else monitor
        self.mode = metric_mode(self.monitor)
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.bad_epochs = 0
        self.best_state: dict[str, torch.Tensor] | None = None

    def update(self, epoch: int, metrics: dict, model: nn.Module) -> bool:
        """Record ``epoch``; return True when patience is exhausted and the run should stop."""
        value = metrics.get(self.monitor)
        if value is None or math.isnan(value):
            improved = False
        elif self.best is None:
            improved = True
        else:
            delta = self.config.min_delta if self.config else 0.0
            improved = value < self.best - delta if self.mode == "min" else value > self.best + delta
        if improved:
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
            if self.config is not None and self.config.restore_best:
                self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self.bad_epochs += 1
        return self.config is not None and self.bad_epochs > self.config.patience

    def restore_best(self, model: nn.Module) -> bool:
        """Load the best epoch's weights into ``model``; False when there is nothing to restore."""
        if self.best_state is None:
            return False
        model.load_state_dict(self.best_state)
        return True

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def load_state(self, state: dict, best_state: dict[str, torch.Tensor] | None) -> None:
        self.best, self.best_epoch, self.bad_epochs = state["best"], state["best_epoch"], state["bad_epochs"]
        self.best_state = best_state


class LastGoodWeights:
    """A device copy of the weights from the last step whose loss was read back finite.

    The copy's memory is allocated here, once (set-up time, not in the step loop); :meth:`snapshot`
    copies into it.
    """

    def __init__(self, model: nn.Module) -> None:
        self._model = model
        self._saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.step: int | None = None  # None: no snapshot taken yet

    def snapshot(self, step: int) -> None:
        with torch.no_grad():
            for key, value in self._model.state_dict().items():
                self._saved[key].copy_(value)
        self.step = step

    def restore(self) -> bool:
        if self.step is None:
            return False
        with torch.no_grad():
            for key, value in self._model.state_dict().items():
                value.copy_(self._saved[key])
        return True
