"""One parameter schema for layers, data sets and training: kinds, coercion, range checks, one wording.

A :class:`Param` describes one typed value (a layer's ``out_features``, a data set's ``noise``,
an optimizer's ``momentum``).  :meth:`Param.coerce` returns the canonical value or raises
:class:`ParamError` with a short reason in one wording everywhere:

* type:  ``expected an integer, got 'big'`` / ``expected one of 'a', 'b', got 'c'``
* range: ``must be ≥ 1, got 0`` / ``must be > 0, got 0`` (open bounds) / ``must be ≤ 1, got 2``
* missing: ``is required``

One rule for integral floats: an ``int`` accepts ``10.0`` (JSON writers may emit it) as ``10``
and refuses ``10.5``.  :class:`Problems` collects ``(json_path, message)`` pairs while a whole
section is checked, so a user sees every problem at once.
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Kinds.  Layers: INT FLOAT BOOL CHOICE INTS SHAPE DTYPE; data: + STR PATH COLUMNS RANGE; training: + PAIR.
INT = "int"
FLOAT = "float"
BOOL = "bool"
STR = "str"  # a string; with ``choices`` one of them
CHOICE = "choice"  # one of ``choices`` (str, int or None), type-exact
INTS = "ints"  # an int or a tuple of ints (kernel_size=3 or (3, 5)); may also allow word ``choices``
SHAPE = "shape"  # a non-empty list of positive ints (a per-sample shape)
DTYPE = "dtype"  # a tensor dtype name, e.g. "float32"
PATH = "path"  # a non-empty file or folder path (str); "~" is expanded by the loader
COLUMNS = "columns"  # a list of column names, or "auto"
RANGE = "range"  # a number or a [low, high] pair of numbers
PAIR = "pair"  # exactly two numbers (Adam's betas)
# Kinds whose parameters bring their own ``check`` (imported models and backbones):
TEXT = "text"  # free text
BLOCKS = "blocks"  # "all", "none" or a list of block names
LITERAL = "literal"  # an encoded literal (see nnbuilder.catalogue.literals)

DTYPES = ("float32", "float64", "int64")


class ParamError(ValueError):
    """A value that does not fit its :class:`Param`; the message is the reason, without the path."""


@dataclass(frozen=True)
class Param:
    """One typed parameter: kind, default, bounds, choices and what to do with None.

    ``minimum``/``maximum`` are inclusive unless ``lo_open``/``hi_open``.  ``inferred`` (layers) and
    ``nullable`` parameters accept None; ``required`` ones have no default.  ``ctor`` and
    ``always_emit`` steer layer code generation.  ``check`` replaces the kind's coercion for a
    parameter with its own rule (a backbone's model name, shapes28's classes); it gets the param
    and the value and raises :class:`ParamError`.
    """

    name: str
    kind: str
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    length: int | None = None  # fixed tuple length for INTS (e.g. 2 for 2-d kernels)
    nullable: bool = False
    required: bool = False  # must be given by the user (no sensible default)
    inferred: bool = False
    ctor: bool = True
    always_emit: bool = False  # write it in generated code even when equal to the default
    lo_open: bool = False  # True: value must be > minimum instead of ≥
    hi_open: bool = False
    check: Callable[[Param, Any], Any] | None = None

    def coerce(self, value: Any) -> Any:
        """Return ``value`` in canonical form or raise :class:`ParamError`."""
        if self.check is not None:
            return self.check(self, value)
        if value is None:
            if self.nullable or self.inferred or (self.kind == CHOICE and None in self.choices):
                return None
            raise ParamError("a value is required")
        coerce = _COERCERS.get(self.kind)
        if coerce is None:
            raise ParamError(f"unknown parameter kind {self.kind!r}")  # pragma: no cover - spec bug
        return coerce(self, value)

    def in_range(self, number: Any) -> Any:
        """``number`` if it lies within the bounds, else :class:`ParamError` naming the bound it breaks."""
        lo, hi = self.minimum, self.maximum
        if lo is not None and (number <= lo if self.lo_open else number < lo):
            raise ParamError(f"must be {'>' if self.lo_open else '≥'} {_num(lo)}, got {_num(number)}")
        if hi is not None and (number >= hi if self.hi_open else number > hi):
            raise ParamError(f"must be {'<' if self.hi_open else '≤'} {_num(hi)}, got {_num(number)}")
        return number

    def describe(self) -> str:
        """A one-line human description of the accepted values."""
        parts = [self.kind]
        if self.minimum is not None or self.maximum is not None:
            lo = "" if self.minimum is None else _num(self.minimum)
            hi = "" if self.maximum is None else _num(self.maximum)
            parts.append(f"{'(' if self.lo_open else '['}{lo}, {hi}{')' if self.hi_open else ']'}")
        if self.choices:
            parts.append(choices_text(self.choices))
        if self.inferred:
            parts.append("auto from input shape")
        return " ".join(parts)


# ----------------------------------------------------------------------------------- kinds
def as_int(value: Any) -> int:
    """An int, or an integral float such as ``10.0``; anything else is a :class:`ParamError`."""
    if isinstance(value, bool):
        raise ParamError(f"expected an integer, got {show(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    raise ParamError(f"expected an integer, got {show(value)}")


def as_number(value: Any) -> float:
    """A finite float from an int or float (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamError(f"expected a number, got {show(value)}")
    if not math.isfinite(value):
        raise ParamError(f"expected a finite number, got {value!r}")
    return float(value)


def _bool(p: Param, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ParamError(f"expected true or false, got {show(value)}")


def _choice(p: Param, value: Any) -> Any:
    if value in p.choices and type(value) in {type(c) for c in p.choices}:
        return value
    raise ParamError(f"expected one of {choices_text(p.choices)}, got {show(value)}{suggest(value, p.choices)}")


def _str(p: Param, value: Any) -> str:
    if p.choices:
        return _choice(p, value)
    if not isinstance(value, str):
        raise ParamError(f"expected a string, got {show(value)}")
    return value


def _path(p: Param, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ParamError(f"expected a non-empty path, got {show(value)}")
    return value


def _dtype(p: Param, value: Any) -> str:
    if isinstance(value, str) and value in DTYPES:
        return value
    raise ParamError(f"expected one of {choices_text(DTYPES)}, got {show(value)}")


def _ints(p: Param, value: Any) -> Any:
    if isinstance(value, str) and value in p.choices:
        return value
    if isinstance(value, (list, tuple)):
        items = tuple(p.in_range(as_int(v)) for v in value)
        if p.length is not None and len(items) != p.length:
            raise ParamError(f"expected an int or {p.length} ints, got {len(items)} values")
        if not items:
            raise ParamError("expected at least one int")
        return items
    try:
        return p.in_range(as_int(value))
    except ParamError as exc:
        if not str(exc).startswith("expected"):
            raise
        extra = f" or one of {choices_text(p.choices)}" if p.choices else ""
        raise ParamError(f"expected an int or a list of ints{extra}, got {show(value)}") from None


def _shape(p: Param, value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ParamError(f"expected a non-empty list of positive ints, got {show(value)}")
    if len(value) > 8:
        raise ParamError(f"at most 8 dimensions are supported, got {len(value)}")
    dims = tuple(as_int(v) for v in value)
    if any(d < 1 or d > 1_000_000_000 for d in dims):
        raise ParamError(f"dimensions must be between 1 and 1e9, got {list(dims)}")
    return dims


def _columns(p: Param, value: Any) -> Any:
    if value == "auto":
        return "auto"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ParamError(f'expected "auto" or a list of column names, got {show(value)}')


def _range(p: Param, value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ParamError(f"expected a number or [low, high], got {len(value)} values")
        low, high = (p.in_range(as_number(v)) for v in value)
        if low > high:
            raise ParamError(f"low must be ≤ high, got [{_num(low)}, {_num(high)}]")
        return (low, high)
    return p.in_range(as_number(value))


def _pair(p: Param, value: Any) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ParamError(f"expected a list of two numbers, got {show(value)}")
    first, second = (p.in_range(as_number(v)) for v in value)
    return (first, second)


_COERCERS: dict[str, Callable[[Param, Any], Any]] = {
    INT: lambda p, v: p.in_range(as_int(v)),
    FLOAT: lambda p, v: p.in_range(as_number(v)),
    BOOL: _bool, STR: _str, CHOICE: _choice, PATH: _path, DTYPE: _dtype, INTS: _ints, SHAPE: _shape,
    COLUMNS: _columns, RANGE: _range, PAIR: _pair,
}


# ----------------------------------------------------------------------------------- sections
class Problems:
    """Accumulates ``(json_path, message)`` pairs while a section is validated."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def mapping(self, value: Any, path: str) -> dict | None:
        """Return ``value`` if it is a JSON object, else record a problem and return None."""
        if isinstance(value, dict):
            return value
        self.add(path, f"must be an object, got {type(value).__name__}")
        return None

    def unknown_keys(self, section: Mapping, allowed: Iterable[str], path: str) -> None:
        """One problem per key of ``section`` not in ``allowed``, with the closest names suggested."""
        known = list(allowed)
        for key in section:
            if key not in known:
                self.add(f"{path}.{key}", unknown_message(key, known))

    def value(self, section: Mapping, key: str, spec: Param, path: str) -> Any:
        """``section[key]`` checked against ``spec``; a missing key: the default (or 'is required')."""
        full = f"{path}.{key}"
        if key not in section:
            if spec.required:
                self.add(full, "is required" + (f": {spec.doc}" if spec.doc else ""))
                return None
            return spec.default
        try:
            return spec.coerce(section[key])
        except ValueError as exc:  # ParamError, or a custom check's ValueError
            self.add(full, str(exc))
            return None

    def params(self, section: Mapping, specs: Mapping[str, Param] | Sequence[Param], path: str,
               skip: Iterable[str] = ()) -> dict[str, Any]:
        """Every spec's value from ``section``; keys without a spec (not in ``skip``) are problems."""
        by_name = specs if isinstance(specs, Mapping) else {p.name: p for p in specs}
        skipped = set(skip)
        self.unknown_keys({k: v for k, v in section.items() if k not in skipped}, by_name, path)
        return {key: self.value(section, key, spec, path) for key, spec in by_name.items()}


def check_params(specs: Sequence[Param], given: Any, path: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Coerce the object ``given`` (None: empty) against ``specs``; the full values and the problems."""
    problems = Problems()
    if given is None:
        given = {}
    if not isinstance(given, dict):
        return {}, [(path, f"expected an object of parameters, got {type(given).__name__}")]
    values = problems.params(given, specs, path)
    return values, problems.items


# ----------------------------------------------------------------------------------- wording
def show(value: Any) -> str:
    """``repr(value)`` shortened to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def suggest(value: Any, options: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest names in ``options``, or an empty string."""
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def unknown_message(key: Any, known: Iterable[str], noun: str = "key") -> str:
    """``unknown key 'x' (did you mean 'y'?); expected one of: a, b`` — for sections and layers alike."""
    names = sorted(known)
    return f"unknown {noun}{suggest(key, names)}; expected one of: {', '.join(names) or 'nothing'}"


def choices_text(choices: Sequence[Any]) -> str:
    return ", ".join("null" if c is None else repr(c) for c in choices)


def _num(x: float) -> str:
    return str(int(x)) if isinstance(x, (int, float)) and float(x).is_integer() and abs(x) < 1e15 else repr(x)
