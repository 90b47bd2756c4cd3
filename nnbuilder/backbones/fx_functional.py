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
                F.tanh: "Tanh", "tanh": "Tanh", F.relu6: "ReLU6", F.hardswish: "Hardswish",
                F.hardsigmoid: "Hardsigmoid", F.silu: "SiLU", F.mish: "Mish"}
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
    if target in ("view", "reshape") and len(args) == 3 and not kwargs and args[2] == -1:
        size = sym.get(args[1]) if isinstance(args[1], fx.Node) else None
        if size in (literals.Expr("size", (x, 0)), literals.Expr("getitem", (literals.Expr("attr", (x, "shape")), 0))):
            return _result("Flatten", {"start_dim": 1, "end_dim": -1}, [x])
    if others:
        return None
    if target in _ACTIVATIONS and len(args) == 1 and set(kwargs) <= {"inplace"}:
        return _result(_ACTIVATIONS[target], {}, [x])
    defaults = {"recompute_scale_factor": None, "antialias": False}
    if target is F.interpolate and len(args) == 1 and kwargs.get("size") is None \
            and kwargs.get("align_corners") in (None, False) and all(kwargs.get(k, v) == v for k, v in defaults.items()) \
            and set(kwargs) <= {"size", "scale_factor", "mode", "align_corners", *defaults}:
        scale = kwargs.get("scale_factor")
        if isinstance(scale, (int, float)) and not isinstance(scale, bool) and (
                kwargs.get("mode", "nearest") == "nearest" or kwargs.get("align_corners") is False):
            return _layer("Upsample", {"scale_factor": float(scale), "mode": kwargs.get("mode", "nearest")}, x)
    if target in _POOLS:
        layer, names = _POOLS[target]
        if len(args) - 1 > len(names) or any(k not in (*names, "return_indices") for k in kwargs):
            return None
        params = {**dict(zip(names, args[1:])), **{k: v for k, v in kwargs.items() if k != "return_indices"}}
        if kwargs.get("return_indices"):
            return None
        if params.get("stride") in (None, ()):  # functional default: stride = kernel_size
            params.pop("stride", None)
        return _layer(layer, params, x)
    return None


def _layer(type_name: str, raw: dict[str, Any], x: fx.Node) -> Any | None:
    """The layer when its parameters pass the registry's checks, else None (it stays opaque)."""
    from nnbuilder.layers import get_spec

    spec = get_spec(type_name)
    known = {p.name for p in spec.params}
    defaults = {"dilation": 1, "count_include_pad": True, "divisor_override": None}  # torch's own defaults
    raw = {k: v for k, v in raw.items() if k in known or k not in defaults or v != defaults[k]}
    clean = {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}
    params, errors = spec.normalize(clean)
    if errors:
        return None
    return _result(type_name, {k: v for k, v in params.items() if v is not None}, [x])



def batch_norm_owners(model: Any, nodes: list[fx.Node]) -> tuple[dict[fx.Node, str], set[fx.Node]]:
    """``F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, ...)`` inside a
    traced-through BatchNorm subclass (timm's BatchNormAct2d): the call and the module path that owns its
    tensors, and the ``get_attr`` nodes that only feed such calls (they need no node of their own)."""
    from torch import nn

    calls: dict[fx.Node, str] = {}
    for node in nodes:
        if node.op != "call_function" or node.target is not F.batch_norm:
            continue
        names = ("input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps")
        values = {**dict(zip(names, node.args)), **node.kwargs}
        tensors = [values.get(k) for k in names[1:5]]
        if values.get("training", False) is not False or not all(
                isinstance(t, fx.Node) and t.op == "get_attr" for t in tensors):
            continue
        owners = {str(t.target).rpartition(".")[0] for t in tensors}
        leaf = {str(t.target).rpartition(".")[2] for t in tensors}
        if len(owners) != 1 or leaf != {"running_mean", "running_var", "weight", "bias"}:
            continue
        owner = owners.pop()
        module = model.get_submodule(owner)
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and values.get("eps", 1e-5) == module.eps:
            calls[node] = owner
    attrs = {t for call in calls for t in call.all_input_nodes if t.op == "get_attr"}
    attrs = {t for t in attrs if all(u in calls for u in t.users)}
    return calls, attrs


def batch_norm_node(node: fx.Node, module: Any) -> Any:
    """The BatchNorm1d/2d node for a :func:`batch_norm_owners` call."""
    from torch import nn

    type_name = "BatchNorm2d" if isinstance(module, nn.BatchNorm2d) else "BatchNorm1d"
    raw = {"num_features": module.num_features, "eps": module.eps, "momentum": module.momentum,
           "affine": module.affine, "track_running_stats": module.track_running_stats}
    return _layer(type_name, raw, node.args[0])
