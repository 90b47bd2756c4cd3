"""Turning one torch.fx node into a graph-document node type and parameters.

Leaf modules with a registered layer type become ordinary nodes whose constructor parameters are
read off the module and checked by rebuilding it; other ``torch.nn`` modules become
``OpaqueModule`` nodes; tensor functions, methods and operators without a layer type become
``OpaqueOp`` nodes.  Anything that cannot be represented raises :class:`UnsupportedModel`.
"""
from __future__ import annotations

import importlib
import inspect
import operator
import re
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from nnbuilder.backbones import fx_functional as functional
from nnbuilder.backbones import literals
from nnbuilder.layers import ParamError, get_spec, registry
from nnbuilder.layers.allowlist import TORCHVISION_FUNCTIONS


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
    # settings extra_repr leaves out (AvgPool2d's count_include_pad) must match too
    settings = sorted((k, v) for k, v in vars(module).items() if not k.startswith("_") and k not in (
        "training", "inplace") and isinstance(v, (bool, int, float, str, tuple, type(None))))
    return type(module).__name__, text + repr(settings), shapes


def _rebuilds(cls: type[nn.Module], kwargs: dict[str, Any], original: nn.Module) -> bool:
    try:
        with torch.device("meta"):
            return signature(cls(**kwargs)) == signature(original)
    except (TypeError, ValueError, RuntimeError):
        return False


def convert_module(node: fx.Node, module: nn.Module, live: set[fx.Node] | None = None) -> Converted:
    """A call to a leaf module: a known layer type, else an ``OpaqueModule``.  ``live``: the nodes whose
    value reaches the output (an RNN's unused hidden state does not count)."""
    simple = len(node.args) == 1 and isinstance(node.args[0], fx.Node) and not node.kwargs
    cls = type(module)
    if cls is nn.MultiheadAttention:
        attention = _attention(node, module, live)
        if attention is not None:
            return attention
    known = cls.__module__.startswith("torch.nn") and cls.__name__ in registry()
    if simple and known:
        spec = get_spec(cls.__name__)
        raw = {p.name: (module.bias is not None if p.name == "bias" else getattr(module, p.name))
               for p in spec.params if p.ctor and hasattr(module, p.name)}
        rnn_ok = True
        if any(p.name == "output" and not p.ctor for p in spec.params):  # RNNs: one output mode
            mode = rnn_mode(node, isinstance(module, nn.LSTM), live)
            rnn_ok = mode is not None
            raw["output"] = mode or "sequence"
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


def encode_call(node: fx.Node, sym: dict | None = None) -> tuple[list[fx.Node], list[Any], dict[str, Any]]:
    """The distinct fx nodes among ``node``'s arguments, and its arguments encoded as literals; size
    values (``sym``) are written inline as expressions of their tensors."""
    inputs: list[fx.Node] = []
    node_args, node_kwargs = node.args, node.kwargs
    if sym:
        node_args = fx.node.map_arg(node.args, lambda n: sym.get(n, n))
        node_kwargs = fx.node.map_arg(node.kwargs, lambda n: sym.get(n, n))

    def ref(value: Any) -> int | None:
        if not isinstance(value, fx.Node):
            return None
        if value not in inputs:
            inputs.append(value)
        return inputs.index(value)

    try:
        args = [literals.encode(a, ref) for a in node_args]
        kwargs = {k: literals.encode(v, ref) for k, v in node_kwargs.items()}
    except literals.LiteralError as exc:
        raise UnsupportedModel(f"operation {node.name!r} ({short_text(node.format_node())}): {exc}") from None
    return inputs, args, kwargs


def convert_function(node: fx.Node, sym: dict | None = None) -> Converted:
    """``call_function`` / ``call_method``: a merge or layer type where one fits, else ``OpaqueOp``.
    ``Converted("Alias", {}, [x])`` means the node is ``x`` itself (stochastic depth in eval mode)."""
    sym = sym or {}
    target, args, kwargs = node.target, node.args, node.kwargs
    mapped = functional.convert(node, sym)
    if mapped is not None:
        return mapped
    if any(isinstance(a, fx.Node) and a in sym for a in (*args, *kwargs.values())):
        return _opaque_op(node, sym)
    nodes = [a for a in args if isinstance(a, fx.Node)]
    if target in (operator.add, operator.iadd, torch.add, "add") and len(args) == 2 == len(nodes) and not kwargs:
        return Converted("Add", {"inputs": 2}, list(args))
    if target in (operator.mul, operator.imul, torch.mul, "mul") and len(args) == 2 == len(nodes) and not kwargs:
        return Converted("Multiply", {"inputs": 2}, list(args))
    if target is torch.cat and args and isinstance(args[0], (list, tuple)) and set(kwargs) <= {"dim"}:
        parts = list(args[0])
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if 2 <= len(parts) and all(isinstance(p, fx.Node) for p in parts) and isinstance(dim, int):
            return Converted("Concat", {"inputs": len(parts), "dim": dim}, parts)
    if target in (torch.flatten, "flatten") and len(nodes) == 1 and args and args[0] is nodes[0]:
        start = args[1] if len(args) > 1 else kwargs.get("start_dim", 0)
        end = args[2] if len(args) > 2 else kwargs.get("end_dim", -1)
        if isinstance(start, int) and isinstance(end, int) and start >= 1 and set(kwargs) <= {"start_dim", "end_dim"}:
            return Converted("Flatten", {"start_dim": start, "end_dim": end}, [nodes[0]])
    if target in (F.relu, torch.relu, "relu") and len(args) == 1 and nodes and set(kwargs) <= {"inplace"}:
        return Converted("ReLU", {}, [nodes[0]])
    return _opaque_op(node, sym)


