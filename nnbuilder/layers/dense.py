"""Fully connected layers, dropout and identity."""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import BOOL, FLOAT, INT, LayerSpec, ParamSpec

REGISTRY.register(LayerSpec(
    type="Linear",
    torch_class="Linear",
    category="Dense",
    doc="Fully connected (dense) layer: y = x·Wᵀ + b over the last dimension. "
        "Parameters: in_features·out_features weights + out_features biases.",
    params=(
        ParamSpec("in_features", INT, minimum=1, inferred=True, doc="size of the last input dimension"),
        ParamSpec("out_features", INT, default=10, minimum=1, maximum=1_000_000, required=False,
                  always_emit=True, doc="number of output units"),
        ParamSpec("bias", BOOL, default=True, doc="learn an additive bias"),
    ),
    infer=lambda params, shapes: {"in_features": shapes[0][-1]},
    id_prefix="fc",
))

REGISTRY.register(LayerSpec(
    type="Dropout",
    torch_class="Dropout",
    category="Regularisation",
    id_prefix="drop",
    doc="Randomly zeroes a fraction p of the activations while training (scaled by 1/(1-p)); "
        "identity in evaluation mode.",
    params=(ParamSpec("p", FLOAT, default=0.5, minimum=0.0, maximum=1.0, always_emit=True,
                      doc="probability of zeroing an element"),),
))

REGISTRY.register(LayerSpec(
    type="Dropout2d",
    torch_class="Dropout2d",
    category="Regularisation",
    doc="Zeroes whole channels of a (C, H, W) feature map while training.",
    input_ranks=(3,),
    input_layout="(C, H, W)",
    params=(ParamSpec("p", FLOAT, default=0.5, minimum=0.0, maximum=1.0, always_emit=True,
                      doc="probability of zeroing a channel"),),
))

REGISTRY.register(LayerSpec(
    type="Identity",
    torch_class="Identity",
    category="Reshape",
    integer_inputs=True,
    doc="Passes its input through unchanged (a placeholder).",
))
