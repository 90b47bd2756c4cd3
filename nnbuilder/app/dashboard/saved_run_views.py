"""The fitted-curve and embedding views of a run picked in the Runs tab.

Clicking a saved run in the Runs tab makes the Fitted curve and Embeddings tabs show that run
(:func:`nnbuilder.run_views.open_run_views`: its model.py with its weights, its data set loaded
again where a view needs it). A bar above each view names the run and goes back to the live run;
starting a run goes back too. Opening a run took 7–100 ms on a 2-core VM (the first one more, while
modules load: 0.8 s in a bare interpreter), so it runs on a short-lived background thread, when one
of the two views is shown; the event loop then stalled at most 25–60 ms.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from nnbuilder.runs import RunSummary


class SavedRunBar(QWidget):
    """"Run X (saved) · Show the live run": above a view while it shows a saved run."""

    backRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("")
        self.label.setStyleSheet("font-weight: bold;")
        self.back_button = QPushButton("Show the live run")
        self.back_button.setToolTip("Show the run being trained (or the last one trained) instead of the saved run")
        self.back_button.clicked.connect(self.backRequested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.back_button)
        self.hide()

    def show_run(self, folder: Path) -> None:
        self.label.setText(f"Saved run {folder.name} (picked in the Runs tab)")
        self.label.setToolTip(str(folder))
        self.show()


class SavedRunLoader(QObject):
    """Opens a run folder on a background thread; ``arrived(folder, SavedRunViews | message)`` on the GUI thread."""

    arrived = Signal(object, object)
    _done = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._token = 0
        self._thread: threading.Thread | None = None
        self.requested: Path | None = None  # the folder being opened (None when none is)
        self._done.connect(self._on_done)

    def request(self, folder: Path, project_folder: Path | None) -> None:
        """Open ``folder`` (once: asking again while it is being opened does nothing); older requests are dropped."""
        if folder == self.requested:
            return
        self._token += 1
        token, self.requested = self._token, folder

        def work() -> None:
            from nnbuilder.run_views import RunViewError, open_run_views

            try:
                result: Any = open_run_views(folder, project_folder)
            except RunViewError as exc:
                result = str(exc)
            except Exception as exc:  # noqa: BLE001 - shown in the views, never a traceback
                result = f"{folder}: {type(exc).__name__}: {exc}"
            try:
                self._done.emit(token, folder, result)
            except RuntimeError:  # the dashboard was deleted meanwhile
                pass

        self._thread = threading.Thread(target=work, name="nnbuilder-saved-run", daemon=True)
        self._thread.start()

    def join(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _on_done(self, token: int, folder: Path, result: Any) -> None:
        if token == self._token:
            self.requested = None
            self.arrived.emit(folder, result)


class _SavedRunShowing:
    """Mixin of :class:`~nnbuilder.app.dashboard.panel.Dashboard` (``runs``, ``tabs``, ``fit_view``, ``embedding_view``)."""

    def _wire_saved_runs(self) -> None:
        self.saved_loader = SavedRunLoader(self)
        self.saved_loader.arrived.connect(self._on_saved_run)
        self.runs.currentRunChanged.connect(self.show_saved_run)
        self.tabs.currentChanged.connect(lambda _index: self._open_wanted_run())
        for view in self._run_views():
            view.bar.backRequested.connect(self.show_live_run)

    def _run_views(self) -> tuple[Any, Any]:
        return self.fit_view, self.embedding_view

    def show_saved_run(self, run: RunSummary | None) -> None:
        """Show ``run`` (picked in the Runs tab) in the fitted-curve and embedding views; it opens when one is shown.

        Picking the run shown again opens it again (its folder may have been rewritten by a resumed run)."""
        if run is None or all(v.saved_folder == run.folder and not v.saved_ready for v in self._run_views()):
            return  # already waiting for this run
        for view in self._run_views():
            view.expect_saved(run.folder)
        self._open_wanted_run()

    def show_live_run(self) -> None:
        """Back to the live (or last trained) run in both views."""
        for view in self._run_views():
            view.show_live()

    def _open_wanted_run(self) -> None:
        wanted = [v.saved_folder for v in self._run_views() if v.saved_folder is not None and not v.saved_ready]
        if wanted and self.tabs.currentWidget() in self._run_views():
            folder = self.project_path and Path(self.project_path).parent
            self.saved_loader.request(wanted[0], folder or Path.cwd())  # unsaved: data paths as the project has them

    def _on_saved_run(self, folder: Path, result: Any) -> None:
        for view in self._run_views():
            if view.saved_folder == folder:
                view.show_saved(result)
