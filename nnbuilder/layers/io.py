"""Graph inputs and outputs."""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import DTYPE, SHAPE, LayerSpec, ParamSpec, PortSpec, Role

INPUT = REGISTRY.register(LayerSpec(
    type="Input",
    category="Input/Output",
    doc="A model input. `shape` is the per-sample shape without the batch dimension "
        "(e.g. [2] for two features, [1, 28, 28] for a grey image); int64 inputs feed Embedding.",
    params=(
        ParamSpec("shape", SHAPE, default=(2,), doc="per-sample shape, no batch dimension", ctor=False),
        ParamSpec("dtype", DTYPE, default="float32", doc="element type of the input tensor", ctor=False),
    ),
    inputs=(),
    forward=lambda attr, inputs, params: attr,
    role=Role.INPUT,
    integer_inputs=True,
    id_prefix="input",
))

OUTPUT = REGISTRY.register(LayerSpec(
    type="Output",
    category="Input/Output",
    doc="A model output: the forward pass returns the tensor connected here.",
    outputs=(),
    forward=lambda attr, inputs, params: inputs[0],
    role=Role.OUTPUT,
    integer_inputs=True,
    id_prefix="output",
))

__all__ = ["INPUT", "OUTPUT", "PortSpec"]
