"""Functional forms of palette layers (``F.max_pool2d``, ``torch.sigmoid``, ``x.view(x.size(0), -1)``)
turned into the layer nodes a student would have dropped, instead of opaque operations.

The model is traced in eval mode, so regularisers that are identities there (``stochastic_depth``,
``F.dropout(training=False)``) become ``Alias`` results: the node stands for its input.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import fx

from nnbuilder.backbones import literals


def _result(type_name: str, params: dict[str, Any], inputs: list[fx.Node]) -> Any:
    from nnbuilder.backbones.fx_convert import Converted

    return Converted(type_name, params, inputs)


def _stochastic_depth() -> Any:
    try:
        from torchvision.ops import stochastic_depth
    except ImportError:  # pragma: no cover - torchvision is a dependency
        return None
    return stochastic_depth


_ACTIVATIONS = {torch.sigmoid: "Sigmoid", F.sigmoid: "Sigmoid", "sigmoid": "Sigmoid", torch.tanh: "Tanh",
                F.tanh: "Tanh", "tanh": "Tanh"}
# function -> (layer type, names of its positional arguments after the input)
_POOLS = {
    F.max_pool2d: ("MaxPool2d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode")),
    F.avg_pool2d: ("AvgPool2d", ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")),
    F.adaptive_avg_pool2d: ("AdaptiveAvgPool2d", ("output_size",)),
    torch.adaptive_avg_pool1d: ("AdaptiveAvgPool1d", ("output_size",)),
}


def convert(node: fx.Node, sym: dict[fx.Node, literals.Expr]) -> Any | None:
    """The layer node for a functional call, ``Alias`` for an eval-mode identity, or None."""
    target, args, kwargs = node.target, node.args, node.kwargs
    x = args[0] if args and isinstance(args[0], fx.Node) and args[0] not in sym else None
    if x is None:
        return None
    others = [a for a in (*args[1:], *kwargs.values()) if isinstance(a, fx.Node)]
    if target is _stochastic_depth() or target is F.dropout:
        training = args[3] if target is not F.dropout and len(args) > 3 else kwargs.get("training", True)
        if target is F.dropout:
            training = args[2] if len(args) > 2 else kwargs.get("training", True)
        if training is False and not others:
            return _result("Alias", {}, [x])
        return None
    if others:
        return None
    if target in _ACTIVATIONS and len(args) == 1 and not kwargs:
        return _result(_ACTIVATIONS[target], {}, [x])
    if target in _POOLS:
        layer, names = _POOLS[target]
        if len(args) - 1 > len(names) or any(k not in names for k in kwargs):
            return None
        params = {**dict(zip(names, args[1:])), **kwargs}
        if params.get("stride") in (None, ()):  # functional default: stride = kernel_size
            params.pop("stride", None)
        return _layer(layer, params, x)
    if target in ("view", "reshape") and len(args) == 3 and not kwargs and args[2] == -1:
        size = sym.get(args[1]) if isinstance(args[1], fx.Node) else None
        if size == literals.Expr("size", (x, 0)) or size == literals.Expr("getitem", (literals.Expr("attr", (
                x, "shape")), 0)):
            return _result("Flatten", {"start_dim": 1, "end_dim": -1}, [x])
    return None


def _layer(type_name: str, raw: dict[str, Any], x: fx.Node) -> Any | None:
    """The layer when its parameters pass the registry's checks, else None (it stays opaque)."""
    from nnbuilder.layers import get_spec

    spec = get_spec(type_name)
    clean = {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}
    params, errors = spec.normalize(clean)
    if errors:
        return None
    return _result(type_name, {k: v for k, v in params.items() if v is not None}, [x])

