"""Training dashboard: runs in a child process, pause/stop, plots, boundary, errors (pytest-qt, offscreen)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from nnbuilder.app.dashboard.panel import REDRAW_MS
from nnbuilder.app.undo import push
from nnbuilder.app.window import MainWindow
from nnbuilder.graph.commands import SetParam
from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[2]
SPIRALS = examples_dir() / "spirals_mlp.nnb"


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window(SPIRALS, height=900)

# Waits on the training process's progress: generous, since two cores shared by several test runs
# can take tens of seconds to fork, prepare and train a few steps. Each wait ends as soon as its condition holds.
PROGRESS_MS = 120_000
STOP_BOUND_S = 5.0  # Dashboard.shutdown's default: a process not ended by then is killed


def wait_still(qtbot, read, quiet_ms: int = 300, timeout_s: float = PROGRESS_MS / 1000):
    """Wait until ``read()`` stays the same for ``quiet_ms`` (events in flight have arrived); that value."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while True:
        qtbot.wait(quiet_ms)
        now = read()
        if now == value:
            return value
        assert time.monotonic() < deadline, f"still changing after {timeout_s:g} s (last {now!r})"
        value = now


def dashboard_for(window: MainWindow, qtbot, epochs: int = 3, **training) -> object:
    """The dashboard with the project set to a short run (and its data preview loaded)."""
    window.project.training = {**window.project.training, "epochs": epochs, **training}
    dash = window.show_dashboard()
    dash.set_project(window.project, window.path)
    qtbot.waitUntil(lambda: dash.data_view.result is not None, timeout=PROGRESS_MS)
    return dash


def run(dash, qtbot, timeout: int = PROGRESS_MS):
    with qtbot.waitSignal(dash.runFinished, timeout=timeout) as blocker:
        assert dash.start()
    return blocker.args[0]


def test_short_run_fills_every_view(window, qtbot) -> None:
    dash = dashboard_for(window, qtbot, epochs=3)
    started = time.perf_counter()
    result = run(dash, qtbot)
    elapsed = time.perf_counter() - started
    assert result.stop_reason == "completed" and result.epochs_run == 3
    curves = dash.curves
    assert len(curves.losses) == result.steps > 0
    assert len(curves.epoch_losses) == 3 and len(curves.val_losses) == 3 and len(curves.metric_values) == 3
    assert curves.metric_names == ("accuracy", "val_accuracy")
    assert dash.inside.probe is not None and dash.inside.grads and dash.inside.layers.count() >= 5
    assert dash.results.boundary_updates >= 1 and dash.results.boundary.image is not None  # hidden: the final one
    assert len(dash.results.texts) == 4  # 2×2 confusion matrix counts
    assert "test set" in dash.status.text() and dash.progress.value() == dash.progress.maximum()
    assert dash.updates <= elapsed * 1000 / REDRAW_MS + 2  # coalesced: at most one redraw per timer tick
    assert not dash.running and not dash.timer.isActive()


def test_decision_boundary_updates_while_shown(window, qtbot) -> None:
    import numpy as np

    dash = dashboard_for(window, qtbot, epochs=8)
    dash.tabs.setCurrentWidget(dash.results)
    images = []
    show = dash.results.set_boundary
    dash.results.set_boundary = lambda boundary, count: (images.append(boundary.image.copy()), show(boundary, count))
    run(dash, qtbot)
    assert len(images) >= 2 and dash.results.boundary_updates >= 2
    assert not np.allclose(images[0], images[-1], atol=0.05)  # the boundary moved as the model learned


def test_lr_preview_matches_engine_schedule(window, qtbot) -> None:
    dash = dashboard_for(window, qtbot, epochs=3, scheduler={"type": "StepLR", "step_size": 1, "gamma": 0.5})
    planned = dash.curves.lr_preview.getData()[1]
    assert planned is not None and len(planned) > 0  # drawn before the run starts
    result = run(dash, qtbot)
    assert list(dash.curves.lr_preview.getData()[1]) == pytest.approx(result.lr_per_step())
    assert list(planned) == pytest.approx(result.lr_per_step())
    assert max(dash.curves.lr_actual.getData()[0]) == result.steps


