"""The project file's ``training`` section as a validated, typed :class:`TrainingConfig`."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from nnbuilder.training.errors import ConfigError
from nnbuilder.training.params import Param, Problems
from nnbuilder.training.registry import LOSSES, OPTIMIZERS
from nnbuilder.training.schedulers import MONITORS, SCHEDULERS
from nnbuilder.training.weight_init import INIT_SCHEMES

PRECISIONS = ("fp32", "bf16", "fp16")
_DEVICE_RE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


@dataclass(frozen=True)
class LossConfig:
    type: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OptimizerConfig:
    type: str
    lr: float
    params: dict[str, Any] = field(default_factory=dict)  # weight_decay, momentum, ... (None = torch default)


@dataclass(frozen=True)
class SchedulerConfig:
    type: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EarlyStoppingConfig:
    patience: int
    monitor: str = "val_loss"
    restore_best: bool = True
    min_delta: float = 0.0


@dataclass(frozen=True)
class RegularizationConfig:
    """Penalties added to the loss over weight matrices/kernels (not biases or norm scales)."""

    l1: float = 0.0
    l2: float = 0.0  # penalty l2 * sum(w²); distinct from the optimizer's weight_decay
    elastic_alpha: float = 0.0  # ElasticNet: alpha * (l1_ratio * |w|₁ + (1 - l1_ratio) / 2 * |w|₂²)
    elastic_l1_ratio: float = 0.5

    @property
    def active(self) -> bool:
        return self.l1 > 0 or self.l2 > 0 or self.elastic_alpha > 0


@dataclass(frozen=True)
class GradClipConfig:
    max_norm: float | None = None  # clip the global gradient norm
    value: float | None = None  # clamp each gradient element


@dataclass(frozen=True)
class InitScheme:
    type: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InitConfig:
    default: InitScheme | None = None
    per_layer: dict[str, InitScheme] = field(default_factory=dict)


_TOP = {
    "loss", "optimizer", "epochs", "batch_size", "scheduler", "early_stopping", "regularization", "grad_clip",
    "init", "lr_multipliers", "unfreeze", "seed", "device", "precision", "log_every",
}


@dataclass(frozen=True)
class UnfreezeStep:
    """At the start of ``epoch`` (1-based), make ``blocks`` of top-level ``module`` trainable (all if empty)."""

    epoch: int
    module: str
    blocks: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides how a model is trained; build it with :meth:`from_dict`."""

    loss: LossConfig
    optimizer: OptimizerConfig
    epochs: int = 10
    batch_size: int | None = None  # None: use the data section's batch size
    scheduler: SchedulerConfig | None = None
    early_stopping: EarlyStoppingConfig | None = None
    regularization: RegularizationConfig = RegularizationConfig()
    grad_clip: GradClipConfig | None = None
    init: InitConfig | None = None
    lr_multipliers: dict[str, float] = field(default_factory=dict)
    unfreeze: tuple[UnfreezeStep, ...] = ()  # staged unfreezing for fine-tuning
    seed: int | None = 0
    device: str = "auto"
    precision: str = "fp32"
    log_every: int = 50  # steps between loss read-backs on accelerators
    source: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, section: Any, path: str = "training") -> TrainingConfig:
        """Validate ``section``; raise :class:`ConfigError` listing every problem with its JSON path."""
        problems = Problems()
        if problems.mapping(section, path) is None:
            raise ConfigError(problems.items)
        problems.unknown_keys(section, _TOP, path)
        top_specs = {
            "epochs": Param("int", 10, lo=1), "batch_size": Param("int", None, lo=1), "seed": Param("int", 0),
            "device": Param("str", "auto"), "precision": Param("str", "fp32", choices=PRECISIONS),
            "log_every": Param("int", 50, lo=1)}
        top = {key: problems.value(section, key, spec, path) for key, spec in top_specs.items()}
        if top["device"] is not None and not _DEVICE_RE.match(top["device"]):
            problems.add(f"{path}.device", f"must be auto, cpu, cuda, cuda:N or mps; got {top['device']!r}")
        config = cls(
            loss=_loss(section.get("loss"), f"{path}.loss", problems),
            optimizer=_optimizer(section.get("optimizer"), f"{path}.optimizer", problems),
            scheduler=_scheduler(section.get("scheduler"), f"{path}.scheduler", problems),
            early_stopping=_early_stopping(section.get("early_stopping"), f"{path}.early_stopping", problems),
            regularization=_regularization(section.get("regularization"), f"{path}.regularization", problems),
            grad_clip=_grad_clip(section.get("grad_clip"), f"{path}.grad_clip", problems),
            init=_init(section.get("init"), f"{path}.init", problems),
            lr_multipliers=_multipliers(section.get("lr_multipliers"), f"{path}.lr_multipliers", problems),
            unfreeze=_unfreeze(section.get("unfreeze"), f"{path}.unfreeze", problems),
            source=copy.deepcopy(section), **{k: v for k, v in top.items()},
        )
        if problems.items:
            raise ConfigError(problems.items)
        return config

    def to_dict(self) -> dict:
        """The section this config was read from (a deep copy)."""
        return copy.deepcopy(self.source)


