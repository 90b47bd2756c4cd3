"""Turn torch's exceptions during shape inference into messages with a fix."""
from __future__ import annotations

import re
from math import prod
from typing import Any

from nnbuilder.analysis.issues import Issue
from nnbuilder.layers import LayerSpec

_RANK = {"Conv1d": 2, "Conv2d": 3, "MaxPool1d": 2, "AvgPool1d": 2, "MaxPool2d": 3, "AvgPool2d": 3,
         "AdaptiveAvgPool1d": 2, "AdaptiveMaxPool1d": 2, "AdaptiveAvgPool2d": 3, "AdaptiveMaxPool2d": 3,
         "BatchNorm2d": 3, "Dropout2d": 3}
_LAYOUT = {2: "(C, L)", 3: "(C, H, W)"}


def _least_side(params: dict[str, Any]) -> int:
    """The smallest image side a window layer with ``params`` accepts."""
    def first(value: Any, default: int) -> int:
        value = value[0] if isinstance(value, (list, tuple)) and value else value
        return value if isinstance(value, int) else default

    kernel, padding, dilation = (first(params.get("kernel_size"), 1), first(params.get("padding"), 0),
                                 first(params.get("dilation"), 1))
    return max(1, dilation * (kernel - 1) + 1 - 2 * padding)


def explain_failure(node_id: str, spec: LayerSpec, params: dict[str, Any],
                    shapes: list[tuple[int, ...]], exc: BaseException) -> Issue:
    """An :class:`Issue` naming the node, its input shapes and a likely fix."""
    raw = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    shown = " and ".join(str(list(s)) for s in shapes) or "no input"
    t = spec.type
    shape = shapes[0] if shapes else ()
    hint = ""
    message = f"{t} cannot take input {shown}: {raw}"

    if t in _RANK and len(shape) != _RANK[t]:
        want = _LAYOUT[_RANK[t]]
        message = f"{t} expects {want} per sample, got {list(shape)}"
        if len(shape) == 1 and _RANK[t] == 3:
            side = round(shape[0] ** 0.5)
            least = _least_side(params)
            if side * side == shape[0] and side >= least:
                hint = f"insert Reshape (shape [1, {side}, {side}]) or Unflatten before it"
            else:  # a Reshape of these features would fail next (too few, or not square): name a size that works
                side = max(least, 8)
                hint = (f"make the layer before it give {side * side} features, then insert Reshape "
                        f"(shape [1, {side}, {side}])")
        elif len(shape) == 2 and _RANK[t] == 3:
            hint = f"add a channel dimension with Reshape (shape [1, {shape[0]}, {shape[1]}])"
        elif len(shape) > _RANK[t]:
            hint = "insert Flatten or Reshape before it"
        else:
            hint = "insert Reshape to give it the expected dimensions"
    elif t in ("Add", "Multiply") and len(set(shapes)) > 1:
        message = f"{t} inputs have different shapes {shown}"
        hint = "make them equal"
        if len(shape) == 3 and all(len(s) == 3 for s in shapes):
            hint += " (e.g. a 1×1 Conv2d on the shortcut with out_channels=" \
                    f"{max(s[0] for s in shapes)} and a matching stride)"
        elif all(len(s) == 1 for s in shapes):
            hint += f" (e.g. a Linear on the shortcut with out_features={max(s[0] for s in shapes)})"
    elif t == "Concat":
        message = f"Concat cannot join {shown} along dim {params.get('dim')}"
        hint = "all dimensions except the joined one must match"
    elif t == "Linear" and ("cannot be multiplied" in raw or "reduction dim" in raw):
        got = shape[-1] if shape else "?"
        message = f"Linear expects {params.get('in_features')} input features but receives {list(shape)}"
        hint = f"set in_features to {got} or leave it on auto"
        if len(shape) > 1:
            hint = f"insert Flatten before it (then in_features = {prod(shape)}), or set in_features to {got}"
    elif t == "Embedding" and ("Long" in raw or "indices" in raw):
        message = "Embedding needs integer ids but receives floating-point values"
        hint = "set the Input's dtype to int64"
    elif "Kernel size can't be greater" in raw or "Output size is too small" in raw \
            or "too small" in raw.lower():
        message = f"{t}: the input {list(shape)} is too small for this window"
        hint = "reduce kernel_size/padding or remove a pooling step before it"
    elif t in ("MultiheadAttention", "TransformerEncoderLayer") and "divisible" in raw:
        width = params.get("embed_dim") or params.get("d_model")
        heads = params.get("num_heads") or params.get("nhead")
        message = f"{t}: the width {width} is not divisible by {heads} heads"
        hint = "choose a number of heads that divides the width"
    elif t in ("RNN", "LSTM", "GRU") and len(shape) != 2:
        message = f"{t} expects (L, features) per sample, got {list(shape)}"
        hint = "insert Reshape to a (length, features) sequence"
    elif t in ("BatchNorm1d",) and len(shape) not in (1, 2):
        message = f"BatchNorm1d expects (C) or (C, L) per sample, got {list(shape)}"
        hint = "use BatchNorm2d for images or Flatten first"
    elif re.search(r"expected .*input.*to have (\d+) channels", raw):
        hint = "leave in_channels on auto or match the previous layer's channels"
    return Issue("shape", message, node_id, hint=hint)