def _opaque_op(node: fx.Node, sym: dict | None = None) -> Converted:
    from nnbuilder.layers.backbone import check_op

    kind, name = "method", node.target
    if node.op == "call_function":
        kind, name = _qualified(node.target)
        if name in TORCHVISION_FUNCTIONS:
            return _torchvision_op(node, name, sym)
    try:
        check_op(kind, name)
    except ParamError:
        raise UnsupportedModel(f"operation {node.name!r} calls {_name(node.target)}, which nnbuilder cannot "
                               "represent; rewrite it with torch / torch.nn.functional calls") from None
    inputs, args, kwargs = encode_call(node, sym)
    params = {"kind": kind, "target": name, "inputs": len(inputs), "args": args, "kwargs": kwargs,
              "description": node.format_node()[:2000]}
    return Converted("OpaqueOp", params, inputs)


def _torchvision_op(node: fx.Node, name: str, sym: dict | None) -> Converted:
    """A call of an allow-listed torchvision function (Swin's attention), kept as the same call."""
    module_name, _, attr = name.rpartition(".")
    if getattr(importlib.import_module(module_name), attr, None) is not node.target:
        raise UnsupportedModel(f"operation {node.name!r} calls a function named {name} that is not torchvision's own")
    inputs, args, kwargs = encode_call(node, sym)
    dropouts = {k: v for k, v in node.kwargs.items() if "dropout" in k and isinstance(v, float) and v > 0}
    if node.kwargs.get("training") is False and dropouts:
        raise UnsupportedModel(f"operation {node.name!r} calls {name} with {dropouts} but is traced in eval mode, "
                               "so training would skip that dropout; build the model with those dropouts at 0.0")
    params = {"target": name, "inputs": len(inputs), "args": args, "kwargs": kwargs,
              "description": short_text(node.format_node())[:2000]}
    return Converted("TorchvisionOp", params, inputs)


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
    return "function", f"{getattr(target, '__module__', '?')}.{name or repr(target)}"


