"""Turn torch's exceptions during shape inference into messages with a fix."""
from __future__ import annotations

import re
from math import prod
from typing import Any

from nnbuilder.analysis.issues import Issue, IssueCode
from nnbuilder.layers import LayerSpec, Role


def explain_failure(node_id: str, spec: LayerSpec, params: dict[str, Any],
                    shapes: list[tuple[int, ...]], exc: BaseException) -> Issue:
    """An :class:`Issue` naming the node, its input shapes and a likely fix.

    The layer facts come from the spec (``input_ranks``, ``role``, ``input_dtype``...), not from type names.
    """
    raw = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    shown = " and ".join(str(list(s)) for s in shapes) or "no input"
    t = spec.type
    shape = shapes[0] if shapes else ()
    hint = ""
    message = f"{t} cannot take input {shown}: {raw}"
    if getattr(exc, "about_input", True) is False:  # e.g. a missing weights file: the input is not the problem
        message = f"{t}: {raw}"
    heads = next((params[k] for k in _HEADS if params.get(k)), None)

    if spec.input_ranks and len(shape) not in spec.input_ranks:
        message = f"{t} expects {spec.input_layout or _layout(spec.input_ranks)} per sample, got {list(shape)}"
        hint = spec.rank_hint or _rank_hint(shape, max(spec.input_ranks))
    elif spec.role is Role.MERGE and "dim" in params:
        message = f"{t} cannot join {shown} along dim {params.get('dim')}"
        hint = "all dimensions except the joined one must match"
    elif spec.role is Role.MERGE and len(set(shapes)) > 1:
        message = f"{t} inputs have different shapes {shown}"
        hint = "make them equal"
        if len(shape) == 3 and all(len(s) == 3 for s in shapes):
            hint += " (e.g. a 1×1 Conv2d on the shortcut with out_channels=" \
                    f"{max(s[0] for s in shapes)} and a matching stride)"
        elif all(len(s) == 1 for s in shapes):
            hint += f" (e.g. a Linear on the shortcut with out_features={max(s[0] for s in shapes)})"
    elif "in_features" in params and ("cannot be multiplied" in raw or "reduction dim" in raw):
        got = shape[-1] if shape else "?"
        message = f"{t} expects {params.get('in_features')} input features but receives {list(shape)}"
        hint = f"set in_features to {got} or leave it on auto"
        if len(shape) > 1:
            hint = f"insert Flatten before it (then in_features = {prod(shape)}), or set in_features to {got}"
    elif spec.input_dtype == "int64" and ("Long" in raw or "indices" in raw):
        message = f"{t} needs integer ids but receives floating-point values"
        hint = "set the Input's dtype to int64"
    elif "Kernel size can't be greater" in raw or "Output size is too small" in raw \
            or "too small" in raw.lower():
        message = f"{t}: the input {list(shape)} is too small for this window"
        hint = "reduce kernel_size/padding or remove a pooling step before it"
    elif heads is not None and "divisible" in raw:
        width = next((params[k] for k in _WIDTHS if params.get(k)), None)
        message = f"{t}: the width {width} is not divisible by {heads} heads"
        hint = "choose a number of heads that divides the width"
    elif re.search(r"expected .*input.*to have (\d+) channels", raw):
        hint = "leave in_channels on auto or match the previous layer's channels"
    return Issue(IssueCode.SHAPE, message, node_id, hint=hint)


_LAYOUTS = {1: "(C)", 2: "(C, L)", 3: "(C, H, W)"}
_HEADS = ("num_heads", "nhead")  # torch's names for attention heads ...
_WIDTHS = ("embed_dim", "d_model")  # ... and for the width they divide


def _layout(ranks: tuple[int, ...]) -> str:
    return " or ".join(_LAYOUTS.get(r, f"{r} dimensions") for r in ranks)


def _rank_hint(shape: tuple[int, ...], want: int) -> str:
    """How to give an input of ``shape`` the ``want`` per-sample dimensions a layer expects."""
    if len(shape) == 1 and want == 3:
        side = round(shape[0] ** 0.5)
        guess = f"[1, {side}, {side}]" if side * side == shape[0] else "[C, H, W]"
        return f"insert Reshape (shape {guess}) or Unflatten before it"
    if len(shape) == 2 and want == 3:
        return f"add a channel dimension with Reshape (shape [1, {shape[0]}, {shape[1]}])"
    if len(shape) > want:
        return "insert Flatten or Reshape before it"
    return "insert Reshape to give it the expected dimensions"
