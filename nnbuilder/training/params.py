"""Declarative parameter specs and a validator that collects every problem with its JSON path."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class Param:
    """One typed option of a loss, optimizer, scheduler or init scheme."""

    kind: str  # "float" | "int" | "bool" | "str" | "pair" (two floats)
    default: Any = _MISSING
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False  # True: value must be > lo instead of >= lo
    hi_open: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is _MISSING


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

    def unknown_keys(self, section: dict, allowed: set[str] | dict, path: str) -> None:
        for key in section:
            if key not in allowed:
                expected = ", ".join(sorted(allowed)) or "nothing"
                self.add(f"{path}.{key}", f"unknown key; expected one of: {expected}")

    def value(self, section: dict, key: str, spec: Param, path: str) -> Any:
        """Validate ``section[key]`` against ``spec``; return the value (or default, or None on error)."""
        full = f"{path}.{key}"
        if key not in section or section[key] is None:
            if spec.required:
                self.add(full, "is required")
                return None
            return spec.default
        return check_value(section[key], spec, full, self)

    def params(self, section: dict, specs: dict[str, Param], path: str, skip: set[str] = frozenset()) -> dict:
        """Validate every key of ``section`` against ``specs`` (unknown keys are problems)."""
        self.unknown_keys({k: v for k, v in section.items() if k not in skip}, specs, path)
        return {key: self.value(section, key, spec, path) for key, spec in specs.items()}


def check_value(raw: Any, spec: Param, path: str, problems: Problems) -> Any:
    """Type- and range-check one value; record a problem and return None if it is bad."""
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        problems.add(path, f"must be true or false, got {raw!r}")
        return None
    if spec.kind == "str":
        if isinstance(raw, str) and (not spec.choices or raw in spec.choices):
            return raw
        allowed = f" one of: {', '.join(spec.choices)}" if spec.choices else " a string"
        problems.add(path, f"must be{allowed}; got {raw!r}")
        return None
    if spec.kind == "pair":
        if (isinstance(raw, (list, tuple)) and len(raw) == 2
                and all(_is_number(v) for v in raw) and all(_in_range(float(v), spec) for v in raw)):
            return (float(raw[0]), float(raw[1]))
        problems.add(path, f"must be a list of two numbers{_range_text(spec)}; got {raw!r}")
        return None
    if spec.kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            problems.add(path, f"must be an integer, got {raw!r}")
            return None
        value: Any = raw
    else:
        if not _is_number(raw) or not math.isfinite(float(raw)):
            problems.add(path, f"must be a finite number, got {raw!r}")
            return None
        value = float(raw)
    if not _in_range(float(value), spec):
        problems.add(path, f"must be{_range_text(spec)}; got {raw!r}")
        return None
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _in_range(value: float, spec: Param) -> bool:
    if spec.lo is not None and (value <= spec.lo if spec.lo_open else value < spec.lo):
        return False
    return not (spec.hi is not None and (value >= spec.hi if spec.hi_open else value > spec.hi))


def _range_text(spec: Param) -> str:
    parts = []
    if spec.lo is not None:
        parts.append(f"{'>' if spec.lo_open else '>='} {spec.lo:g}")
    if spec.hi is not None:
        parts.append(f"{'<' if spec.hi_open else '<='} {spec.hi:g}")
    return (" " + " and ".join(parts)) if parts else ""
