"""Registry of learning-rate schedulers and how each is built and stepped."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch.optim import lr_scheduler

from nnbuilder.training.params import Param

if TYPE_CHECKING:
    from nnbuilder.training.config import SchedulerConfig

_UNIT = {"lo": 0, "hi": 1, "lo_open": True, "hi_open": True}


@dataclass(frozen=True)
class SchedulerSpec:
    """When the scheduler steps ("epoch", "step" or "plateau": at epoch end with a metric) and its options."""

    interval: str
    params: dict[str, Param]


SCHEDULERS: dict[str, SchedulerSpec] = {
    "StepLR": SchedulerSpec("epoch", {
        "step_size": Param("int", lo=1, doc="epochs between decays"), "gamma": Param("float", 0.1, lo=0, lo_open=True)}),
    "ExponentialLR": SchedulerSpec("epoch", {"gamma": Param("float", lo=0, lo_open=True)}),
    "CosineAnnealingLR": SchedulerSpec("epoch", {
        "T_max": Param("int", None, lo=1, doc="epochs of one half cosine; default: all epochs"),
        "eta_min": Param("float", 0.0, lo=0)}),
    "OneCycleLR": SchedulerSpec("step", {
        "max_lr": Param("float", None, lo=0, lo_open=True, doc="default: the optimizer lr"),
        "pct_start": Param("float", 0.3, **_UNIT), "anneal_strategy": Param("str", "cos", choices=("cos", "linear")),
        "div_factor": Param("float", 25.0, lo=0, lo_open=True),
        "final_div_factor": Param("float", 1e4, lo=0, lo_open=True)}),
    "LinearWarmup": SchedulerSpec("step", {
        "warmup_steps": Param("int", None, lo=1), "warmup_epochs": Param("int", None, lo=1),
        "cosine": Param("bool", False, doc="cosine decay after the warmup"),
        "min_lr_ratio": Param("float", 0.0, lo=0, hi=1)}),
    "ReduceLROnPlateau": SchedulerSpec("plateau", {
        "factor": Param("float", 0.1, **_UNIT), "patience": Param("int", 10, lo=0),
        "monitor": Param("str", "val_loss"), "threshold": Param("float", 1e-4, lo=0),
        "cooldown": Param("int", 0, lo=0), "min_lr": Param("float", 0.0, lo=0)}),
}


class WarmupLambda:
    """LR factor: linear warmup to 1, then constant or cosine decay to ``min_lr_ratio`` (picklable)."""

    def __init__(self, warmup_steps: int, total_steps: int, cosine: bool, min_lr_ratio: float) -> None:
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.cosine = cosine
        self.min_lr_ratio = min_lr_ratio

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        if not self.cosine:
            return 1.0
        progress = min(1.0, (step - self.warmup_steps) / max(1, self.total_steps - self.warmup_steps))
        return self.min_lr_ratio + (1.0 - self.min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def scheduler_interval(config: SchedulerConfig | None) -> str | None:
    """"epoch", "step", "plateau", or None when no scheduler is configured."""
    return None if config is None else SCHEDULERS[config.type].interval


def build_scheduler(optimizer: torch.optim.Optimizer, config: SchedulerConfig | None,
                    steps_per_epoch: int, epochs: int) -> object | None:
    """Build the configured torch scheduler for a run of ``epochs`` × ``steps_per_epoch`` steps."""
    if config is None:
        return None
    p = config.params
    if config.type == "StepLR":
        return lr_scheduler.StepLR(optimizer, step_size=p["step_size"], gamma=p["gamma"])
    if config.type == "ExponentialLR":
        return lr_scheduler.ExponentialLR(optimizer, gamma=p["gamma"])
    if config.type == "CosineAnnealingLR":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=p["T_max"] or epochs, eta_min=p["eta_min"])
    if config.type == "OneCycleLR":
        defaults = optimizer.defaults
        momentum = defaults.get("momentum", 0.0) > 0 or "betas" in defaults
        max_lrs = [(p["max_lr"] or defaults["lr"]) * g.get("lr_multiplier", 1.0) for g in optimizer.param_groups]
        return lr_scheduler.OneCycleLR(
            optimizer, max_lr=max_lrs, total_steps=max(1, steps_per_epoch * epochs), pct_start=p["pct_start"],
            anneal_strategy=p["anneal_strategy"], div_factor=p["div_factor"],
            final_div_factor=p["final_div_factor"], cycle_momentum=momentum)
    if config.type == "LinearWarmup":
        warmup = p["warmup_steps"] or p["warmup_epochs"] * steps_per_epoch
        factor = WarmupLambda(warmup, steps_per_epoch * epochs, p["cosine"], p["min_lr_ratio"])
        return lr_scheduler.LambdaLR(optimizer, factor)
    if config.type == "ReduceLROnPlateau":
        return lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="max" if metric_mode(p["monitor"]) == "max" else "min", factor=p["factor"],
            patience=p["patience"], threshold=p["threshold"], cooldown=p["cooldown"], min_lr=p["min_lr"])
    raise KeyError(f"scheduler {config.type!r} is not registered")


MONITORS = {"loss": "min", "val_loss": "min", "accuracy": "max", "val_accuracy": "max",
            "mae": "min", "val_mae": "min", "r2": "max", "val_r2": "max"}


def metric_mode(name: str) -> str:
    """"min" when a smaller value of the metric is better, "max" otherwise."""
    return MONITORS[name]
