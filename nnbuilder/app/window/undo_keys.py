"""Ctrl+Z / Ctrl+Shift+Z reach the project's undo stack while a text field or spin box has focus.

A focused QLineEdit claims the undo keys for its own text history even when that is empty, so
Edit ▸ Undo never fires from the inspector.  This filter, put on whichever field gets focus, lets
the keys through to the window's actions unless the field has its own edit to undo or redo.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QWidget


class UndoKeys(QObject):
    """Installed on the focus widget of ``window`` (see :meth:`follow_focus`)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._watched: QWidget | None = None

    def follow_focus(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus)

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # already deleted
                pass
            self._watched = None
        if new is not None and isinstance(new, (QLineEdit, QAbstractSpinBox)) and self.window.isAncestorOf(new):
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            undo = event.matches(QKeySequence.StandardKey.Undo)
            redo = event.matches(QKeySequence.StandardKey.Redo)
            if undo or redo:
                edit = obj.lineEdit() if isinstance(obj, QAbstractSpinBox) else obj
                own = isinstance(edit, QLineEdit) and (edit.isUndoAvailable() if undo else edit.isRedoAvailable())
                if not own:
                    event.ignore()
                    return True  # not claimed by the field: the window's Undo/Redo shortcut fires
        return False
