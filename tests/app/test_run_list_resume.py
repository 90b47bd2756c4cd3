"""Stop in the dashboard, then the Runs tab: the interrupted run is listed once, resumable, and Resume finishes it."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from test_dashboard import PROGRESS_MS, SPIRALS, dashboard_for


@pytest.mark.slow
def test_a_stopped_run_is_listed_once_and_resumed_from_the_runs_tab(make_window, qtbot, tmp_path: Path) -> None:
    window = make_window(SPIRALS, height=900)
    window.project.data = {**window.project.data, "params": {"n_samples": 600}}
    dash = dashboard_for(window, qtbot, epochs=4)
    dash.watch_box.setChecked(True)  # slow motion: Stop lands mid-run on any machine
    finished: list = []
    dash.runFinished.connect(finished.append)
    dash.start()
    qtbot.waitUntil(lambda: dash._plan is not None and dash.job.step > dash._plan.steps_per_epoch + 3,
                    timeout=PROGRESS_MS)
    dash.stop()
    qtbot.waitUntil(lambda: len(finished) == 1, timeout=PROGRESS_MS)
    folder = Path(dash.job.saved.folder)
    assert [p for p in (tmp_path / "unsaved-runs").iterdir()] == [folder]  # one run, one folder
    dash.tabs.setCurrentWidget(dash.runs)
    tree = dash.runs.tree
    assert tree.topLevelItemCount() == 1 and tree.topLevelItem(0).text(1) == "interrupted"
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(tree.topLevelItem(0)).center())
    assert dash.runs.resume_button.isVisible() and dash.runs.resume_button.isEnabled()
    dash.watch_box.setChecked(False)
    with qtbot.waitSignal(dash.runFinished, timeout=PROGRESS_MS) as blocker:
        dash.runs.resume_button.click()
    assert blocker.args[0].stop_reason == "completed"
    assert [p for p in (tmp_path / "unsaved-runs").iterdir()] == [folder]  # resumed into the same folder
    assert tree.topLevelItemCount() == 1 and tree.topLevelItem(0).text(1) == "completed"
    assert tree.topLevelItem(0).text(3) == "4" and not dash.runs.resume_button.isEnabled()
