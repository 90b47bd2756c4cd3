"""Opaque nodes a model import creates: ``OpaqueModule`` and ``OpaqueOp``.

``TorchvisionOp`` is a call of one of the few torchvision functions torchvision hides from torch.fx itself
(Swin's shifted-window attention); its name must be on the allow-list's exact list.

They keep the parts of an imported model that have no layer type of their own (e.g. ``nn.Hardswish``,
``x.mean((2, 3))``): they compile to the same torch call, with every class and operation name checked
against :mod:`nnbuilder.layers.allowlist` and every argument an encoded literal
(:mod:`nnbuilder.catalogue.literals`).  Their type name marks them as opaque in the editor.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnbuilder.catalogue import literals
from nnbuilder.layers.allowlist import (
    BINARY_OPS,
    TENSOR_ATTRS,
    UNARY_OPS,
    check_module_class,
    check_op,
    check_torchvision_function,
)
from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import CHOICE, INT, LITERAL, OPAQUE, TEXT, LayerSpec, ParamError, ParamSpec, PortSpec


def _literals(param: ParamSpec, value: Any) -> Any:
    """A list (``args``) or a keyword mapping (``init``, ``kwargs``) of encoded literals."""
    mapping = isinstance(param.default, dict)
    try:
        if mapping and isinstance(value, dict):
            literals.render_kwargs(value, [f"x{i}" for i in range(64)])
            return dict(value)
        if not mapping and isinstance(value, (list, tuple)):
            return [literals.check(v) for v in value]
    except literals.LiteralError as exc:
        raise ParamError(str(exc)) from None
    raise ParamError(f"expected {'a mapping' if mapping else 'a list'} of encoded literals "
                     f"(see nnbuilder.catalogue.literals), got {value!r}")


def _module_class(param: ParamSpec, value: Any) -> Any:
    return check_module_class(value)


def _text(param: ParamSpec, value: Any) -> Any:
    if isinstance(value, str) and len(value) <= 2000:
        return value
    raise ParamError(f"expected a text of at most 2000 characters, got {type(value).__name__}")


def _ports(params: dict[str, Any]) -> tuple[PortSpec, ...]:
    return tuple(PortSpec(f"in{i}") for i in range(int(params.get("inputs") or 1)))


def _module_constructor(params: dict[str, Any]) -> str:
    name = check_module_class(params["target"])
    return f"nn.{name}({', '.join(literals.render_kwargs(params.get('init') or {}, []))})"


def _module_forward(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    args = [literals.render(a, inputs) for a in params.get("args") or [{"input": i} for i in range(len(inputs))]]
    args += literals.render_kwargs(params.get("kwargs") or {}, inputs)
    return f"self.{attr}({', '.join(args)})"


def _index(obj: Any, inputs: Sequence[str]) -> str:
    """Subscript source: ``x[:, 0]`` rather than ``x[(slice(None, None, None), 0)]``."""
    is_tuple = isinstance(obj, dict) and "tuple" in obj
    items = obj["tuple"] if is_tuple else [obj]
    if not items:
        return "()"
    parts = []
    for item in items:
        if isinstance(item, dict) and "slice" in item and isinstance(item["slice"], list):
            bounds = ["" if b is None else literals.render(b, inputs) for b in item["slice"]]
            parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if bounds[2] else ""))
        else:
            parts.append(literals.render(item, inputs))
    return ", ".join(parts) + ("," if is_tuple and len(items) == 1 else "")


def op_forward(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    """Source of an OpaqueOp call with its inputs substituted."""
    kind, target = params["kind"], check_op(params["kind"], params["target"])
    raw = params.get("args") or []
    args = [literals.render(a, inputs) for a in raw]
    kwargs = literals.render_kwargs(params.get("kwargs") or {}, inputs)
    if kind == "function":
        return f"{target}({', '.join(args + kwargs)})"
    if kind == "method":
        if not args:
            raise ParamError("a method call needs the tensor it is called on as its first argument")
        return f"{args[0]}.{target}({', '.join(args[1:] + kwargs)})"
    if target in BINARY_OPS and len(args) == 2:
        return f"({args[0]} {BINARY_OPS[target]} {args[1]})"
    if target in UNARY_OPS and len(args) == 1:
        return f"({UNARY_OPS[target]}{args[0]})"
    if target == "getitem" and len(args) == 2:
        return f"{args[0]}[{_index(raw[1], inputs)}]"
    if target == "getattr" and len(args) == 2 and raw[1] in TENSOR_ATTRS:
        return f"{args[0]}.{raw[1]}"
    raise ParamError(f"operator {target!r} with {len(args)} argument(s) is not supported")


def torchvision_forward(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    """Source of a TorchvisionOp call: ``torchvision.models.swin_transformer.shifted_window_attention(...)``."""
    target = check_torchvision_function(params["target"])
    args = [literals.render(a, inputs) for a in params.get("args") or []]
    return f"{target}({', '.join(args + literals.render_kwargs(params.get('kwargs') or {}, inputs))})"


def _torchvision_target(param: ParamSpec, value: Any) -> Any:
    return check_torchvision_function(value)


_INPUTS = ParamSpec("inputs", INT, default=1, minimum=0, maximum=16, ctor=False, always_emit=True,
                    doc="number of input ports")
_DESCRIPTION = ParamSpec("description", TEXT, check=_text, default="", ctor=False, doc="what the original code did")
_ARGS = ParamSpec("args", LITERAL, check=_literals, default=(), ctor=False, doc="encoded positional arguments")
_KWARGS = ParamSpec("kwargs", LITERAL, check=_literals, default={}, ctor=False, doc="encoded keyword arguments")

OPAQUE_MODULE = REGISTRY.register(LayerSpec(
    type="OpaqueModule",
    torch_class="Module",
    category="Imported",
    doc="An imported torch.nn layer that has no layer type of its own (e.g. Hardswish, GroupNorm); it is "
        "rebuilt from its class name and constructor arguments, so its weights still load.",
    params=(
        ParamSpec("target", TEXT, check=_module_class, default="Identity", ctor=False, always_emit=True,
                          doc="torch.nn class name"),
        ParamSpec("init", LITERAL, check=_literals, default={}, ctor=False, doc="encoded constructor arguments"),
        _INPUTS, _ARGS, _KWARGS, _DESCRIPTION,
    ),
    constructor=_module_constructor,
    forward=_module_forward,
    ports_for=_ports,
    tags=(OPAQUE,),
    integer_inputs=True,
))

OPAQUE_OP = REGISTRY.register(LayerSpec(
    type="OpaqueOp",
    category="Imported",
    doc="An imported tensor operation without a layer type of its own (e.g. x.mean((2, 3)), F.hardswish, "
        "x[:, 0]); it is written back as the same torch call.",
    params=(
        ParamSpec("kind", CHOICE, default="function", choices=("function", "method", "operator"), ctor=False,
                  always_emit=True, doc="how the operation is called"),
        ParamSpec("target", TEXT, check=_text, default="torch.relu", ctor=False, always_emit=True,
                   doc="torch / torch.nn.functional function, Tensor method, or operator name"),
        _INPUTS, _ARGS, _KWARGS, _DESCRIPTION,
    ),
    forward=op_forward,
    ports_for=_ports,
    tags=(OPAQUE,),
    integer_inputs=True,
))

TORCHVISION_OP = REGISTRY.register(LayerSpec(
    type="TorchvisionOp",
    category="Imported",
    doc="An imported call of a torchvision function that torch.fx cannot look inside (Swin's shifted-window "
        "attention and its relative position bias); it is written back as the same call, so the exported "
        "file imports torchvision.",
    params=(
        ParamSpec("target", TEXT, check=_torchvision_target, default="torchvision.models.swin_transformer."
                  "shifted_window_attention", ctor=False, always_emit=True, doc="qualified torchvision function"),
        _INPUTS, _ARGS, _KWARGS, _DESCRIPTION,
    ),
    forward=torchvision_forward,
    ports_for=_ports,
    imports=("import torchvision",),
    tags=(OPAQUE,),
    integer_inputs=True,
))