def short_text(text: str) -> str:
    """``text`` without memory addresses, cut to 300 characters (for messages)."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)[:300]


def _name(target: Any) -> str:
    """``torch.nn.functional.gelu`` / ``'view'`` for an fx target, never a memory address."""
    if isinstance(target, str):
        return repr(target)
    return f"{getattr(target, '__module__', None) or '?'}.{getattr(target, '__qualname__', None) or type(target).__name__}"


def rnn_mode(node: fx.Node, lstm: bool, live: set[fx.Node] | None) -> str | None:
    """The RNN output mode the live uses of ``node`` need: out[0] is 'sequence', out[1][0][-1] (LSTM) or
    out[1][-1] (RNN, GRU) is 'hidden'; None when they need several or something else."""
    modes = {_rnn_use(u, lstm, live) for u in node.users if live is None or u in live}
    return modes.pop() if len(modes) == 1 and None not in modes else None


def _rnn_use(user: fx.Node, lstm: bool, live: set[fx.Node] | None) -> str | None:
    if user.target is not operator.getitem:
        return None
    if user.args[1] == 0:
        return "sequence"
    chain = [1, 0, -1] if lstm else [1, -1]
    node = user
    for i, index in enumerate(chain):
        if node.target is not operator.getitem or node.args[1] != index:
            return None
        if i < len(chain) - 1:
            users = [u for u in node.users if live is None or u in live]
            if len(users) != 1:
                return None
            node = users[0]
    return "hidden"


def alias_of(node: fx.Node, ids: dict[fx.Node, str], doc: Any) -> str | None:
    """The RNN node id an output getitem stands for (``out[0]``, ``out[1][0][-1]`` and the links of that
    chain), or None."""
    depth, src = 0, node
    while src.op == "call_function" and src.target is operator.getitem and isinstance(src.args[0], fx.Node):
        depth, src = depth + 1, src.args[0]
    if not depth or src.op != "call_module" or src not in ids or not doc.has_node(ids[src]):
        return None
    rnn = doc.node(ids[src])
    if rnn.type == "MultiheadAttention":
        return ids[src] if depth == 1 and node.args[1] == 0 else None
    if rnn.type not in ("RNN", "LSTM", "GRU"):
        return None
    length = 1 if rnn.params.get("output") == "sequence" else (3 if rnn.type == "LSTM" else 2)
    return ids[src] if depth <= length else None


def as_expr(node: fx.Node, sym: dict) -> literals.Expr | None:
    """A size/shape value (``x.size(0)``, ``x.shape[1] // 2``) as an expression, else None."""
    target, args = node.target, node.args
    if node.op == "call_method" and target in literals.EXPR_METHODS and args and not node.kwargs:
        return literals.Expr(target, tuple(sym.get(a, a) for a in args))
    if node.op != "call_function":
        return None
    if target is getattr and len(args) == 2 and args[1] in literals.EXPR_ATTRS:
        return literals.Expr("attr", (sym.get(args[0], args[0]), args[1]))
    is_sym = [isinstance(a, fx.Node) and a in sym for a in args]
    tensors = [isinstance(a, fx.Node) and a not in sym for a in args]
    if not any(is_sym) or any(tensors) or node.kwargs:
        return None
    name = getattr(target, "__name__", "")
    if target is operator.getitem and len(args) == 2:
        return literals.Expr("getitem", (sym[args[0]], args[1]))
    if getattr(operator, name, None) is target and name in literals.EXPR_BINARY and len(args) == 2:
        return literals.Expr(name, tuple(sym.get(a, a) for a in args))
    if target is operator.neg and len(args) == 1:
        return literals.Expr("neg", (sym[args[0]],))
    return None


def convert_tensor(path: str, tensor: torch.Tensor, persistent: bool | None) -> Converted:
    """A ``Parameter`` node for a tensor forward reads directly (``self.cls_token``, a bias table)."""
    from nnbuilder.layers.tensors import DTYPES, MAX_VALUES

    dtype = str(tensor.dtype).removeprefix("torch.")
    if dtype not in DTYPES:
        raise UnsupportedModel(f"forward reads the {dtype} tensor {path!r}; nnbuilder keeps {', '.join(DTYPES)}")
    parameter = isinstance(tensor, nn.Parameter)
    kind = "parameter" if parameter else ("buffer" if persistent else "constant")
    params: dict[str, Any] = {"kind": kind, "shape": list(tensor.shape), "dtype": dtype}
    if parameter:
        params["trainable"] = bool(tensor.requires_grad)
    data = tensor.detach()
    if data.is_meta:
        params["init"] = "zeros"
    elif data.numel() and bool((data == data.flatten()[0]).all()):
        value = float(data.flatten()[0])
        params.update({"init": "full", "value": value} if value not in (0.0, 1.0) else
                      {"init": "ones" if value == 1.0 else "zeros"})
    elif not parameter and data.numel() <= MAX_VALUES:
        params.update({"init": "values", "values": data.cpu().tolist()})
    elif kind == "constant":  # not in the state dict: its values must be in the project, or outputs differ
        raise UnsupportedModel(f"forward reads the unsaved tensor {path!r} (a buffer registered with "
                               f"persistent=False) with {data.numel():,} values; nnbuilder keeps at most "
                               f"{MAX_VALUES:,} values of a tensor the state dict does not hold. Register it as a "
                               "persistent buffer, or compute it in forward from tensor operations")
    elif data.is_floating_point():
        params.update({"init": "normal", "value": round(float(data.float().std()), 6)})
    else:
        params["init"] = "zeros"
    return Converted("Parameter", params, [])


def _attention(node: fx.Node, module: nn.MultiheadAttention, live: set[fx.Node] | None) -> Converted | None:
    """``self.attn(q, k, v, need_weights=False)`` whose result is only used as ``[0]``."""
    args = list(node.args)
    if not 1 <= len(args) <= 3 or not all(isinstance(a, fx.Node) for a in args):
        return None
    if any(k not in ("need_weights",) for k in node.kwargs) or node.kwargs.get("need_weights", True) is not False:
        return None
    users = [u for u in node.users if live is None or u in live]
    if not all(u.target is operator.getitem and u.args[1] == 0 for u in users):
        return None
    spec = get_spec("MultiheadAttention")
    raw = {p.name: getattr(module, p.name) for p in spec.params if p.ctor and hasattr(module, p.name)}
    raw["bias"] = module.in_proj_bias is not None
    params, errors = spec.normalize(raw)
    kwargs = {p.name: params[p.name] for p in spec.params if p.ctor and params.get(p.name) is not None}
    if errors or not _rebuilds(nn.MultiheadAttention, kwargs, module):
        return None
    inputs = args[:1] if len(set(args)) == 1 else args
    return Converted("MultiheadAttention", {k: v for k, v in params.items() if v is not None}, inputs)
