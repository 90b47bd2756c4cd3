"""Optimizer construction: parameter groups with discriminative LR multipliers, and L1/ElasticNet penalties."""
from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from nnbuilder.training.config import OptimizerConfig, RegularizationConfig, TrainingConfig
from nnbuilder.training.errors import ConfigError, TrainingError
from nnbuilder.training.registry import OPTIMIZERS


def param_groups(model: nn.Module, config: TrainingConfig) -> list[dict]:
    """Trainable parameters split by ``lr_multipliers`` (the rest: group "default").

    Keys are module paths, top-level (``"backbone"``) or dotted (``"backbone.layer4"``); each parameter goes to the
    group of the longest key that is a prefix of its module path.  Parameters frozen now but scheduled by
    ``config.unfreeze`` are placed already, so staged unfreezing needs no new groups.
    """
    problems = [problem for key in config.lr_multipliers if (problem := _unknown_path(model, key)) is not None]
    if problems:
        raise ConfigError(problems)
    lr = config.optimizer.lr
    later = {id(p) for p in unfreeze_targets(model, config)}  # frozen now, trainable later: in the groups already
    members: dict[str, list[nn.Parameter]] = {key: [] for key in config.lr_multipliers}
    rest: list[nn.Parameter] = []
    for name, p in model.named_parameters():  # each shared parameter once, under its first name
        if p.requires_grad or id(p) in later:
            key = owning_key(name.rpartition(".")[0], config.lr_multipliers)
            (rest if key is None else members[key]).append(p)
    groups = [{"params": params, "lr": lr * config.lr_multipliers[key], "lr_multiplier": config.lr_multipliers[key],
               "name": key} for key, params in members.items() if params]
    if rest:
        groups.insert(0, {"params": rest, "lr": lr, "lr_multiplier": 1.0, "name": "default"})
    if not groups:
        raise TrainingError("the model has no trainable parameters (every layer is frozen or it has none)")
    return groups


def owning_key(module_path: str, keys: Iterable[str]) -> str | None:
    """The longest of ``keys`` that is ``module_path`` or a dotted prefix of it (None: no key covers it)."""
    best = None
    for key in keys:
        if (module_path == key or module_path.startswith(f"{key}.")) and (best is None or len(key) > len(best)):
            best = key
    return best


def _unknown_path(model: nn.Module, key: str) -> tuple[str, str] | None:
    """A (path, message) problem when ``key`` names no submodule of ``model``, listing the valid names there."""
    at = f"training.lr_multipliers.{key}"
    parts = key.split(".")
    module, done = model, []
    for part in parts:
        children = dict(module.named_children())
        if part not in children:
            known = ", ".join(children) or "(none)"
            if not done:
                return at, f"no top-level submodule named {part!r}; known: {known}"
            return at, f"{'.'.join(done)!r} has no submodule {part!r}; its children: {known}"
        module = children[part]
        done.append(part)
    return None


def unfreeze_modules(model: nn.Module, config: TrainingConfig, epoch: int | None = None) -> list[tuple[str, nn.Module]]:
    """The (name, module) pairs that ``config.unfreeze`` makes trainable (by ``epoch``, 1-based, if given).

    Raises :class:`ConfigError` naming the step when a layer or block does not exist.
    """
    children = dict(model.named_children())
    found: list[tuple[str, nn.Module]] = []
    for i, step in enumerate(config.unfreeze):
        if epoch is not None and step.epoch > epoch:
            continue
        at = f"training.unfreeze[{i}]"
        if step.module not in children:
            raise ConfigError([(f"{at}.module", (f"no top-level layer named {step.module!r}; "
                                                f"known: {', '.join(children) or '(none)'}"))])
        root = children[step.module]
        if not step.blocks:
            found.append((step.module, root))
        for block in step.blocks:
            try:
                found.append((f"{step.module}.{block}", root.get_submodule(block)))
            except AttributeError:
                blocks = ", ".join(n for n, _ in root.named_children())
                raise ConfigError([(f"{at}.blocks", (f"{step.module!r} has no block {block!r}; "
                                                    f"its blocks: {blocks}"))]) from None
    return found


def unfreeze_targets(model: nn.Module, config: TrainingConfig) -> list[nn.Parameter]:
    return [p for _, module in unfreeze_modules(model, config) for p in module.parameters()]


def build_optimizer(model: nn.Module, config: TrainingConfig) -> torch.optim.Optimizer:
    """The configured optimizer over :func:`param_groups` of ``model``."""
    return make_optimizer(config.optimizer, param_groups(model, config))


def make_optimizer(config: OptimizerConfig, groups: list[dict]) -> torch.optim.Optimizer:
    """Instantiate the registered optimizer class on ``groups`` (None options keep torch's defaults)."""
    spec = OPTIMIZERS[config.type]
    kwargs = {k: v for k, v in config.params.items() if v is not None}
    return spec.cls(groups, lr=config.lr, **kwargs)


def current_lrs(optimizer: torch.optim.Optimizer) -> list[float]:
    """The learning rate of every parameter group, as Python floats."""
    return [float(group["lr"]) for group in optimizer.param_groups]


def penalized_weights(model: nn.Module) -> list[torch.Tensor]:
    """Weight matrices and kernels (dim ≥ 2) that penalties apply to; biases and norm scales are left out."""
    return [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]


def regularization_penalty(weights: list[torch.Tensor], config: RegularizationConfig) -> torch.Tensor | None:
    """``l1·Σ|w| + l2·Σw² + alpha·(r·Σ|w| + (1-r)/2·Σw²)`` as a scalar tensor, or None when inactive."""
    if not config.active or not weights:
        return None
    l1 = config.l1 + config.elastic_alpha * config.elastic_l1_ratio
    l2 = config.l2 + config.elastic_alpha * (1.0 - config.elastic_l1_ratio) / 2.0
    total = None
    if l1 > 0:
        total = l1 * torch.stack([w.abs().sum() for w in weights]).sum()
    if l2 > 0:
        term = l2 * torch.stack([w.pow(2).sum() for w in weights]).sum()
        total = term if total is None else total + term
    return total
