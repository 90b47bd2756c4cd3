"""Training options in the one parameter schema (:mod:`nnbuilder.schema`).

``Param(kind, default, lo=..., hi=...)`` is the short form the loss, optimizer, scheduler and init
registries use; it builds a :class:`nnbuilder.schema.Param` (no default: required; default None:
nullable).  :class:`Problems` collects every problem of a section with its JSON path.
"""
from __future__ import annotations

from typing import Any

from nnbuilder.schema import Param as SchemaParam
from nnbuilder.schema import ParamError, Problems

__all__ = ["Param", "ParamError", "Problems", "check_value"]

_MISSING = object()


def Param(kind: str, default: Any = _MISSING, lo: float | None = None, hi: float | None = None,
          lo_open: bool = False, hi_open: bool = False, choices: tuple[str, ...] = (), doc: str = "",
          name: str = "") -> SchemaParam:
    """One typed option of a loss, optimizer, scheduler or init scheme (its name is its key in the registry)."""
    required = default is _MISSING
    value = None if required else default
    return SchemaParam(name, kind, value, doc, minimum=lo, maximum=hi, choices=tuple(choices), lo_open=lo_open,
                       hi_open=hi_open, required=required, nullable=not required and value is None)


def check_value(raw: Any, spec: SchemaParam, path: str, problems: Problems) -> Any:
    """Type- and range-check one value; record a problem and return None if it is bad."""
    try:
        return spec.coerce(raw)
    except ValueError as exc:
        problems.add(path, str(exc))
        return None
