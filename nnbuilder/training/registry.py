"""Explicit registries of the losses and optimizers a project may name (never ``getattr(nn, text)``)."""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from nnbuilder.training.params import Param


@dataclass(frozen=True)
class LossSpec:
    """A loss class, its options, and what its targets are: class indices or values."""

    cls: type[nn.Module]
    target: str  # "index" (integer classes) | "value" (float, same shape as the output)
    params: dict[str, Param] = field(default_factory=dict)


LOSSES: dict[str, LossSpec] = {
    "MSELoss": LossSpec(nn.MSELoss, "value"),
    "L1Loss": LossSpec(nn.L1Loss, "value"),
    "HuberLoss": LossSpec(nn.HuberLoss, "value", {"delta": Param("float", 1.0, lo=0, lo_open=True)}),
    "CrossEntropyLoss": LossSpec(
        nn.CrossEntropyLoss, "index", {"label_smoothing": Param("float", 0.0, lo=0, hi=1, hi_open=True)}),
    "BCEWithLogitsLoss": LossSpec(nn.BCEWithLogitsLoss, "value", {"pos_weight": Param("float", None, lo=0, lo_open=True)}),
    "NLLLoss": LossSpec(nn.NLLLoss, "index"),
    # probabilities (after a Sigmoid) vs 0/1 targets; nnbuilder.analysis.warnings refuses it without a Sigmoid
    "BCELoss": LossSpec(nn.BCELoss, "value"),
}


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer class and its options besides ``lr`` (``weight_decay`` is shared by all)."""

    cls: type[torch.optim.Optimizer]
    params: dict[str, Param]


_WD = {"weight_decay": Param("float", 0.0, lo=0, doc="L2 weight decay")}
_EPS = {"eps": Param("float", None, lo=0, lo_open=True)}

OPTIMIZERS: dict[str, OptimizerSpec] = {
    "SGD": OptimizerSpec(torch.optim.SGD, {
        **_WD, "momentum": Param("float", 0.0, lo=0, hi=1, hi_open=True),
        "nesterov": Param("bool", False), "dampening": Param("float", 0.0, lo=0, hi=1)}),
    "Adam": OptimizerSpec(torch.optim.Adam, {
        **_WD, **_EPS, "betas": Param("pair", None, lo=0, hi=1, hi_open=True), "amsgrad": Param("bool", False)}),
    "AdamW": OptimizerSpec(torch.optim.AdamW, {
        "weight_decay": Param("float", 0.01, lo=0), **_EPS,
        "betas": Param("pair", None, lo=0, hi=1, hi_open=True), "amsgrad": Param("bool", False)}),
    "RMSprop": OptimizerSpec(torch.optim.RMSprop, {
        **_WD, **_EPS, "alpha": Param("float", 0.99, lo=0, hi=1, hi_open=True),
        "momentum": Param("float", 0.0, lo=0, hi=1, hi_open=True), "centered": Param("bool", False)}),
    "Adagrad": OptimizerSpec(torch.optim.Adagrad, {**_WD, **_EPS, "lr_decay": Param("float", 0.0, lo=0)}),
    "Adadelta": OptimizerSpec(torch.optim.Adadelta, {**_WD, **_EPS, "rho": Param("float", 0.9, lo=0, hi=1)}),
}


def build_loss(name: str, params: dict) -> nn.Module:
    """Instantiate the registered loss ``name`` with validated ``params`` (None values mean default)."""
    spec = LOSSES[name]
    kwargs = {k: v for k, v in params.items() if v is not None}
    if "pos_weight" in kwargs:
        kwargs["pos_weight"] = torch.tensor(kwargs["pos_weight"])
    return spec.cls(**kwargs)
