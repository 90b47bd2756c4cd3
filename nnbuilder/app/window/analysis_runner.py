"""Debounced re-analysis of the document after edits.

``nnbuilder.analysis`` imports torch, and torch's first shape inference sets itself up: seconds together.
At start-up the runner is held until the window's first frame is painted; :meth:`AnalysisRunner.release`
then loads both on a thread, so the window answers the user meanwhile, and analyses once they are ready.
"""
from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from nnbuilder.graph.document import DocEvent, GraphDocument

DEBOUNCE_MS = 100
_SHAPE_EVENTS = {"node_added", "node_removed", "node_renamed", "param_changed", "edge_added", "edge_removed",
                 "reset"}


class AnalysisRunner(QObject):
    """Re-runs ``analyze`` on the document ~100 ms after its last change."""

    analyzed = Signal(object)  # nnbuilder.analysis.Analysis
    failed = Signal(str)
    ready = Signal()  # release() found the analysis (torch) loaded, or its thread has loaded it
    _loaded = Signal()  # from the loading thread, delivered in the runner's thread

    def __init__(self, doc: GraphDocument, parent: QObject | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self._doc = doc
        self.latest: Any = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.run_now)
        self._held = False
        self._loading = False
        self._thread: threading.Thread | None = None
        self._loaded.connect(self._on_loaded)
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
        if not self._held and not self._loading:  # once loaded, the analysis runs on the latest document
            self._timer.start()

    def hold(self) -> None:
        """Analyse nothing until :meth:`release` (start-up: torch must not load before the first frame)."""
        self._held = True
        self._timer.stop()

    def release(self) -> None:
        """End :meth:`hold` and analyse: at once if the analysis is loaded, else once a thread has loaded it."""
        self._held = False
        if self._loading:
            return
        if "nnbuilder.analysis" in sys.modules:
            self.ready.emit()
            self.run_now()
            return
        self._loading = True
        # Not a daemon: Python waits for it at exit. Torch aborts the process ("terminate called without an
        # active exception") when the interpreter shuts down under its first shape inference.
        self._thread = threading.Thread(target=self._load, args=(self._doc.copy(),), name="nnbuilder-load-analysis")
        self._thread.start()

    def _load(self, snapshot: GraphDocument) -> None:
        """(On the loading thread.) Import the analysis and torch, and analyse ``snapshot`` once: torch's
        first shape inference loads more of torch (its meta decompositions; no longer ``torch._dynamo``, see
        ``nnbuilder/analysis/no_dynamo.py``).
        A failure here is reported by the :meth:`run_now` that follows, which meets it again."""
        try:
            from nnbuilder.analysis import analyze

            analyze(snapshot)
        except Exception:  # noqa: BLE001, S110 - run_now reports it (with its message) on the GUI thread
            pass
        with contextlib.suppress(RuntimeError):  # the runner was deleted meanwhile (its window closed)
            self._loaded.emit()

    def wait_loaded(self) -> None:
        """Block until the loading thread has finished (``ready`` and the first analysis still follow from the
        event loop): for GUI-thread code that needs torch at once, since two threads importing torch's
        modules together can trip the import system's deadlock detection and fail one import."""
        if self._thread is not None:
            self._thread.join()

    def _on_loaded(self) -> None:
        self._loading = False
        self.ready.emit()
        if not self._held:
            self.run_now()

    @property
    def loading(self) -> bool:
        """True while the analysis (torch) loads on its thread."""
        return self._loading

    def call_when_loaded(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the analysis (torch) is loaded: on :attr:`ready` while the runner loads it
        on its thread or is held before doing so (start-up), else at once."""
        if self._loading or (self._held and "nnbuilder.analysis" not in sys.modules):
            self.ready.connect(callback, Qt.ConnectionType.SingleShotConnection)
        else:
            callback()

    @property
    def pending(self) -> bool:
        return self._timer.isActive() or self._loading

    def run_now(self) -> Any:
        """Analyse immediately and emit ``analyzed``; returns the analysis (or None on failure)."""
        self._timer.stop()
        if self._loading:
            self.wait_loaded()
        try:
            from nnbuilder.analysis import analyze  # lazy: imports torch
        except Exception as exc:  # noqa: BLE001 - a broken install (ImportError, OSError for a missing library...)
            self.failed.emit(f"the analysis could not load torch ({type(exc).__name__}: {exc}); shapes and parameter "
                             "counts need a working torch (pip install --force-reinstall torch)")
            return None
        try:
            result = analyze(self._doc)
        except Exception as exc:  # noqa: BLE001 - a bug in analysis must not take the editor down
            self.failed.emit(f"analysis failed: {type(exc).__name__}: {exc}")
            return None
        self.latest = result
        self.analyzed.emit(result)
        return result
