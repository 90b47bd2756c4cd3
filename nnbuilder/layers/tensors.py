"""Tensors a model reads directly: learnable parameters (class token, position embedding, layer
scale) and buffers (relative-position index tables), one node each.

A ``Parameter`` node has no inputs; its output is the tensor itself, without a batch dimension
(``"unbatched"`` tag).  It compiles to ``nn.Parameter(...)`` or ``nn.Buffer(...)`` so its values
are in the module's ``state_dict`` under the node's module path and are counted like any weight.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import BOOL, CHOICE, FLOAT, LayerSpec, ParamError, ParamSpec

DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "bool")
INITS = ("zeros", "ones", "full", "normal", "values")
KINDS = ("parameter", "buffer", "constant")  # constant: a buffer that is not saved in the state dict
MAX_VALUES = 100_000


def _dims_check(spec: ParamSpec, value: Any) -> Any:
    """A tensor shape: a list of at most 8 non-negative ints (empty for a scalar), as a tuple."""
    if isinstance(value, (list, tuple)) and len(value) <= 8 and all(
            type(v) is int and 0 <= v <= 1_000_000_000 for v in value):
        return tuple(value)
    raise ParamError(f"expected a list of at most 8 non-negative ints, got {value!r}"[:200])


def _values_check(spec: ParamSpec, value: Any) -> Any:
    """Nested lists of numbers (the exact values of a small tensor), or null."""
    if value is None:
        return None
    count = _count(value)
    if count is None or count > MAX_VALUES:
        raise ParamError(f"expected nested lists of at most {MAX_VALUES:,} finite numbers")
    return value


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or (isinstance(value, (int, float)) and math.isfinite(value)):
        return 1
    if isinstance(value, list):
        total = 0
        for v in value:
            n = _count(v)
            if n is None:
                return None
            total += n
        return total
    return None


def _dims(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def tensor_code(params: dict[str, Any]) -> str:
    """``torch.zeros((1, 1, 768))`` and friends: the initial value of the tensor."""
    shape, init, dtype = _dims(params["shape"]), params["init"], f"torch.{params['dtype']}"
    if init == "values":
        if params.get("values") is None:
            raise ParamError("init 'values' needs the 'values' parameter")
        return f"torch.tensor({params['values']!r}, dtype={dtype}).reshape({shape})"
    if init == "normal":
        return f"torch.randn({shape}, dtype={dtype}) * {float(params['value'])!r}"
    if init == "full":
        return f"torch.full({shape}, {float(params['value'])!r}, dtype={dtype})"
    return f"torch.{init}({shape}, dtype={dtype})"


def _constructor(params: dict[str, Any]) -> str:
    value = tensor_code(params)
    if params["kind"] == "parameter":
        grad = "" if params.get("trainable", True) else ", requires_grad=False"
        return f"nn.Parameter({value}{grad})"
    return f"nn.Buffer({value}{', persistent=False' if params['kind'] == 'constant' else ''})"


PARAMETER = REGISTRY.register(LayerSpec(
    type="Parameter",
    torch_class="Parameter",
    category="Imported",
    doc="A tensor the model reads directly: a learnable parameter (class token, position embedding, layer "
        "scale) or a buffer (an index table). Its output has no batch dimension.",
    params=(
        ParamSpec("kind", CHOICE, default="parameter", choices=KINDS, ctor=False, always_emit=True,
                  doc="'parameter' (learned), 'buffer' (saved, not learned) or 'constant' (not saved)"),
        ParamSpec("shape", "dims", check=_dims_check, default=(1,), ctor=False, always_emit=True, doc="tensor shape"),
        ParamSpec("dtype", CHOICE, default="float32", choices=DTYPES, ctor=False, doc="element type"),
        ParamSpec("init", CHOICE, default="zeros", choices=INITS, ctor=False,
                  doc="initial value: zeros, ones, full (value), normal (std = value) or the exact values"),
        ParamSpec("value", FLOAT, default=0.0, minimum=-1e30, maximum=1e30, ctor=False,
                  doc="the fill value (full) or standard deviation (normal)"),
        ParamSpec("values", "values", check=_values_check, default=None, nullable=True, ctor=False,
                  doc="exact values (init 'values')"),
        ParamSpec("trainable", BOOL, default=True, ctor=False, doc="learned by the optimizer (parameters only)"),
    ),
    inputs=(),
    constructor=_constructor,
    forward=lambda attr, inputs, params: f"self.{attr}",
    tags=("opaque", "unbatched"),
))
