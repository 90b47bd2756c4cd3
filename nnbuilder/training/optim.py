"""Optimizer construction: parameter groups with discriminative LR multipliers, and L1/ElasticNet penalties."""
from __future__ import annotations

import torch
from torch import nn

from nnbuilder.training.config import OptimizerConfig, RegularizationConfig, TrainingConfig
from nnbuilder.training.errors import ConfigError, TrainingError
from nnbuilder.training.registry import OPTIMIZERS


def param_groups(model: nn.Module, config: TrainingConfig) -> list[dict]:
    """Trainable parameters split by top-level submodule for ``lr_multipliers`` (the rest: group "default")."""
    children = dict(model.named_children())
    unknown = [(f"training.lr_multipliers.{name}",
                f"no top-level submodule named {name!r}; known: {', '.join(children) or '(none)'}")
               for name in config.lr_multipliers if name not in children]
    if unknown:
        raise ConfigError(unknown)
    lr = config.optimizer.lr
    later = {id(p) for p in unfreeze_targets(model, config)}  # frozen now, trainable later: in the groups already

    def wanted(p: nn.Parameter) -> bool:
        return p.requires_grad or id(p) in later

    claimed: set[int] = set()
    groups = []
    for name, multiplier in config.lr_multipliers.items():
        params = [p for p in children[name].parameters() if wanted(p) and id(p) not in claimed]
        claimed.update(id(p) for p in params)
        if params:
            groups.append({"params": params, "lr": lr * multiplier, "lr_multiplier": multiplier, "name": name})
    rest = [p for p in model.parameters() if wanted(p) and id(p) not in claimed]
    if rest:
        groups.insert(0, {"params": rest, "lr": lr, "lr_multiplier": 1.0, "name": "default"})
    if not groups:
        raise TrainingError("the model has no trainable parameters (every layer is frozen or it has none)")
    return groups


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
