"""Turning one torch.fx node into a graph-document node type and parameters.

Leaf modules with a registered layer type become ordinary nodes whose constructor parameters are
read off the module and checked by rebuilding it; other ``torch.nn`` modules become
``OpaqueModule`` nodes; tensor functions, methods and operators without a layer type become
``OpaqueOp`` nodes.  Anything that cannot be represented raises :class:`UnsupportedModel`.
"""
from __future__ import annotations

import inspect
import operator
import re
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from nnbuilder.backbones import literals
from nnbuilder.layers import ParamError, get_spec, registry


class UnsupportedModel(ValueError):
    """A model part nnbuilder cannot represent as a graph node (the message names it)."""


@dataclass
class Converted:
    """The node type, params and input values (fx nodes, in port order) for one fx node."""

    type: str
    params: dict[str, Any]
    inputs: list[fx.Node] = field(default_factory=list)


_INPLACE = re.compile(r"(,\s*)?inplace=(True|False)")


def signature(module: nn.Module) -> tuple[str, str, tuple[tuple[str, tuple[int, ...]], ...]]:
    """Class, ``extra_repr`` (ignoring ``inplace``) and state-dict shapes: equal ⇒ same layer."""
    text = _INPLACE.sub("", module.extra_repr()).strip(", ")
    shapes = tuple((k, tuple(v.shape)) for k, v in module.state_dict().items())
    return type(module).__name__, text, shapes


def _rebuilds(cls: type[nn.Module], kwargs: dict[str, Any], original: nn.Module) -> bool:
    try:
        with torch.device("meta"):
            return signature(cls(**kwargs)) == signature(original)
    except (TypeError, ValueError, RuntimeError):
        return False


def convert_module(node: fx.Node, module: nn.Module) -> Converted:
    """A call to a leaf module: a known layer type, else an ``OpaqueModule``."""
    simple = len(node.args) == 1 and isinstance(node.args[0], fx.Node) and not node.kwargs
    cls = type(module)
    known = cls.__module__.startswith("torch.nn") and cls.__name__ in registry()
    if simple and known:
        spec = get_spec(cls.__name__)
        raw = {p.name: (module.bias is not None if p.name == "bias" else getattr(module, p.name))
               for p in spec.params if p.ctor and hasattr(module, p.name)}
        rnn_ok = True
        if any(p.name == "output" and not p.ctor for p in spec.params):  # RNNs: only out[0] users
            rnn_ok = all(u.target is operator.getitem and u.args[1] == 0 for u in node.users)
            raw["output"] = "sequence"
        for ctor in ({k: _compact(v) for k, v in raw.items()}, raw):  # prefer 3 over (3, 3)
            params, errors = spec.normalize(ctor)
            kwargs = {p.name: params[p.name] for p in spec.params if p.ctor and params.get(p.name) is not None}
            if not errors and rnn_ok and _rebuilds(cls, kwargs, module):
                return Converted(spec.type, {k: v for k, v in params.items() if v is not None}, [node.args[0]])
    return _opaque_module(node, module)


def _compact(value: Any) -> Any:
    """``(3, 3)`` -> ``3`` so the generated code reads like hand-written code."""
    if isinstance(value, tuple) and value and all(type(v) is int and v == value[0] for v in value):
        return value[0]
    return value


def _opaque_module(node: fx.Node, module: nn.Module) -> Converted:
    from nnbuilder.layers.backbone import check_module_class

    cls = type(module)
    where = f"module {node.target!r} ({cls.__module__}.{cls.__name__})"
    try:
        check_module_class(cls.__name__)
        if not cls.__module__.startswith("torch.nn") or getattr(nn, cls.__name__) is not cls:
            raise ParamError("not a torch.nn class")
    except ParamError:
        raise UnsupportedModel(f"{where} is a leaf module that is not a torch.nn layer; make it traceable or "
                               "replace it") from None
    init: dict[str, Any] = {}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name in ("self", "device", "dtype") or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if hasattr(module, name):
            value = getattr(module, name)
            value = value is not None if name == "bias" else value
            try:
                init[name] = literals.encode(value)
            except literals.LiteralError:
                continue
    decoded = {k: literals.decode(v) for k, v in init.items()}
    if not _rebuilds(cls, decoded, module):
        raise UnsupportedModel(f"{where} could not be rebuilt from its constructor arguments {sorted(init)}")
    inputs, args, kwargs = encode_call(node)
    params = {"target": cls.__name__, "init": init, "inputs": len(inputs), "args": args, "kwargs": kwargs,
              "description": f"{node.target}: {module!r}"[:2000]}
    return Converted("OpaqueModule", params, inputs)


