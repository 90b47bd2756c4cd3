"""Run Python's cyclic garbage collector on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate: the analysis or data-preview
thread can then collect a closed window's Qt objects, and ``QObject``'s destructor on that thread waits for a
Qt lock that the GUI thread holds while it waits for the GIL: a deadlock (seen in the test suite: a QMenu
destroyed from the data-preview thread's collection).  :class:`GuiThreadCollector` turns automatic collection
off and collects from a timer on the GUI thread instead, with the collector's own thresholds (the approach of
pyqtgraph's ``GarbageCollector``, written here so that the editor's start-up does not import pyqtgraph).
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    """While started: no automatic collection; every :data:`INTERVAL_MS` the due generations are collected here."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.was_enabled = gc.isenabled()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect_due)

    def start(self) -> GuiThreadCollector:
        gc.disable()
        self.timer.start()
        return self

    def stop(self) -> None:
        self.timer.stop()
        if self.was_enabled:
            gc.enable()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold (and the younger ones); the number found."""
        counts = gc.get_count()
        due = -1
        for generation in range(3):
            if counts[generation] <= self.threshold[generation]:
                break
            due = generation
        return gc.collect(due) if due >= 0 else 0
