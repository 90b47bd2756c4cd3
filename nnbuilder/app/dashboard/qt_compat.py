"""Work around PySide6 6.12.0 on Python 3.11 dropping a reference to ``None`` on every void call.

Each ``painter.setPen(...)``, ``label.setText(...)``... decrements ``None``'s reference
count without having taken one; live plots repaint often enough to drive it to zero,
which kills the interpreter ("none_dealloc: deallocating None"). Python 3.12+ makes
``None`` immortal; on older Pythons we give it the same property by raising its count
once, only when the leak is detected.
"""
from __future__ import annotations

import ctypes
import sys

_PINNED = False


def void_calls_leak_none() -> bool:
    """True when a void Qt call lowers ``None``'s reference count."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(16):
        timer.stop()
    return before - sys.getrefcount(None) >= 16


def pin_none() -> bool:
    """Make ``None`` effectively immortal if this PySide6 leaks it; True when the fix was applied."""
    global _PINNED
    if _PINNED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _PINNED
    if void_calls_leak_none():
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
        _PINNED = True
    return _PINNED
