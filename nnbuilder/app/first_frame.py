"""Run something once a window's first frame is on screen, not merely requested by ``show()``.

``show()`` only asks the window system to map the window; its first paint happens when the
expose event arrives, through the event loop. Work that blocks the loop (the first analysis
imports torch: seconds) must wait for that, or the user looks at an empty window until it ends.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _ExposeWatch(QObject):
    """Fires ``callback`` once, from the event loop, after the watched window's first expose (or a timeout)."""

    def __init__(self, widget: QWidget, callback: Callable[[], None], timeout_ms: int) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        self._done = False
        self._handle = None
        QTimer.singleShot(timeout_ms, self, self._fire)  # a window that is never exposed (minimised)
        self._arm()

    def _arm(self) -> None:
        """Watch the native window; while it does not exist yet (not shown), look again next turn."""
        if self._done:
            return
        self._handle = self._widget.window().windowHandle()
        if self._handle is None:
            QTimer.singleShot(0, self, self._arm)
        elif self._handle.isExposed():
            self._fire()
        else:
            self._handle.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose and self._handle.isExposed():
            self._fire()  # the expose paints synchronously: the callback's timer runs after that
        return False

    def _fire(self) -> None:
        if self._done:
            return
        self._done = True
        if self._handle is not None:
            self._handle.removeEventFilter(self)
        QTimer.singleShot(0, self._callback)
        self.deleteLater()  # one watch per call (the dock's visibility changes call it again and again)


def after_first_frame(widget: QWidget, callback: Callable[[], None], timeout_ms: int = 1000) -> None:
    """Call ``callback`` from the event loop once ``widget``'s window has painted its first frame.

    At once (next event-loop turn) when it already has; after ``timeout_ms`` when it is never exposed.
    """
    _ExposeWatch(widget, callback, timeout_ms)
