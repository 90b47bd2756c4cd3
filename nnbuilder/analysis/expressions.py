"""The source strings of each node, shared by shape inference and code generation.

Both evaluate/emit exactly these strings, so what shape inference checked is
what the exported module runs.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnbuilder.layers import LayerSpec


def constructor_code(spec: LayerSpec, params: dict[str, Any]) -> str | None:
    """Python expression that builds the node's module, or None for graph operations."""
    if spec.constructor is not None:
        return spec.constructor(params)
    if spec.torch_class is None:
        return None
    args = []
    for p in spec.params:
        if not p.ctor:
            continue
        value = params.get(p.name)
        if value is None and p.default is None and not p.always_emit:
            continue
        if p.always_emit or p.inferred or p.required or value != p.default:
            args.append(f"{p.name}={literal(value)}")
    return f"nn.{spec.torch_class}({', '.join(args)})"


def forward_code(spec: LayerSpec, attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    """Python expression computing the node output from its input variable names."""
    return spec.forward(attr, list(inputs), params)


def setup_code(spec: LayerSpec, attr: str, params: dict[str, Any]) -> list[str]:
    return list(spec.setup(attr, params)) if spec.setup else []


def literal(value: Any) -> str:
    """``repr`` of a validated literal; tuples of ints stay tuples."""
    if isinstance(value, (list, tuple)):
        items = [literal(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise TypeError(f"not a literal: {type(value).__name__}")
