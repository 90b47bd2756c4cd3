"""The dashboard's Runs tab, used as a student would: tick runs, compare them, see gradient norms, resume."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem
from run_fixtures import write_run

from nnbuilder.package_data import examples_dir

SEED = examples_dir() / "seed_regression.nnb"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The seed regression example saved in its own folder, with three saved runs (lr 0.001, 0.01, 0.05)."""
    path = tmp_path / "proj" / "seed.nnb"
    path.parent.mkdir()
    shutil.copy(SEED, path)
    runs = path.parent / "runs"
    write_run(runs / "seed-20261205-100000", 0.001, [0.95, 0.93, 0.92], age_s=30)
    write_run(runs / "seed-20261205-100100", 0.01, [0.9, 0.7, 0.6], age_s=20,
              grad_norm={"fc1": [0.5, 0.25, 0.125], "fc2": [1.0, 0.5, 0.25], "fc3": [2.0, 1.5, 1.0]})
    write_run(runs / "seed-20261205-100200", 0.05, [0.8, 0.4], stop_reason="stopped", age_s=10, checkpoint=True)
    return path


def open_runs(make_window, path: Path, qtbot):
    win = make_window(path)
    assert win.open_path(str(path))  # as a user opens a project file (not as an example)
    dash = win.show_dashboard()
    dash.tabs.setCurrentWidget(dash.runs)
    qtbot.waitUntil(lambda: dash.data_view.result is not None and dash.runs.tree.topLevelItemCount() > 0,
                    timeout=10000)
    return win, dash


def click_check(qtbot, tree, row: int) -> None:
    """Click the check box of ``row`` in the run list, where the style draws it."""
    item = tree.topLevelItem(row)
    option = QStyleOptionViewItem()
    tree.initViewItemOption(option)
    option.rect = tree.visualItemRect(item)
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, tree)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=box.center())


def test_runs_are_listed_newest_first_with_status(make_window, project, qtbot) -> None:
    _win, dash = open_runs(make_window, project, qtbot)
    tree = dash.runs.tree
    rows = [[tree.topLevelItem(i).text(c) for c in range(5)] for i in range(tree.topLevelItemCount())]
    assert [r[0] for r in rows] == ["20261205-100200", "20261205-100100", "20261205-100000"]  # the stem is dropped
    assert [r[1] for r in rows] == ["interrupted", "completed", "completed"]
    assert [r[3] for r in rows] == ["2", "3", "3"]
    assert "val_loss 0.6" in rows[1][4] and "val_r2 0.4" in rows[1][4]
    assert str(project.parent / "runs") in dash.runs.folder_label.text()


def test_ticking_runs_overlays_their_curves_and_compares_them(make_window, project, qtbot) -> None:
    _win, dash = open_runs(make_window, project, qtbot)
    assert dash.curves.saved_items == []
    click_check(qtbot, dash.runs.tree, 1)  # lr 0.01
    assert [r.name for r in dash.runs.checked_runs()] == ["seed-20261205-100100"]
    (_plot, loss), (_plot2, metric) = dash.curves.saved_items
    x, y = loss.getData()
    assert list(y) == [0.9, 0.7, 0.6] and list(x) == [e * dash.curves.steps_per_epoch for e in (1, 2, 3)]
    assert dash.curves.steps_per_epoch > 1  # lined up with the planned run's epochs, not its steps
    assert list(metric.getData()[1]) == pytest.approx([0.1, 0.3, 0.4])  # val_r2 on the metric plot
    click_check(qtbot, dash.runs.tree, 2)  # lr 0.001
    table = dash.runs.table
    assert table.columnCount() == 2
    assert [table.horizontalHeaderItem(c).text() for c in range(2)] == ["20261205-100100", "20261205-100000"]
    keys = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    lr_row = keys.index("training.optimizer.lr")
    assert [table.item(lr_row, c).text() for c in range(2)] == ["0.01", "0.001"]
    assert table.item(lr_row, 0).font().bold() and not table.item(keys.index("data.batch_size"), 0).font().bold()
    assert len(dash.curves.saved_items) == 4
    assert {item.name() for _p, item in dash.curves.saved_items} == {"optimizer.lr=0.01", "optimizer.lr=0.001", None}
    dash.runs.differences_box.click()
    keys = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert "training.optimizer.lr" in keys and "val_loss" in keys and "data.batch_size" not in keys
    click_check(qtbot, dash.runs.tree, 1)  # untick: its overlay goes
    assert len(dash.curves.saved_items) == 2 and dash.runs.table.columnCount() == 1


