"""Flattening and reshaping."""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import INT, SHAPE, LayerSpec, ParamSpec

REGISTRY.register(LayerSpec(
    type="Flatten",
    torch_class="Flatten",
    category="Reshape",
    integer_inputs=True,
    doc="Flattens (C, H, W) feature maps into one vector per sample, e.g. before a Linear layer.",
    params=(
        ParamSpec("start_dim", INT, default=1, minimum=-8, maximum=8, doc="first dimension to flatten (batch is 0)"),
        ParamSpec("end_dim", INT, default=-1, minimum=-8, maximum=8, doc="last dimension to flatten"),
    ),
))

REGISTRY.register(LayerSpec(
    type="Unflatten",
    torch_class="Unflatten",
    category="Reshape",
    integer_inputs=True,
    doc="Expands one dimension into several, e.g. a 784-vector into (1, 28, 28).",
    params=(
        ParamSpec("dim", INT, default=1, minimum=-8, maximum=8, always_emit=True, doc="dimension to expand"),
        ParamSpec("unflattened_size", SHAPE, default=(1, 28, 28), always_emit=True, doc="the new dimensions"),
    ),
))

REGISTRY.register(LayerSpec(
    type="Reshape",
    category="Reshape",
    integer_inputs=True,
    doc="Reshapes each sample to `shape` (same number of elements; the batch dimension is kept).",
    params=(ParamSpec("shape", SHAPE, default=(1, 28, 28), ctor=False, doc="per-sample shape"),),
    forward=lambda attr, inputs, params: f"{inputs[0]}.reshape({inputs[0]}.shape[0], "
                                         f"{', '.join(repr(int(d)) for d in params['shape'])})",
))

REGISTRY.register(LayerSpec(
    type="Transpose",
    category="Reshape",
    integer_inputs=True,
    doc="Swaps two per-sample dimensions (batch is 0), e.g. (L, C) sequences into (C, L) for Conv1d.",
    params=(
        ParamSpec("dim0", INT, default=1, minimum=-8, maximum=8, ctor=False, always_emit=True),
        ParamSpec("dim1", INT, default=2, minimum=-8, maximum=8, ctor=False, always_emit=True),
    ),
    forward=lambda attr, inputs, params: f"{inputs[0]}.transpose({int(params['dim0'])!r}, {int(params['dim1'])!r})",
))

REGISTRY.register(LayerSpec(
    type="Slice",
    category="Reshape",
    integer_inputs=True,
    doc="Takes `length` entries starting at `start` along `dim` (batch is 0), e.g. one categorical "
        "column of a table to feed its own Embedding.",
    params=(
        ParamSpec("dim", INT, default=1, minimum=-8, maximum=8, ctor=False, always_emit=True),
        ParamSpec("start", INT, default=0, minimum=0, maximum=1_000_000_000, ctor=False, always_emit=True),
        ParamSpec("length", INT, default=1, minimum=1, maximum=1_000_000_000, ctor=False, always_emit=True),
    ),
    forward=lambda attr, inputs, params: f"{inputs[0]}.narrow({int(params['dim'])!r}, "
                                         f"{int(params['start'])!r}, {int(params['length'])!r})",
))
