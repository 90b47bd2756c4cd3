"""Debounced re-analysis of the document after edits.

``nnbuilder.analysis`` imports torch, which takes seconds; it is imported on
the first run (held at start-up until the window's first frame is painted), never at window import.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from nnbuilder.graph.document import DocEvent, GraphDocument

DEBOUNCE_MS = 100
_SHAPE_EVENTS = {"node_added", "node_removed", "node_renamed", "param_changed", "edge_added", "edge_removed",
                 "reset"}


class AnalysisRunner(QObject):
    """Re-runs ``analyze`` on the document ~100 ms after its last change."""

    analyzed = Signal(object)  # nnbuilder.analysis.Analysis
    failed = Signal(str)

    def __init__(self, doc: GraphDocument, parent: QObject | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self._doc = doc
        self.latest: Any = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.run_now)
        self._held = False
        doc.subscribe(self._on_event)

    def set_document(self, doc: GraphDocument) -> None:
        """Follow another document (a newly opened project)."""
        self._doc.unsubscribe(self._on_event)
        self._doc = doc
        self.latest = None
        doc.subscribe(self._on_event)
        self.schedule()

    def _on_event(self, event: DocEvent) -> None:
        if event.kind in _SHAPE_EVENTS:
            self.schedule()

    def schedule(self) -> None:
        if not self._held:
            self._timer.start()

    def hold(self) -> None:
        """Analyse nothing until :meth:`release` (start-up: torch must not load before the first frame)."""
        self._held = True
        self._timer.stop()

    def release(self) -> None:
        """End :meth:`hold` and analyse at once."""
        self._held = False
        self.run_now()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def run_now(self) -> Any:
        """Analyse immediately and emit ``analyzed``; returns the analysis (or None on failure)."""
        self._timer.stop()
        from nnbuilder.analysis import analyze  # lazy: imports torch

        try:
            result = analyze(self._doc)
        except Exception as exc:  # noqa: BLE001 - a bug in analysis must not take the editor down
            self.failed.emit(f"analysis failed: {type(exc).__name__}: {exc}")
            return None
        self.latest = result
        self.analyzed.emit(result)
        return result
