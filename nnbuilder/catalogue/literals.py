"""JSON-safe encoding of the literal arguments of imported (opaque) operations, and their source form.

Values an fx graph passes to a function (ints, tuples, slices, dtypes, references to other nodes)
are stored in the project file as JSON and re-emitted into generated code only via ``repr()`` of
checked primitives.  Encoding::

    None/bool/int/float/str      as themselves (non-finite floats: {"float": "inf"})
    list                         [...]
    tuple                        {"tuple": [...]}
    slice                        {"slice": [start, stop, step]}
    Ellipsis                     {"ellipsis": true}
    torch dtype                  {"dtype": "float32"}
    the i-th input of the node   {"input": i}
    a size/shape expression      {"expr": [op, arg, ...]}, e.g. x.size(0) // 2 is
                                 {"expr": ["floordiv", {"expr": ["size", {"input": 0}, 0]}, 2]}
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")


class LiteralError(ValueError):
    """A value that cannot be stored or re-emitted as a literal."""


# Size and shape arithmetic an imported operation may compute from its inputs (never a tensor itself).
EXPR_METHODS = ("size", "dim", "numel")
EXPR_ATTRS = ("shape", "dtype", "device", "ndim")
EXPR_BINARY = {"add": "+", "sub": "-", "mul": "*", "floordiv": "//", "truediv": "/", "mod": "%", "pow": "**"}


@dataclass(frozen=True)
class Expr:
    """A size/shape expression during import: ``op`` applied to ``args`` (fx nodes, Exprs, literals)."""

    op: str
    args: tuple[Any, ...]


def encode(value: Any, ref: Callable[[Any], int | None] = lambda v: None) -> Any:
    """The JSON form of ``value``; ``ref`` maps graph values (fx nodes) to input indices."""
    index = ref(value)
    if index is not None:
        return {"input": index}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, list):
        return [encode(v, ref) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [encode(v, ref) for v in value]}
    if isinstance(value, slice):
        return {"slice": [encode(value.start, ref), encode(value.stop, ref), encode(value.step, ref)]}
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, Expr):
        return {"expr": [value.op, *(encode(a, ref) for a in value.args)]}
    name = str(value).removeprefix("torch.")
    if type(value).__name__ == "dtype" and name in DTYPES:
        return {"dtype": name}
    raise LiteralError(f"cannot store a {type(value).__name__} value ({value!r}) in a project file")


def check(obj: Any, inputs: int | None = None) -> Any:
    """Validate an encoded literal (from a project file); return it unchanged."""
    render(obj, [f"x{i}" for i in range(inputs if inputs is not None else 1_000)])
    return obj


def render(obj: Any, inputs: Sequence[str]) -> str:
    """Python source for an encoded literal; ``{"input": i}`` becomes ``inputs[i]``."""
    if obj is None or isinstance(obj, (bool, str)):
        return repr(obj)
    if isinstance(obj, int):
        return repr(int(obj))
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise LiteralError("non-finite floats must be stored as {'float': 'inf'}")
        return repr(float(obj))
    if isinstance(obj, list):
        return "[" + ", ".join(render(v, inputs) for v in obj) + "]"
    if isinstance(obj, dict) and len(obj) == 1:
        (tag, value), = obj.items()
        if tag == "input" and isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < len(inputs):
                return inputs[value]
            raise LiteralError(f"refers to input {value}, but the node has {len(inputs)} input(s)")
        if tag == "tuple" and isinstance(value, list):
            items = [render(v, inputs) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if tag == "slice" and isinstance(value, list) and len(value) == 3:
            return "slice(" + ", ".join(render(v, inputs) for v in value) + ")"
        if tag == "ellipsis" and value is True:
            return "..."
        if tag == "dtype" and value in DTYPES:
            return f"torch.{value}"
        if tag == "float" and value in ("inf", "-inf", "nan"):
            return f"float({value!r})"
        if tag == "expr" and isinstance(value, list) and value:
            return _render_expr(value[0], [render(v, inputs) for v in value[1:]], value[1:])
    raise LiteralError(f"not an encoded literal: {obj!r}"[:300])


def _render_expr(op: Any, args: list[str], raw: list[Any]) -> str:
    if op in EXPR_METHODS and 1 <= len(args) <= 2:
        return f"{args[0]}.{op}({', '.join(args[1:])})"
    if op == "attr" and len(args) == 2 and raw[1] in EXPR_ATTRS:
        return f"{args[0]}.{raw[1]}"
    if op == "getitem" and len(args) == 2:
        return f"{args[0]}[{args[1]}]"
    if op in EXPR_BINARY and len(args) == 2:
        return f"({args[0]} {EXPR_BINARY[op]} {args[1]})"
    if op == "neg" and len(args) == 1:
        return f"(-{args[0]})"
    raise LiteralError(f"not a size expression: {op!r} with {len(args)} argument(s)"[:200])


def decode(obj: Any) -> Any:
    """The Python value of an encoded literal without node references (dtypes need torch)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    if isinstance(obj, dict) and len(obj) == 1:
        (tag, value), = obj.items()
        if tag == "tuple" and isinstance(value, list):
            return tuple(decode(v) for v in value)
        if tag == "slice" and isinstance(value, list) and len(value) == 3:
            return slice(*(decode(v) for v in value))
        if tag == "ellipsis" and value is True:
            return Ellipsis
        if tag == "float" and value in ("inf", "-inf", "nan"):
            return float(value)
        if tag == "dtype" and value in DTYPES:
            import torch

            return getattr(torch, value)
    raise LiteralError(f"cannot decode {obj!r} (node references have no value)")


def render_kwargs(kwargs: dict[str, Any], inputs: Sequence[str]) -> list[str]:
    """``["k=v", ...]`` for a keyword-argument mapping with identifier keys."""
    out = []
    for key, value in kwargs.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise LiteralError(f"keyword {key!r} is not an identifier")
        out.append(f"{key}={render(value, inputs)}")
    return out
