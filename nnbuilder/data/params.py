"""Typed parameters of data sets and augmentations: the one schema of :mod:`nnbuilder.schema`.

``DataParam`` is :class:`nnbuilder.schema.Param` (``DataParam(name, kind, default, doc, minimum=...)``);
the kind constants, :class:`ParamError`, :func:`check_params` and :func:`suggest` are re-exported.
"""
from __future__ import annotations

from nnbuilder.schema import BOOL, CHOICE, COLUMNS, FLOAT, INT, PATH, RANGE, STR, ParamError, check_params, suggest
from nnbuilder.schema import Param as DataParam

__all__ = ["BOOL", "CHOICE", "COLUMNS", "FLOAT", "INT", "PATH", "RANGE", "STR", "DataParam", "ParamError",
           "check_params", "suggest"]