def test_clicking_a_run_plots_its_gradient_norms(make_window, project, qtbot) -> None:
    _win, dash = open_runs(make_window, project, qtbot)
    tree = dash.runs.tree
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(tree.topLevelItem(1)).center())
    view = dash.runs.grad_view
    assert view.run is not None and view.run.name == "seed-20261205-100100"
    assert set(view.lines) == {"fc1", "fc2", "fc3"}
    x, y = view.lines["fc1"].getData()
    assert list(x) == [1.0, 2.0, 3.0] and np.allclose(10 ** np.asarray(y), [0.5, 0.25, 0.125])  # a log axis
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(tree.topLevelItem(2)).center())
    assert view.lines == {} and "no gradient norms" in view.plot.getPlotItem().titleLabel.text


def test_resume_is_offered_only_for_interrupted_runs_where_the_window_can_resume(make_window, project, qtbot,
                                                                                  monkeypatch) -> None:
    win, dash = open_runs(make_window, project, qtbot)
    runs, tree = dash.runs, dash.runs.tree
    monkeypatch.setattr(type(win), "resume_run", None, raising=False)  # a window that cannot resume runs
    tree.setCurrentItem(tree.topLevelItem(0))  # interrupted, with a checkpoint
    assert runs.resume_button.isHidden()  # a window that cannot resume offers nothing
    asked: list[Path] = []
    monkeypatch.setattr(type(win), "resume_run", lambda self, run_dir: asked.append(Path(run_dir)), raising=False)
    tree.setCurrentItem(tree.topLevelItem(1))  # completed
    assert not runs.resume_button.isHidden() and not runs.resume_button.isEnabled()
    tree.setCurrentItem(tree.topLevelItem(0))
    assert runs.resume_button.isEnabled()
    runs.resume_button.click()
    assert asked == [project.parent / "runs" / "seed-20261205-100200"]


def test_a_run_from_an_older_version_is_marked_with_what_to_do(make_window, project, qtbot) -> None:
    old = project.parent / "runs" / "seed-20261205-100200"  # interrupted, with a checkpoint
    (old / "run.json").write_text('{"project": "seed", "class": "Seed", "stop_reason": "stopped"}')  # no run_format
    _win, dash = open_runs(make_window, project, qtbot)
    tree = dash.runs.tree
    assert [tree.topLevelItem(i).text(1) for i in range(3)] == ["interrupted (older version)", "completed", "completed"]
    assert "cannot be exported" in tree.topLevelItem(0).toolTip(1) and "Resume it" in tree.topLevelItem(0).toolTip(1)
    assert tree.topLevelItem(1).toolTip(1) == ""
    tree.setCurrentItem(tree.topLevelItem(0))
    assert dash.runs.resume_button.isEnabled()  # the note's advice can be followed from here


def train(dash, qtbot, epochs: int = 2):
    dash.setup.epochs.setValue(epochs)
    with qtbot.waitSignal(dash.runFinished, timeout=60000) as blocker:
        assert dash.start()
    return blocker.args[0]


