"""Typed parameters of data sets and augmentations, with coercion and checks."""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

INT = "int"
FLOAT = "float"
BOOL = "bool"
STR = "str"
CHOICE = "choice"
PATH = "path"  # a file or folder path (str); "~" is expanded by the loader
COLUMNS = "columns"  # a list of column names, or "auto"
RANGE = "range"  # a number or a [low, high] pair of numbers


class ParamError(ValueError):
    """A parameter value that does not fit its :class:`DataParam`."""


@dataclass(frozen=True)
class DataParam:
    """One parameter: name, kind, default, accepted range and a short doc."""

    name: str
    kind: str
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    required: bool = False
    nullable: bool = False

    def coerce(self, value: Any) -> Any:
        """Return ``value`` in canonical form or raise :class:`ParamError` with a short reason."""
        if value is None:
            if self.nullable:
                return None
            raise ParamError("a value is required")
        kind = self.kind
        if kind == BOOL:
            if isinstance(value, bool):
                return value
            raise ParamError(f"expected true or false, got {value!r}")
        if kind == INT:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    return self._in_range(int(value))
                raise ParamError(f"expected an integer, got {value!r}")
            return self._in_range(value)
        if kind == FLOAT:
            return self._in_range(_number(value))
        if kind in (STR, PATH):
            if not isinstance(value, str) or (kind == PATH and not value.strip()):
                raise ParamError(f"expected a {'non-empty path' if kind == PATH else 'string'}, got {value!r}")
            return value
        if kind == CHOICE:
            if value in self.choices and type(value) in {type(c) for c in self.choices}:
                return value
            hint = _suggest(value, self.choices)
            raise ParamError(f"expected one of {', '.join(map(repr, self.choices))}, got {value!r}{hint}")
        if kind == COLUMNS:
            if value == "auto":
                return "auto"
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return list(value)
            raise ParamError(f'expected "auto" or a list of column names, got {value!r}')
        if kind == RANGE:
            if isinstance(value, (list, tuple)):
                if len(value) != 2:
                    raise ParamError(f"expected a number or [low, high], got {len(value)} values")
                low, high = (self._in_range(_number(v)) for v in value)
                if low > high:
                    raise ParamError(f"low must be ≤ high, got [{low}, {high}]")
                return (low, high)
            return self._in_range(_number(value))
        raise ParamError(f"unknown parameter kind {kind!r}")  # pragma: no cover - spec bug

    def _in_range(self, number: float) -> Any:
        if self.minimum is not None and number < self.minimum:
            raise ParamError(f"must be ≥ {self.minimum:g}, got {number!r}")
        if self.maximum is not None and number > self.maximum:
            raise ParamError(f"must be ≤ {self.maximum:g}, got {number!r}")
        return number


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamError(f"expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ParamError(f"expected a finite number, got {value!r}")
    return float(value)


def _suggest(value: Any, options: Any) -> str:
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def suggest(value: Any, options: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest names in ``options``, or an empty string."""
    return _suggest(value, options)


def check_params(
    specs: tuple[DataParam, ...], given: Any, path: str
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Coerce ``given`` against ``specs``; return the full parameter dict and the problems found."""
    problems: list[tuple[str, str]] = []
    if given is None:
        given = {}
    if not isinstance(given, dict):
        return {}, [(path, f"expected an object of parameters, got {type(given).__name__}")]
    by_name = {p.name: p for p in specs}
    values: dict[str, Any] = {}
    for key in given:
        if key not in by_name:
            known = ", ".join(by_name) or "none"
            problems.append((f"{path}.{key}", f"unknown parameter{_suggest(key, by_name)}; known: {known}"))
    for spec in specs:
        if spec.name not in given:
            if spec.required:
                problems.append((f"{path}.{spec.name}", f"required: {spec.doc or spec.kind}"))
            values[spec.name] = spec.default
            continue
        try:
            values[spec.name] = spec.coerce(given[spec.name])
        except ValueError as exc:
            problems.append((f"{path}.{spec.name}", str(exc)))
    return values, problems
