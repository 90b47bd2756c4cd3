"""Preview of the learning-rate schedule: step a real scheduler on a dummy optimizer, no training."""
from __future__ import annotations

import warnings

import torch

from nnbuilder.training.config import TrainingConfig
from nnbuilder.training.optim import make_optimizer
from nnbuilder.training.schedulers import build_scheduler, scheduler_interval


class SchedulePreview(list):
    """LR of the default parameter group at every step; ``exact`` is False when it cannot be known ahead."""

    def __init__(self, lrs: list[float], exact: bool = True, note: str = "") -> None:
        super().__init__(lrs)
        self.exact = exact
        self.note = note


def preview_schedule(config: TrainingConfig, steps_per_epoch: int, epochs: int | None = None) -> SchedulePreview:
    """LR used at each of ``epochs × steps_per_epoch`` steps, stepping the scheduler as the engine does."""
    epochs = config.epochs if epochs is None else epochs
    if steps_per_epoch < 1 or epochs < 1:
        raise ValueError(f"preview_schedule: steps_per_epoch and epochs must be >= 1, got {steps_per_epoch}, {epochs}")
    dummy = torch.nn.Parameter(torch.zeros(1))
    optimizer = make_optimizer(config.optimizer, [{"params": [dummy], "lr": config.optimizer.lr,
                                                   "lr_multiplier": 1.0, "name": "default"}])
    scheduler = build_scheduler(optimizer, config.scheduler, steps_per_epoch, epochs)
    interval = scheduler_interval(config.scheduler)
    if interval == "plateau":
        return SchedulePreview([config.optimizer.lr] * (steps_per_epoch * epochs), exact=False,
                               note="ReduceLROnPlateau depends on the validation metric; shown: the initial LR")
    lrs: list[float] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "scheduler.step() before optimizer.step()"
        for _ in range(epochs):
            for _ in range(steps_per_epoch):
                lrs.append(float(optimizer.param_groups[0]["lr"]))
                if interval == "step":
                    scheduler.step()
            if interval == "epoch":
                scheduler.step()
    return SchedulePreview(lrs)