def _typed(raw: Any, path: str, problems: Problems, registry: dict, what: str) -> tuple[str, dict] | None:
    """Read ``"Name"`` or ``{"type": "Name", ...}``; check the name is registered."""
    if isinstance(raw, str):
        raw = {"type": raw}
    if problems.mapping(raw, path) is None:
        return None
    name = raw.get("type")
    if name not in registry:
        problems.add(f"{path}.type", f"unknown {what} {name!r}; expected one of: {', '.join(registry)}")
        return None
    return name, raw


def _loss(raw: Any, path: str, problems: Problems) -> LossConfig | None:
    if raw is None:
        problems.add(path, "is required (e.g. \"MSELoss\" or \"CrossEntropyLoss\")")
        return None
    typed = _typed(raw, path, problems, LOSSES, "loss")
    if typed is None:
        return None
    name, section = typed
    return LossConfig(name, problems.params(section, LOSSES[name].params, path, skip={"type"}))


def _optimizer(raw: Any, path: str, problems: Problems) -> OptimizerConfig | None:
    if raw is None:
        problems.add(path, "is required (e.g. {\"type\": \"SGD\", \"lr\": 0.01})")
        return None
    typed = _typed(raw, path, problems, OPTIMIZERS, "optimizer")
    if typed is None:
        return None
    name, section = typed
    lr = problems.value(section, "lr", Param("float", lo=0, lo_open=True), path)
    params = problems.params(section, OPTIMIZERS[name].params, path, skip={"type", "lr"})
    if params.get("nesterov") and not params.get("momentum"):
        problems.add(f"{path}.nesterov", "needs momentum > 0")
    return OptimizerConfig(name, lr, params)


def _scheduler(raw: Any, path: str, problems: Problems) -> SchedulerConfig | None:
    if raw is None:
        return None
    typed = _typed(raw, path, problems, SCHEDULERS, "scheduler")
    if typed is None:
        return None
    name, section = typed
    params = problems.params(section, SCHEDULERS[name].params, path, skip={"type"})
    if name == "LinearWarmup" and (params["warmup_steps"] is None) == (params["warmup_epochs"] is None):
        problems.add(path, "give exactly one of warmup_steps or warmup_epochs")
    if name == "ReduceLROnPlateau" and params["monitor"] is not None and params["monitor"] not in MONITORS:
        problems.add(f"{path}.monitor", f"unknown metric {params['monitor']!r}; expected one of: {', '.join(MONITORS)}")
    return SchedulerConfig(name, params)


def _early_stopping(raw: Any, path: str, problems: Problems) -> EarlyStoppingConfig | None:
    if raw is None or problems.mapping(raw, path) is None:
        return None
    p = problems.params(raw, {
        "patience": Param("int", lo=0), "monitor": Param("str", "val_loss", choices=tuple(MONITORS)),
        "restore_best": Param("bool", True), "min_delta": Param("float", 0.0, lo=0)}, path)
    return EarlyStoppingConfig(**p)


