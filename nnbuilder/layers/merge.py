"""Operations that merge several tensors: Add (residual), Multiply, Concat."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import INT, LayerSpec, ParamSpec, PortSpec, Role

_INPUTS = ParamSpec("inputs", INT, default=2, minimum=2, maximum=8, ctor=False, always_emit=True,
                    doc="number of input ports")


def _ports(params: dict[str, Any]) -> tuple[PortSpec, ...]:
    count = params.get("inputs") or 2
    return tuple(PortSpec(f"in{i}") for i in range(int(count)))


def _join(op: str):
    return lambda attr, inputs, params: f" {op} ".join(inputs)


REGISTRY.register(LayerSpec(
    type="Add",
    category="Merge",
    doc="Element-wise sum of same-shaped inputs; x + F(x) is a residual connection.",
    params=(_INPUTS,),
    ports_for=_ports,
    role=Role.MERGE,
    integer_inputs=True,
    forward=_join("+"),
))

REGISTRY.register(LayerSpec(
    type="Multiply",
    category="Merge",
    doc="Element-wise product of same-shaped inputs (gating, or user·item factors).",
    params=(_INPUTS,),
    ports_for=_ports,
    role=Role.MERGE,
    integer_inputs=True,
    forward=_join("*"),
))


def _concat(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    return f"torch.cat([{', '.join(inputs)}], dim={int(params['dim'])!r})"


REGISTRY.register(LayerSpec(
    type="Concat",
    category="Merge",
    doc="Joins inputs along `dim` (batch is 0; 1 is features or channels); other sizes must match.",
    params=(_INPUTS, ParamSpec("dim", INT, default=1, minimum=-8, maximum=8, ctor=False, always_emit=True,
                               doc="dimension to join along")),
    ports_for=_ports,
    role=Role.MERGE,
    integer_inputs=True,
    forward=_concat,
))
