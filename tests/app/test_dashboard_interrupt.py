"""Stop and window close save a resumable run folder; Train ▸ Resume Run… continues it bit for bit (real child)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
from test_dashboard import PROGRESS_MS, SPIRALS, dashboard_for

from nnbuilder.app.window import MainWindow, training_actions

LAYOUT = {"weights.safetensors", "model.py", "history.json", "run.json", "project.nnb", "checkpoint"}


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window(SPIRALS, height=900)


def _stop_mid_run(dash, qtbot, finished: list) -> object:
    """Start, let it train into its second epoch, press Stop; the run's result."""
    before = len(finished)
    dash.start()
    qtbot.waitUntil(lambda: dash._plan is not None and dash.job.step > dash._plan.steps_per_epoch + 3,
                    timeout=PROGRESS_MS)
    dash.stop()
    qtbot.waitUntil(lambda: len(finished) > before, timeout=PROGRESS_MS)
    return finished[-1]


def _short(window, qtbot, epochs: int = 4):
    window.project.data = {**window.project.data, "params": {"n_samples": 600}}
    dash = dashboard_for(window, qtbot, epochs=epochs)
    dash.watch_box.setChecked(True)  # slow motion: Stop lands mid-run on any machine
    return dash


@pytest.mark.slow
def test_stop_saves_an_interrupted_run_folder_and_says_where(window, qtbot, tmp_path: Path) -> None:
    dash = _short(window, qtbot)
    finished: list = []
    dash.runFinished.connect(finished.append)
    result = _stop_mid_run(dash, qtbot, finished)
    assert result.stop_reason == "interrupted"
    folder = Path(dash.job.saved.folder)
    assert folder.parent == tmp_path / "unsaved-runs" and not dash.job.saved.error
    assert {p.name for p in folder.iterdir()} == LAYOUT
    assert json.loads((folder / "run.json").read_text())["stop_reason"] == "interrupted"
    assert (folder / "checkpoint" / "latest.json").is_file()
    assert str(folder) in dash.status.text() and "Resume Run" in dash.status.text()


@pytest.mark.slow
def test_resume_run_finishes_with_the_uninterrupted_weights(window, qtbot) -> None:
    dash = _short(window, qtbot)
    dash.watch_box.setChecked(False)
    finished: list = []
    dash.runFinished.connect(finished.append)
    with qtbot.waitSignal(dash.runFinished, timeout=PROGRESS_MS):
        assert dash.start()
    assert finished[-1].stop_reason == "completed"
    full = dash.job.trained.state

    dash.watch_box.setChecked(True)
    first = _stop_mid_run(dash, qtbot, finished)
    assert first.stop_reason == "interrupted" and first.steps < finished[0].steps
    folder = Path(dash.job.saved.folder)
    dash.watch_box.setChecked(False)
    with qtbot.waitSignal(dash.runFinished, timeout=PROGRESS_MS):
        assert window.resume_run(folder)  # the main window's method the run list calls
    resumed = finished[-1]
    assert resumed.stop_reason == "completed" and resumed.steps == finished[0].steps
    state = dash.job.trained.state
    assert state.keys() == full.keys() and all(torch.equal(state[k], full[k]) for k in full)
    assert json.loads((folder / "run.json").read_text())["stop_reason"] == "completed"
    assert not (folder / "checkpoint").exists() and str(folder) in dash.status.text()
    assert len(json.loads((folder / "history.json").read_text())["history"]) == 4


@pytest.mark.slow
def test_closing_the_window_mid_run_saves_the_run_quickly(window, qtbot, tmp_path: Path) -> None:
    dash = _short(window, qtbot, epochs=50)
    dash.start()
    qtbot.waitUntil(lambda: dash._plan is not None and dash.job.step > 5, timeout=PROGRESS_MS)
    job = dash.job
    started = time.perf_counter()
    assert window.close()
    assert time.perf_counter() - started < 5.0
    assert not job.is_alive() and job.saved is not None and job.saved.folder is not None
    folder = Path(job.saved.folder)
    assert {p.name for p in folder.iterdir()} == LAYOUT
    assert json.loads((folder / "run.json").read_text())["stop_reason"] == "interrupted"


def test_the_resume_run_menu_action_and_a_folder_that_cannot_be_resumed(window, qtbot, tmp_path: Path,
                                                                         monkeypatch) -> None:
    chosen = tmp_path / "not-a-run"
    chosen.mkdir()
    asked: list = []
    monkeypatch.setattr(training_actions, "choose_run_folder", lambda parent, start: asked.append(start) or str(chosen))
    dash = _short(window, qtbot)
    action = next(a for a in window.menuBar().actions() if a.text() == "&Train").menu().actions()
    [resume] = [a for a in action if a.text() == "&Resume Run…"]
    resume.trigger()
    assert asked and not dash.running
    assert "no checkpoint to resume from" in dash.message.text() and str(chosen) in dash.message.text()


@pytest.mark.slow
def test_a_training_process_that_does_not_stop_is_ended_with_a_message(window, qtbot, capsys) -> None:
    import os
    import signal

    dash = _short(window, qtbot, epochs=50)
    dash.start()
    qtbot.waitUntil(lambda: dash._plan is not None and dash.job.step > 3, timeout=PROGRESS_MS)
    job = dash.job
    os.kill(job._process.pid, signal.SIGSTOP)  # a child that cannot answer Stop (as if stuck in a C call)
    started = time.perf_counter()
    assert dash.shutdown(timeout=0.5)
    assert time.perf_counter() - started < 3.0 and not job.is_alive()
    assert "did not stop within 0.5 s and was ended" in capsys.readouterr().err
    assert "ended unexpectedly" in dash.message.text() or "did not stop" in dash.message.text()
