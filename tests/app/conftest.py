"""Shared fixture: real main windows for pytest-qt tests, without modal dialogs, settings in tmp_path."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from nnbuilder.app.window import MainWindow, dialogs
from nnbuilder.graph.project import Project


@pytest.fixture(scope="package", autouse=True)
def collect_on_the_gui_thread(qapp):
    """As the app does (``run_app``): the cyclic collector runs on the GUI thread only, never in a worker thread
    that would destroy a closed window's Qt objects there (a deadlock); automatic again after these tests."""
    from nnbuilder.app.gc_on_gui_thread import GuiThreadCollector

    collector = GuiThreadCollector(qapp).start()
    yield collector
    collector.stop()


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    """``make(project | path, height=768, exposed=False)``: a shown MainWindow on that project.

    A Project is installed and analysed at once; a path is opened as an example after the window
    is shown (as the app does). Dashboards still running at the end are shut down.
    """
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda *_args: dialogs.DISCARD)  # no modal on close
    monkeypatch.setattr(dialogs, "show_error", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(dialogs, "ask_wiring_fix", lambda *_args: "train")  # no modal before Start
    from nnbuilder.app.dashboard import resuming

    monkeypatch.setattr("nnbuilder.run_store.unsaved_runs_home", lambda: tmp_path / "unsaved-runs")  # not ~
    monkeypatch.setattr(resuming, "UNSAVED_RUNS", tmp_path / "unsaved-runs")  # Stop saves runs: not into ~
    windows: list[MainWindow] = []

    def make(source: Project | str | Path, height: int = 768, exposed: bool = False) -> MainWindow:
        win = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                         recovery_dir=tmp_path / "recovery")
        qtbot.addWidget(win)
        windows.append(win)
        if isinstance(source, Project):
            win.install(source, None)
        win.resize(1366, height)
        win.show()
        if exposed:
            qtbot.waitExposed(win)
        if isinstance(source, Project):
            win.runner.run_now()
        else:
            assert win.open_path(str(source), as_example=True)
        return win

    yield make
    for win in windows:
        if win.dashboard is not None:
            win.dashboard.shutdown()
