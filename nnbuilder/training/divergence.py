"""Why a loss became NaN or infinite: the likely cause, named from what the run knows."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from nnbuilder.training.engine import Trainer

LARGE_TARGET = 100.0  # regression targets beyond this magnitude make MSE explode with default settings
LARGE_INIT_STD = 0.5  # a Gaussian init wider than this blows activations up layer after layer


def likely_cause(trainer: Trainer, value: float) -> str:
    """One sentence naming the most likely cause of a non-finite loss and its fix."""
    cfg = trainer.config
    init = cfg.init.default if cfg.init is not None else None
    wide_init = init is not None and init.type == "normal" and float(init.params.get("std", 0.0)) > LARGE_INIT_STD
    early = trainer.step <= 2
    if early and wide_init:
        return (f"likely cause: the initialisation (Gaussian std {init.params['std']:g} makes activations grow "
                "with every layer) — use Xavier (sigmoid/tanh) or Kaiming (ReLU) initialisation")
    scale = _target_scale(trainer)
    if trainer.kind == "regression" and scale is not None and scale > LARGE_TARGET:
        return (f"likely cause: unscaled targets (|y| up to {scale:.3g}) — standardise the targets or use a "
                "smaller learning rate")
    if early and not math.isnan(value):
        return ("likely cause: the initialisation or the inputs (the loss was infinite at the first steps) — "
                "check the input scale and use Xavier/Kaiming initialisation")
    lr = cfg.optimizer.lr
    return f"likely cause: the learning rate ({lr:g}) is too large — lower it (e.g. to {lr / 10:g}) or set grad_clip"


def _target_scale(trainer: Trainer) -> float | None:
    """The largest |target| of the training split, or None when it cannot be read cheaply."""
    targets = getattr(trainer.bundle.train, "targets", None)  # in-memory splits only
    if not isinstance(targets, torch.Tensor) or not targets.is_floating_point() or targets.numel() == 0:
        return None
    return float(targets.abs().max())
