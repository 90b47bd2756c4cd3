"""The main window's Training menu and dock: the dashboard built on first use, start, pause, stop, LR finder."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from nnbuilder.app.window import dialogs


class _TrainingActions:
    """Mixin of :class:`~nnbuilder.app.window.main_window.MainWindow`: its Training dock and the training actions."""

    # ------------------------------------------------------------------ training
    def ensure_dashboard(self) -> Any:
        """The training dashboard, built on first use (it imports torch)."""
        if self.dashboard is None:
            self.runner.wait_loaded()  # torch: not imported on two threads at once
            from nnbuilder.app.dashboard import Dashboard

            self.dashboard = Dashboard(self.stack, self)
            self.dashboard.set_project(self.project, self.path)
            self._theme_dashboard()
            self.training_dock.setWidget(self.dashboard)
        return self.dashboard

    def _dashboard_when_loaded(self) -> None:
        """Build the dashboard of a shown Training dock once torch has loaded: at start-up the analysis
        runner loads it on a thread after the first frame, and importing it here would freeze the window."""
        self.runner.call_when_loaded(self.ensure_dashboard)

    def show_dashboard(self) -> Any:
        dashboard = self.ensure_dashboard()
        dashboard.project_path = self.path
        if self.training_dock.isHidden():
            self.arrangement.enter()  # on a laptop: the training arrangement (see arrangement.py)
        self.training_dock.raise_()
        return dashboard

    def toggle_dashboard(self) -> None:
        """Ctrl+T: show the dashboard (the training arrangement), or close it when it is the shown tab."""
        if not self.training_dock.isHidden() and not self.training_dock.visibleRegion().isEmpty():
            self.training_dock.close()
        else:
            self.show_dashboard()

    def _training_dock_closed(self, visible: bool) -> None:
        """A closed Training dock gives its height back to the canvas, not to the tabs it shared the area with."""
        if not visible and self.training_dock.isHidden():
            self.arrangement.leave()

    def start_training(self) -> None:
        from nnbuilder.app.window.wiring import confirm_start

        if confirm_start(self, dialogs.ask_wiring_fix):
            self.show_dashboard().start()

    def pause_training(self) -> None:
        self.show_dashboard().toggle_pause()

    def stop_training(self) -> None:
        if self.dashboard is not None:
            self.dashboard.stop()

    def find_learning_rate(self) -> None:
        self.show_dashboard().find_lr()

    def resume_run(self, run_dir: str | Path) -> bool:
        """Continue the interrupted run saved in ``run_dir`` in the dashboard, to its planned end.

        ``run_dir`` is a run folder with a ``checkpoint/`` (what Stop, closing the window while training,
        or ``nnbuilder train`` after Ctrl+C leave in the project's ``runs/``). The run trains the
        folder's own ``project.nnb``, and the folder is rewritten when it ends. False (the reason shown
        in the dashboard) when a run is in progress or the folder cannot be resumed.
        """
        return self.show_dashboard().resume_run(Path(run_dir))

    def resume_run_dialog(self) -> None:
        """Train ▸ Resume Run…: choose a run folder (in the project's runs folder) and resume it."""
        from nnbuilder.app.dashboard.resuming import unsaved_runs_folder
        from nnbuilder.runs import runs_folder

        start = runs_folder(self.path) if self.path else unsaved_runs_folder()
        folder = choose_run_folder(self, start if start.is_dir() else start.parent)
        if folder:
            self.resume_run(folder)


def choose_run_folder(parent: QWidget, start: Path) -> str | None:
    """A run folder chosen in a folder dialog, or None when cancelled."""
    folder = QFileDialog.getExistingDirectory(parent, "Resume Run: choose the run's folder", str(start))
    return folder or None
