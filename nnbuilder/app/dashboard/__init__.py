"""The live training dashboard: run setup, a training child process, live plots and probes.

``Dashboard`` is imported on first use: the Qt-free modules of this package (the event
buffer, the listener, the child process's entry point) must import without PySide6.
"""
from __future__ import annotations

from typing import Any

__all__ = ["Dashboard"]


def __getattr__(name: str) -> Any:
    if name == "Dashboard":
        from nnbuilder.app.dashboard.panel import Dashboard

        return Dashboard
    raise AttributeError(f"module 'nnbuilder.app.dashboard' has no attribute {name!r}")