def _regularization(raw: Any, path: str, problems: Problems) -> RegularizationConfig:
    if raw is None or problems.mapping(raw, path) is None:
        return RegularizationConfig()
    p = problems.params(raw, {"l1": Param("float", 0.0, lo=0), "l2": Param("float", 0.0, lo=0)}, path,
                        skip={"elastic_net"})
    alpha, ratio = 0.0, 0.5
    net = raw.get("elastic_net")
    if net is not None and problems.mapping(net, f"{path}.elastic_net") is not None:
        e = problems.params(net, {"alpha": Param("float", lo=0), "l1_ratio": Param("float", 0.5, lo=0, hi=1)},
                            f"{path}.elastic_net")
        alpha, ratio = e["alpha"] or 0.0, e["l1_ratio"] if e["l1_ratio"] is not None else 0.5
    return RegularizationConfig(l1=p["l1"] or 0.0, l2=p["l2"] or 0.0, elastic_alpha=alpha, elastic_l1_ratio=ratio)


def _grad_clip(raw: Any, path: str, problems: Problems) -> GradClipConfig | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raw = {"max_norm": raw}
    p = problems.params(raw, {"max_norm": Param("float", None, lo=0, lo_open=True),
                              "value": Param("float", None, lo=0, lo_open=True)}, path)
    if p["max_norm"] is None and p["value"] is None:
        return None
    return GradClipConfig(**p)


def _scheme(raw: Any, path: str, problems: Problems) -> InitScheme | None:
    typed = _typed(raw, path, problems, INIT_SCHEMES, "init scheme")
    if typed is None:
        return None
    name, section = typed
    return InitScheme(name, problems.params(section, INIT_SCHEMES[name], path, skip={"type"}))


def _init(raw: Any, path: str, problems: Problems) -> InitConfig | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return InitConfig(default=_scheme(raw, path, problems))
    if problems.mapping(raw, path) is None:
        return None
    problems.unknown_keys(raw, {"default", "per_layer"}, path)
    default = _scheme(raw["default"], f"{path}.default", problems) if raw.get("default") is not None else None
    per_layer: dict[str, InitScheme] = {}
    layers = raw.get("per_layer") or {}
    if problems.mapping(layers, f"{path}.per_layer") is not None:
        for name, scheme in layers.items():
            parsed = _scheme(scheme, f"{path}.per_layer.{name}", problems)
            if parsed is not None:
                per_layer[name] = parsed
    return InitConfig(default, per_layer)


def _multipliers(raw: Any, path: str, problems: Problems) -> dict[str, float]:
    if raw is None or problems.mapping(raw, path) is None:
        return {}
    spec = Param("float", lo=0, doc="LR multiplier (0 freezes the group's updates)")
    out = {}
    for name in raw:  # a top-level submodule ("backbone") or a dotted module path ("backbone.layer4")
        if not isinstance(name, str) or not all(name.split(".")):
            problems.add(f"{path}.{name}", "expected a submodule name or a dotted path like 'backbone.layer4'")
        elif (value := problems.value(raw, name, spec, path)) is not None:
            out[name] = value
    return out


def parse_unfreeze(raw: Any, path: str = "training.unfreeze") -> tuple[tuple[UnfreezeStep, ...], list[tuple[str, str]]]:
    """``training.unfreeze`` alone: the valid steps and the problems of the others."""
    problems = Problems()
    return _unfreeze(raw, path, problems), problems.items


def _unfreeze(raw: Any, path: str, problems: Problems) -> tuple[UnfreezeStep, ...]:
    """``[{"epoch": 3, "module": "backbone", "blocks": ["layer4"]}, ...]``; blocks omitted = the whole module."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(path, "expected a list of {epoch, module, blocks} steps")
        return ()
    steps = []
    for i, item in enumerate(raw):
        at = f"{path}[{i}]"
        if problems.mapping(item, at) is None:
            continue
        problems.unknown_keys(item, {"epoch", "module", "blocks"}, at)
        epoch, module, blocks = item.get("epoch"), item.get("module"), item.get("blocks", [])
        ok = True
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
            problems.add(f"{at}.epoch", f"expected an epoch number ≥ 1, got {epoch!r}")
            ok = False
        if not isinstance(module, str) or not module:
            problems.add(f"{at}.module", f"expected the name of a top-level layer, got {module!r}")
            ok = False
        if not isinstance(blocks, list) or not all(isinstance(b, str) and b for b in blocks):
            problems.add(f"{at}.blocks", f"expected a list of block names, got {blocks!r}")
            ok = False
        if ok:
            steps.append(UnfreezeStep(epoch, module, tuple(blocks)))
    return tuple(steps)
