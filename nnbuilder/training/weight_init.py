"""Weight initialisation schemes applied per named submodule (Gaussian, Xavier, Kaiming)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from nnbuilder.training.errors import ConfigError
from nnbuilder.training.params import Param

if TYPE_CHECKING:
    from nnbuilder.training.config import InitConfig, InitScheme

INIT_SCHEMES: dict[str, dict[str, Param]] = {
    "default": {},  # keep PyTorch's own initialisation
    "normal": {"mean": Param("float", 0.0), "std": Param("float", 0.01, lo=0, lo_open=True)},
    "xavier": {"gain": Param("float", 1.0, lo=0, lo_open=True),
               "distribution": Param("str", "uniform", choices=("uniform", "normal"))},
    "kaiming": {"nonlinearity": Param("str", "relu", choices=("relu", "leaky_relu")),
                "distribution": Param("str", "normal", choices=("uniform", "normal"))},
}


def apply_init(model: nn.Module, config: InitConfig | None, path: str = "training.init") -> list[str]:
    """Initialise weights (matrices and kernels; biases to zero) and return the names of touched modules.

    ``per_layer`` keys name submodules (``model.named_modules()``); the scheme applies to that
    module and everything inside it. Unknown names raise :class:`ConfigError`.
    """
    chosen = init_plan(model, config, path)
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, scheme in chosen.items():
            _init_module(modules[name], scheme)
    return sorted(chosen)


def init_plan(model: nn.Module, config: InitConfig | None, path: str = "training.init") -> dict[str, InitScheme]:
    """The modules :func:`apply_init` initialises, in the order it draws them (``named_modules``), with their scheme."""
    if config is None:
        return {}
    modules = dict(model.named_modules())
    unknown = [(f"{path}.per_layer.{name}", f"no submodule named {name!r}; known: {_known(modules)}")
               for name in config.per_layer if name not in modules]
    if unknown:
        raise ConfigError(unknown)
    chosen: dict[str, InitScheme] = {}
    for name, module in modules.items():
        if not any(True for _ in module.parameters(recurse=False)):
            continue
        scheme = config.default
        best = -1
        for prefix, candidate in config.per_layer.items():  # the most specific (longest) prefix wins
            if (prefix == "" or name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                scheme, best = candidate, len(prefix)
        if scheme is not None and scheme.type != "default":
            chosen[name] = scheme
    return chosen


def _init_module(module: nn.Module, scheme: InitScheme) -> None:
    for pname, param in module.named_parameters(recurse=False):
        if pname.startswith("bias"):
            nn.init.zeros_(param)
        elif param.dim() >= 2:
            _init_tensor(param, scheme)


def _init_tensor(tensor: torch.Tensor, scheme: InitScheme) -> None:
    p = scheme.params
    if scheme.type == "normal":
        nn.init.normal_(tensor, mean=p["mean"], std=p["std"])
    elif scheme.type == "xavier":
        init = nn.init.xavier_uniform_ if p["distribution"] == "uniform" else nn.init.xavier_normal_
        init(tensor, gain=p["gain"])
    elif scheme.type == "kaiming":
        init = nn.init.kaiming_uniform_ if p["distribution"] == "uniform" else nn.init.kaiming_normal_
        init(tensor, nonlinearity=p["nonlinearity"])
    else:
        raise KeyError(f"init scheme {scheme.type!r} is not registered")


def _known(modules: dict[str, nn.Module]) -> str:
    names = [n for n in modules if n]
    return ", ".join(names[:20]) + (" ..." if len(names) > 20 else "") if names else "(none)"