@pytest.mark.slow
def test_a_gui_run_is_saved_and_listed_after_a_restart(make_window, project, qtbot, tmp_path) -> None:
    win, dash = open_runs(make_window, project, qtbot)
    dash.setup.lr.setValue(0.02)
    result = train(dash, qtbot)
    record = dash.history.last
    folder = record.folder
    assert result.stop_reason == "completed" and folder is not None and folder.parent == project.parent / "runs"
    assert {"weights.safetensors", "model.py", "history.json", "run.json", "project.nnb"} <= {
        p.name for p in folder.iterdir()}
    assert str(folder) in dash.status.text()
    assert folder.name.endswith(dash.runs.tree.topLevelItem(0).text(0))  # newest first, listed at once
    assert dash.runs.tree.topLevelItem(0).text(1) == "completed"
    assert dash.autosave(record) == folder  # the same run written again: the same folder, not a second one
    assert len(list((project.parent / "runs").iterdir())) == 4
    assert win.close()

    again = make_window(project)  # a new window, as after a restart
    assert again.open_path(str(project))
    board = again.show_dashboard()
    board.tabs.setCurrentWidget(board.runs)
    names = [board.runs.tree.topLevelItem(i).text(0) for i in range(board.runs.tree.topLevelItemCount())]
    assert folder.name == f"seed-{names[0]}" and len(names) == 4
    saved = board.runs.runs[0]
    assert saved.training["optimizer"]["lr"] == pytest.approx(0.02) and len(saved.history) == 2
    assert set(saved.grad_norm) == {"fc1", "fc2", "fc3"} and all(len(v) == 2 for v in saved.grad_norm.values())
    qtbot.mouseClick(board.runs.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=board.runs.tree.visualItemRect(board.runs.tree.topLevelItem(0)).center())
    assert set(board.runs.grad_view.lines) == {"fc1", "fc2", "fc3"}  # the GUI run's gradient norms, plotted


@pytest.mark.slow
def test_an_unsaved_projects_run_goes_to_the_home_runs_folder(make_window, qtbot, tmp_path) -> None:
    win = make_window(examples_dir() / "spirals_mlp.nnb")  # opened as an example: no file of its own
    dash = win.show_dashboard()
    qtbot.waitUntil(lambda: dash.data_view.result is not None, timeout=10000)
    train(dash, qtbot, epochs=1)
    folder = dash.history.last.folder
    assert folder is not None and folder.parent == tmp_path / "unsaved-runs"
    assert "not saved" in dash.status.text() and str(tmp_path / "unsaved-runs") in dash.status.text()
    assert [r.folder for r in dash.runs.runs] == [folder]


def test_a_run_the_training_process_saved_itself_is_listed_not_written_twice(make_window, project, qtbot) -> None:
    """Stop (or a resumed run) makes the training process write the run folder: the dashboard then lists that
    folder instead of writing a second one for the same run."""
    from nnbuilder.app.dashboard.history import RunRecord

    _win, dash = open_runs(make_window, project, qtbot)
    runs = project.parent / "runs"
    written = write_run(runs / "seed-20261205-100300", 0.1, [0.7], stop_reason="interrupted", checkpoint=True)
    record = RunRecord(9, "seed", np.zeros(1), np.zeros(1), object(), object())
    assert dash.autosave(record, planned=runs / "seed-20261205-100300", written=written) == written
    assert record.folder == written and len(list(runs.iterdir())) == 4
    assert dash.runs.tree.topLevelItem(0).text(0) == "20261205-100300"


def test_saving_an_example_moves_its_runs_beside_the_file(make_window, qtbot, tmp_path) -> None:
    win = make_window(SEED)  # an example: no file, its runs go to the unsaved folder
    dash = win.show_dashboard()
    assert dash.project_path is None and str(tmp_path / "unsaved-runs") in dash.runs.folder_label.text()
    target = tmp_path / "mine" / "seed.nnb"
    target.parent.mkdir()
    write_run(target.parent / "runs" / "seed-20261205-100000", 0.01, [0.5])  # a CLI run of the saved file
    assert win._write(str(target))  # File ▸ Save As
    assert dash.project_path == str(target)
    assert str(target.parent / "runs") in dash.runs.folder_label.text() and dash.runs.tree.topLevelItemCount() == 1