def encode_call(node: fx.Node) -> tuple[list[fx.Node], list[Any], dict[str, Any]]:
    """The distinct fx nodes among ``node``'s arguments, and its arguments encoded as literals."""
    inputs: list[fx.Node] = []

    def ref(value: Any) -> int | None:
        if not isinstance(value, fx.Node):
            return None
        if value not in inputs:
            inputs.append(value)
        return inputs.index(value)

    try:
        args = [literals.encode(a, ref) for a in node.args]
        kwargs = {k: literals.encode(v, ref) for k, v in node.kwargs.items()}
    except literals.LiteralError as exc:
        raise UnsupportedModel(f"operation {node.name!r} ({node.format_node()}): {exc}") from None
    return inputs, args, kwargs


def convert_function(node: fx.Node) -> Converted:
    """``call_function`` / ``call_method``: a merge or layer type where one fits, else ``OpaqueOp``."""
    target, args, kwargs = node.target, node.args, node.kwargs
    nodes = [a for a in args if isinstance(a, fx.Node)]
    if target in (operator.add, operator.iadd, torch.add, "add") and len(args) == 2 == len(nodes) and not kwargs:
        return Converted("Add", {"inputs": 2}, list(args))
    if target in (operator.mul, operator.imul, torch.mul, "mul") and len(args) == 2 == len(nodes) and not kwargs:
        return Converted("Multiply", {"inputs": 2}, list(args))
    if target is torch.cat and args and isinstance(args[0], (list, tuple)) and set(kwargs) <= {"dim"}:
        parts = list(args[0])
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if 2 <= len(parts) <= 8 and all(isinstance(p, fx.Node) for p in parts) and isinstance(dim, int):
            return Converted("Concat", {"inputs": len(parts), "dim": dim}, parts)
    if target in (torch.flatten, "flatten") and len(nodes) == 1 and args and args[0] is nodes[0]:
        start = args[1] if len(args) > 1 else kwargs.get("start_dim", 0)
        end = args[2] if len(args) > 2 else kwargs.get("end_dim", -1)
        if isinstance(start, int) and isinstance(end, int) and set(kwargs) <= {"start_dim", "end_dim"}:
            return Converted("Flatten", {"start_dim": start, "end_dim": end}, [nodes[0]])
    if target in (F.relu, torch.relu, "relu") and len(args) == 1 and nodes and set(kwargs) <= {"inplace"}:
        return Converted("ReLU", {}, [nodes[0]])
    return _opaque_op(node)


def _opaque_op(node: fx.Node) -> Converted:
    from nnbuilder.layers.backbone import check_op

    kind, name = "method", node.target
    if node.op == "call_function":
        kind, name = _qualified(node.target)
    try:
        check_op(kind, name)
    except ParamError:
        raise UnsupportedModel(f"operation {node.name!r} calls {node.target!r}, which nnbuilder cannot "
                               "represent; rewrite it with torch / torch.nn.functional calls") from None
    inputs, args, kwargs = encode_call(node)
    params = {"kind": kind, "target": name, "inputs": len(inputs), "args": args, "kwargs": kwargs,
              "description": node.format_node()[:2000]}
    return Converted("OpaqueOp", params, inputs)


def _qualified(target: Any) -> tuple[str, str]:
    """("function", "torch.nn.functional.gelu") or ("operator", "getitem") for an fx target."""
    name = getattr(target, "__name__", "")
    if target is getattr:
        return "operator", "getattr"
    if getattr(operator, name, None) is target:
        return "operator", name
    for module_name, module in (("torch", torch), ("torch.nn.functional", F)):
        if name and getattr(module, name, None) is target:
            return "function", f"{module_name}.{name}"
    return "function", f"{getattr(target, '__module__', '?')}.{name or target!r}"