def test_pause_resume_and_stop_mid_epoch_keeps_checkpoint(window, qtbot) -> None:
    from nnbuilder.training import load_weights
    from nnbuilder.training.checkpoint import checkpoint_folder

    window.project.data = {**window.project.data, "params": {"n_samples": 6000}}
    dash = dashboard_for(window, qtbot, epochs=200)
    finished = []
    dash.runFinished.connect(finished.append)
    dash.start()
    qtbot.waitUntil(lambda: (dash.checkpoint_dir / "latest.json").is_file(), timeout=PROGRESS_MS)
    dash.toggle_pause()
    assert dash.job.paused and dash.pause_button.text() == "Resume"
    step = wait_still(qtbot, lambda: dash.job.step)  # the steps already on their way have arrived
    qtbot.wait(1000)
    assert dash.job.step == step  # nothing moves while paused
    dash.toggle_pause()
    qtbot.waitUntil(lambda: dash.job.step > step + 3, timeout=PROGRESS_MS)
    spe = dash._plan.steps_per_epoch
    qtbot.waitUntil(lambda: spe // 3 < dash.job.step % spe < 2 * spe // 3, timeout=PROGRESS_MS)  # mid-epoch
    dash.stop()
    assert dash.job.join(STOP_BOUND_S), f"the training process did not end within {STOP_BOUND_S} s"
    assert dash.job._process.exitcode == 0  # it ended by itself after the step, not killed
    qtbot.waitUntil(lambda: bool(finished), timeout=PROGRESS_MS)
    assert finished[0].stop_reason == "interrupted"  # a run folder was saved: see test_dashboard_interrupt.py
    folder = checkpoint_folder(dash.checkpoint_dir)
    model = dash.job.trained.build()
    load_weights(folder, model)  # intact: strict load works


def test_closing_mid_run_stops_the_thread_without_warnings(window, qtbot, recwarn) -> None:
    window.project.data = {**window.project.data, "params": {"n_samples": 6000}}
    dash = dashboard_for(window, qtbot, epochs=200)
    dash.start()
    qtbot.waitUntil(lambda: len(dash.curves.losses) > 10, timeout=PROGRESS_MS)
    job = dash.job
    assert window.close()
    assert not job.is_alive() and job._process.exitcode is not None  # the training process has ended
    assert not [t for t in threading.enumerate() if t.name.startswith("nnbuilder-")]
    assert not [w for w in recwarn if "nnbuilder" in str(w.filename) or "Qt" in str(w.message)]


def test_output_size_mismatch_is_a_message_not_a_crash(window, qtbot) -> None:
    push(window.stack, window.doc, SetParam("logits", "out_features", 3))
    dash = dashboard_for(window, qtbot)
    with qtbot.waitSignal(dash.runFailed, timeout=20000) as blocker:
        dash.start()
    text = blocker.args[0]
    assert "outputs [3]" in text and "2 classes" in text and "out_features" in text
    assert dash.message.isVisible() and dash.message.text() == text
    assert dash.start_button.isEnabled() and not dash.running


def test_bad_training_setup_is_named_before_starting(window, qtbot) -> None:
    dash = dashboard_for(window, qtbot)
    dash.setup.scheduler.setCurrentIndex(dash.setup.scheduler.findData("ReduceLROnPlateau"))
    dash.setup.sched_fields["monitor"].widget.edit.setText("nonsense")
    dash.setup.sched_fields["monitor"].widget.edit.editingFinished.emit()
    assert "training.scheduler.monitor" in dash.message.text()


def test_setup_edits_are_undoable_and_saved(window, qtbot, tmp_path) -> None:
    from nnbuilder.graph.project import load_project

    dash = dashboard_for(window, qtbot, epochs=3)
    window.stack.setClean()
    dash.setup.epochs.setValue(7)
    assert window.project.training["epochs"] == 7 and window.isWindowModified()
    dash.setup.dataset.setCurrentIndex(dash.setup.dataset.findData("moons"))
    assert window.project.data["dataset"] == "moons"
    window.undo()
    assert window.project.data["dataset"] == "spirals" and dash.setup.dataset.currentData() == "spirals"
    window.undo()
    assert window.project.training["epochs"] == 3 and dash.setup.epochs.value() == 3
    window.redo()
    path = tmp_path / "saved.nnb"
    assert window._write(str(path))
    assert load_project(path).training["epochs"] == 7


def test_selecting_a_node_shows_its_layer_and_history_overlays(window, qtbot, tmp_path) -> None:
    dash = dashboard_for(window, qtbot, epochs=2)
    run(dash, qtbot)
    window.select_node("fc2")
    assert dash.inside.layer == "fc2"
    assert dash.inside.act_plot.getPlotItem().titleLabel.text.startswith("fc2:")
    run(dash, qtbot)
    assert len(dash.curves.overlays) == 1  # the first run, behind the second
    out = dash.save_run(tmp_path / "run")
    assert out is not None and (out / "weights.safetensors").is_file() and (out / "run.json").is_file()


def test_lr_finder_suggests_and_applies(window, qtbot) -> None:
    dash = dashboard_for(window, qtbot)
    with qtbot.waitSignal(dash.lrFound, timeout=30000) as blocker:
        assert dash.find_lr()
    result = blocker.args[0]
    assert len(result.lrs) > 10 and dash.lr_view.smooth.getData()[0] is not None
    if result.suggestion is not None:
        dash.lr_view.apply_button.click()
        assert window.project.training["optimizer"]["lr"] == pytest.approx(result.suggestion, rel=1e-3)


def test_metric_plot_names_the_project_task_before_any_run(make_window, qtbot) -> None:
    """A regression project's metric plot reads r2 before its first run, a classifier's accuracy."""
    regression = make_window(examples_dir() / "seed_regression.nnb", height=900)
    dash = dashboard_for(regression, qtbot)
    assert dash.curves.metric_names == ("r2", "val_r2")
    assert dash.curves.metric_plot.getPlotItem().titleLabel.text == "Metric: r2"

