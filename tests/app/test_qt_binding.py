"""Guards against a Qt binding that leaks references to None (PySide6 6.12.0 on CPython 3.11).

Such a binding aborts the interpreter ("none_dealloc") after enough calls, e.g. a few long node
drags; pyproject.toml excludes it.  This test fails loudly if such a build is ever installed.
"""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene


def test_void_qt_calls_do_not_leak_references_to_none(qapp) -> None:
    scene = QGraphicsScene()
    item = QGraphicsRectItem(0, 0, 10, 10)
    scene.addItem(item)
    before = sys.getrefcount(None)
    for i in range(2000):
        item.setPos(i, i)
        item.update()
    assert before - sys.getrefcount(None) < 100
