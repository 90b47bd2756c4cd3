"""Checkpoints written before the model carried its preprocessing buffers, migrated on load.

Until run format 2 the data pipeline standardised the inputs with the training split's statistics
and trained regression on raw targets; the module had no ``<input>_mean/_std`` or
``target_mean/_std`` buffers, so such a checkpoint's weights lack them. Resuming one is truthful
when the missing values are the ones that run used:

- input buffers get the statistics fitted again from the project's data (the same split and seed
  give the same values the old pipeline applied);
- target buffers get the identity (mean 0, std 1): the old model predicts raw units, and the loss
  stays on the raw scale it was trained with, so the run continues as the old version would have.

Anything else that does not fit still fails with the checkpoint's own message.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn


def preprocessing_buffers(meta: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(input buffer names, target buffer names) of a bundle's fitted preprocessing."""
    fitted = meta.get("fitted_preprocessing") or {}
    inputs = {name for entry in (fitted.get("inputs") or {}).values() for name in entry.get("buffers", ())}
    target = set((fitted.get("target") or {}).get("buffers", ())) or {"target_mean", "target_std"}
    return inputs, target


def migrate_state(tensors: dict[str, torch.Tensor], model: nn.Module,
                  meta: dict[str, Any]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """``tensors`` with the missing preprocessing buffers filled (see the module doc); the names filled.

    Returns ``tensors`` unchanged (and no names) unless exactly preprocessing buffers are missing.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in tensors]
    inputs, target = preprocessing_buffers(meta)
    buffers = {name for name, _ in model.named_buffers()}
    if not missing or any(k not in buffers or k not in inputs | target for k in missing) \
            or any(k not in own for k in tensors):
        return tensors, []
    out = dict(tensors)
    for name in missing:
        value = own[name].detach()
        if name in target:
            value = torch.zeros_like(value) if name.endswith("mean") else torch.ones_like(value)
        out[name] = value.to(next(iter(tensors.values())).device if tensors else value.device).clone()
    return out, missing


def describe(path: Path, filled: list[str], meta: dict[str, Any]) -> str:
    """One line for people: what was filled in and why."""
    _, target = preprocessing_buffers(meta)
    on_inputs = [n for n in filled if n not in target]
    parts = []
    if on_inputs:
        parts.append(f"{', '.join(on_inputs)} from the training split's statistics (fitted again from the "
                     "project's data, as that run standardised its inputs)")
    if any(n in target for n in filled):
        parts.append("target_mean/target_std as the identity (that run trained on raw targets; the loss stays on "
                     "that scale)")
    return (f"{path} was written by an older nnbuilder without the model's preprocessing buffers; filled in "
            + " and ".join(parts))


def keep_raw_targets(trainer: Any, filled: list[str]) -> None:
    """After migrating target buffers to the identity: train on raw targets, as the old run did, and say so."""
    _, target = preprocessing_buffers(trainer.bundle.meta)
    if not any(n in target for n in filled):
        return
    from nnbuilder.training.metrics import LossFunction

    meta = trainer.bundle.meta
    meta.pop("loss_target_scale", None)
    trainer.loss_fn = LossFunction(trainer.config.loss, trainer.device, None)
    fitted = meta.setdefault("fitted_preprocessing", {"inputs": {}, "target": None})
    names = sorted(n for n in filled if n in target)
    state = trainer.model.state_dict()
    fitted["target"] = {"mean": state[names[0]].reshape(-1).tolist(), "std": state[names[1]].reshape(-1).tolist(),
                        "buffers": names, "source": "identity: resumed from an older checkpoint trained on raw targets"}
