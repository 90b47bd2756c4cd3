"""A student's first hour (issue 16): settings follow the data, the run is checked before Start."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from nnbuilder.app.dashboard.panel import FAILED_TEXT

ROOT = Path(__file__).resolve().parents[2]
SPIRALS = ROOT / "nnbuilder" / "examples" / "spirals_mlp.nnb"


def _dashboard(window, qtbot):
    dash = window.show_dashboard()
    qtbot.waitUntil(lambda: dash.data_view.result is not None, timeout=15000)
    return dash


def _choose(qtbot, combo, value: str) -> None:
    """Pick ``value`` in a combo box as a user does: click it open, point at the entry, Enter."""
    target = combo.findData(value)
    assert target >= 0
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=3000)
    index = view.model().index(target, 0)
    view.scrollTo(index)
    view.setCurrentIndex(index)  # the entry under the pointer
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=3000)
    assert combo.currentData() == value


def test_regression_data_set_proposes_mse_output_size_and_metric_as_one_undo_step(make_window, qtbot) -> None:
    window = make_window(SPIRALS, height=900)
    dash = _dashboard(window, qtbot)
    assert window.project.training["loss"] == "CrossEntropyLoss"
    assert window.doc.node("logits").params["out_features"] == 2
    depth = window.stack.index()

    _choose(qtbot, dash.setup.dataset, "seed_regression")

    assert window.project.data["dataset"] == "seed_regression"
    assert window.project.training["loss"] == "MSELoss"
    assert window.doc.node("logits").params["out_features"] == 1
    assert dash.setup.loss.currentData() == "MSELoss"  # the panel shows it
    assert dash.note.isVisible() and "MSELoss" in dash.note.text() and "R²" in dash.note.text()
    assert "out_features 2 → 1" in dash.note.text()
    assert window.stack.index() == depth + 1  # one undo step

    window.undo()
    assert window.project.data["dataset"] == "spirals"
    assert window.project.training["loss"] == "CrossEntropyLoss"
    assert window.doc.node("logits").params["out_features"] == 2
    assert dash.setup.loss.currentData() == "CrossEntropyLoss"


def test_wrong_loss_is_named_before_start_and_the_status_never_points_at_nothing(make_window, qtbot) -> None:
    window = make_window(SPIRALS, height=900)
    dash = _dashboard(window, qtbot)
    _choose(qtbot, dash.setup.dataset, "seed_regression")
    qtbot.waitUntil(lambda: (dash.data_view.result or {}).get("task") == "regression", timeout=15000)
    _choose(qtbot, dash.setup.loss, "CrossEntropyLoss")  # the student puts the wrong loss back

    qtbot.mouseClick(dash.start_button, Qt.MouseButton.LeftButton)
    assert not dash.running
    assert dash.message.isVisible() and "choose MSELoss" in dash.message.text()

    (use,) = dash.fixes.buttons
    assert use.text() == "Use MSELoss"
    qtbot.mouseClick(use, Qt.MouseButton.LeftButton)  # the one-click fix
    assert window.project.training["loss"] == "MSELoss"
    assert not dash.message.isVisible()
    assert dash.status.text() != FAILED_TEXT and "message below" not in dash.status.text()


def test_failed_status_is_cleared_with_its_message(make_window, qtbot) -> None:
    window = make_window(SPIRALS, height=900)
    dash = _dashboard(window, qtbot)
    dash.status.setText(FAILED_TEXT)
    dash.say("CrossEntropyLoss: targets must be integer class indices")
    _choose(qtbot, dash.setup.optimizer, "SGD")  # any later setup edit re-checks and clears the message
    assert not dash.message.isVisible()
    assert dash.status.text() != FAILED_TEXT


def test_core_names_the_loss_for_regression_targets() -> None:
    from nnbuilder.graph.project import load_project
    from nnbuilder.pipeline import PipelineError, prepare

    project = load_project(ROOT / "nnbuilder" / "examples" / "seed_regression.nnb")
    project.training = {**project.training, "loss": "CrossEntropyLoss"}
    with pytest.raises(PipelineError) as info:
        prepare(project)
    assert any(where == "training.loss" and "MSELoss" in msg for where, msg in info.value.problems)


def test_regression_sets_have_scalar_targets() -> None:
    """task_defaults.output_size proposes 1 unit for regression: true of every registered regression set."""
    from nnbuilder.app.dashboard.task_defaults import output_size
    from nnbuilder.data import list_datasets, load_data

    for info in list_datasets():
        if info.task == "regression":
            bundle = load_data({"dataset": info.name})
            assert output_size(info) == max(1, int(__import__("math").prod(bundle.target_shape)))


EXAMPLES = sorted((ROOT / "nnbuilder" / "examples").glob("*.nnb"))


def _outside(window) -> list[str]:
    view = window.view
    viewport = view.viewport().rect()
    return [item.node_id for item in view.graph_scene().node_items()
            if not viewport.contains(view.mapFromScene(item.sceneBoundingRect()).boundingRect())]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_frame_all_fits_every_node_of_every_example_readably_at_1280x720(make_window, qtbot, path) -> None:
    from nnbuilder.app.canvas.view import FRAME_MIN_ZOOM

    window = make_window(path, height=720)
    window.resize(1280, 720)
    qtbot.wait(50)
    opened = _outside(window)  # at launch/open
    window.view.scale(0.5, 0.5)
    window.view.centerOn(5000, 5000)  # the student wandered off
    qtbot.keyClick(window.view, Qt.Key.Key_F)
    assert window.view.zoom() >= FRAME_MIN_ZOOM - 1e-9
    assert _outside(window) == opened  # F frames as launch does
    if opened:  # larger than the view at the readable zoom (the deep lesson nets): readable, starting at the input
        assert window.view.zoom() == pytest.approx(FRAME_MIN_ZOOM)
        inputs = [n.id for n in window.doc.nodes if n.type == "Input"]
        assert not set(inputs) & set(opened), opened
        assert len(opened) < len(window.doc.nodes)


def test_auto_layout_wraps_a_long_chain_at_readable_zoom(make_window, qtbot) -> None:
    from nnbuilder.app.canvas.view import FRAME_MIN_ZOOM
    from nnbuilder.graph.commands import MoveNodes

    window = make_window(ROOT / "nnbuilder" / "examples" / "lenet_cnn.nnb", height=720)
    window.resize(1280, 720)
    qtbot.wait(50)
    from nnbuilder.app.undo import push

    push(window.stack, window.doc, MoveNodes({n.id: (i * 300.0, 0.0) for i, n in enumerate(window.doc.nodes)}))
    window.menu_actions["auto_layout"].trigger()
    assert not _outside(window)
    assert window.view.zoom() >= FRAME_MIN_ZOOM - 1e-9
    ys = {round(n.pos[1]) for n in window.doc.nodes}
    assert len(ys) > 1  # wrapped into bands


def test_opening_another_project_clears_the_dashboard(make_window, qtbot) -> None:
    window = make_window(SPIRALS, height=900)
    window.project.training = {**window.project.training, "epochs": 1}
    dash = _dashboard(window, qtbot)
    with qtbot.waitSignal(dash.runFinished, timeout=60000):
        qtbot.mouseClick(dash.start_button, Qt.MouseButton.LeftButton)
    assert len(dash.curves.losses) and dash.curves.metric_names[0] == "accuracy"
    assert dash.status.text() != "Ready."

    action = next(a for a in window.examples_menu.actions() if a.text() == "seed regression")
    action.trigger()  # Examples ▸ seed regression

    assert window.project.data["dataset"] == "seed_regression"
    assert not len(dash.curves.losses) and not len(dash.curves.metric_values)
    assert dash.curves.raw.getData()[0] is None or not len(dash.curves.raw.getData()[0])
    assert dash.curves.metric_names[0] == "r2"
    assert dash.status.text() == "Ready." and not dash.message.isVisible()
    assert dash.progress.value() == 0


def _click_edge(qtbot, window, key) -> None:
    edge = window.scene.edge_item(key)
    point = edge.path().pointAtPercent(0.5)
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.view.mapFromScene(edge.mapToScene(point)))
    assert edge.isSelected()


def test_one_missing_link_marks_only_its_two_ends(make_window, qtbot) -> None:
    window = make_window(SPIRALS, height=720)
    window.resize(1280, 720)
    qtbot.wait(50)
    _click_edge(qtbot, window, ("logits", 0, "out", 0))
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert window.doc.find_edge(("logits", 0, "out", 0)) is None
    window.runner.run_now()
    red = sorted(i.node_id for i in window.scene.node_items() if i.issue_severity == "error")
    assert red == ["logits", "out"]
    texts = [window.problems.item(i).text() for i in range(window.problems.count())]
    assert sum("does not lead to any Output" in t for t in texts) == 1


def _graph(*nodes):
    import itertools

    from nnbuilder.graph.document import Edge, GraphDocument
    from nnbuilder.graph.project import Project

    for i, node in enumerate(nodes):
        node.pos = (i * 240.0, 0.0)
    return Project("fixes", GraphDocument(list(nodes), [Edge(a.id, b.id) for a, b in itertools.pairwise(nodes)]))


def _fix(qtbot, window, label_start: str) -> None:
    """Click the Problems panel's fix button whose label starts with ``label_start``."""
    window.problems_dock.raise_()
    (button,) = [b for b in window.problems.fix_buttons if b.text().startswith(label_start)]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    window.runner.run_now()


def test_problem_fix_insert_flatten_is_one_step_and_leaves_the_graph_valid(make_window, qtbot) -> None:
    from nnbuilder.graph.document import Node

    project = _graph(Node("img", "Input", {"shape": [1, 28, 28]}), Node("conv", "Conv2d", {"out_channels": 6}),
                     Node("fc", "Linear", {"in_features": 784, "out_features": 10}), Node("y", "Output"))
    window = make_window(project)
    assert window.analysis.errors
    depth = window.stack.index()
    _fix(qtbot, window, "Insert Flatten")
    assert not window.analysis.errors
    assert any(n.type == "Flatten" for n in window.doc.nodes) and window.stack.index() == depth + 1
    window.undo()
    window.runner.run_now()
    assert not any(n.type == "Flatten" for n in window.doc.nodes) and window.analysis.errors


def test_conv_after_linear_fix_does_not_lead_into_a_second_error(make_window, qtbot) -> None:
    from nnbuilder.graph.document import Node

    project = _graph(Node("x", "Input", {"shape": [2]}), Node("fc", "Linear", {"out_features": 1}),
                     Node("conv", "Conv2d", {"out_channels": 4}), Node("flat", "Flatten"), Node("y", "Output"))
    window = make_window(project)
    assert [i.node for i in window.analysis.errors] == ["conv"]
    _fix(qtbot, window, "Make 'fc' give")
    assert not window.analysis.errors, [i.text() for i in window.analysis.errors]


def test_problem_fix_set_in_features_and_connect_to_output(make_window, qtbot) -> None:
    from nnbuilder.graph.document import Node

    project = _graph(Node("x", "Input", {"shape": [3]}), Node("fc", "Linear", {"in_features": 5, "out_features": 2}),
                     Node("y", "Output"))
    window = make_window(project)
    _fix(qtbot, window, "Set in_features = 3")
    assert window.doc.node("fc").params["in_features"] == 3 and not window.analysis.errors
    window.doc.pop_edge(("fc", 0, "y", 0))
    window.runner.run_now()
    _fix(qtbot, window, "Connect to 'y'")
    assert not window.analysis.errors


def test_loss_axis_follows_progress_whole_run_view_and_slow_motion(make_window, qtbot) -> None:
    import time

    from nnbuilder.app.dashboard.panel import WATCH_DELAY_S

    window = make_window(SPIRALS, height=900)
    window.project.training = {**window.project.training, "epochs": 50}
    dash = _dashboard(window, qtbot)
    qtbot.mouseClick(dash.watch_box, Qt.MouseButton.LeftButton)
    assert dash.watch_box.isChecked()
    qtbot.mouseClick(dash.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dash._plan is not None and len(dash.curves.losses) >= 5, timeout=60000)
    first, started = len(dash.curves.losses), time.perf_counter()
    qtbot.waitUntil(lambda: len(dash.curves.losses) >= first + 20, timeout=20000)
    rate = (len(dash.curves.losses) - first) / (time.perf_counter() - started)
    assert rate < 1.3 / WATCH_DELAY_S  # slow motion: about 20 steps a second, not thousands
    total = dash._plan.total_steps
    right = dash.curves.loss_plot.getPlotItem().viewRange()[0][1]
    assert dash.curves.losses.x[-1] <= right < 0.5 * total  # the axis follows the steps done, not the plan
    qtbot.mouseClick(dash.curves.whole_run_box, Qt.MouseButton.LeftButton)
    assert dash.curves.whole_run_box.isChecked()
    assert dash.curves.loss_plot.getPlotItem().viewRange()[0][1] >= total
    qtbot.mouseClick(dash.watch_box, Qt.MouseButton.LeftButton)  # full speed again, mid-run
    assert dash.job.options.step_delay == 0
    with qtbot.waitSignal(dash.runFinished, timeout=60000):
        qtbot.mouseClick(dash.stop_button, Qt.MouseButton.LeftButton)


def test_planned_lr_follows_epoch_and_schedule_edits_before_start(make_window, qtbot) -> None:
    window = make_window(SPIRALS, height=900)
    dash = _dashboard(window, qtbot)
    qtbot.waitUntil(lambda: dash.curves.lr_preview.getData()[0] is not None
                    and len(dash.curves.lr_preview.getData()[0]) > 0, timeout=10000)
    epochs = dash.setup.epochs.value()
    per_epoch = len(dash.curves.lr_preview.getData()[0]) // epochs
    lr_right = lambda: dash.curves.lr_plot.getPlotItem().viewRange()[0][1]

    qtbot.keyClick(dash.setup.epochs, Qt.Key.Key_Up)  # the spin box's arrow
    assert len(dash.curves.lr_preview.getData()[0]) == (epochs + 1) * per_epoch
    dash.setup.epochs.lineEdit().selectAll()
    qtbot.keyClicks(dash.setup.epochs.lineEdit(), "40")  # typed, not committed yet
    assert len(dash.curves.lr_preview.getData()[0]) == 40 * per_epoch
    assert lr_right() >= 40 * per_epoch
    _choose(qtbot, dash.setup.scheduler, "CosineAnnealingLR")
    values = dash.curves.lr_preview.getData()[1]
    assert values[-1] < values[0]  # the cosine decay is drawn at once


def test_closing_the_training_dock_gives_its_space_back_to_the_canvas(make_window, qtbot) -> None:
    window = make_window(SPIRALS, height=720)
    window.resize(1280, 720)
    qtbot.wait(100)
    before = window.view.height()
    dash = _dashboard(window, qtbot)
    qtbot.wait(100)
    assert window.view.height() < before
    assert window.view.height() >= 0.3 * window.height()  # a usable canvas beside the dashboard
    assert dash.curves.compact  # plots side by side in a short dock
    window.training_dock.toggleViewAction().trigger()  # Panels ▸ Training off (or its close button)
    qtbot.waitUntil(lambda: window.view.height() >= before - 4, timeout=3000)


def test_dark_theme_reaches_the_dashboard_plots(make_window, qtbot) -> None:
    from nnbuilder.app.dashboard.plot_theme import PLOT_BACKGROUND

    window = make_window(SPIRALS, height=720)
    dash = _dashboard(window, qtbot)
    window.findChild(type(window.menu_actions["undo"]), "theme_dark").trigger()  # View ▸ Theme ▸ Dark
    for plot in (dash.curves.loss_plot, dash.curves.metric_plot, dash.curves.lr_plot):
        assert plot.backgroundBrush().color().name() == PLOT_BACKGROUND["dark"]
    window.findChild(type(window.menu_actions["undo"]), "theme_light").trigger()
    assert dash.curves.loss_plot.backgroundBrush().color().name() == PLOT_BACKGROUND["light"]


def test_shortcuts_sheet_is_aligned_and_complete(qapp) -> None:  # key names need a QApplication
    import re

    from nnbuilder.app.window.actions import shortcuts_text

    text = shortcuts_text()
    assert not re.search(r"\bF(1[3-9]|20)\b", text)
    for words in ("Mouse wheel", "pan the canvas", "delete that connection", "Ctrl+Z", "Ctrl+Q"):
        assert words in text
    lines = [line for line in text.splitlines() if line]
    starts = {len(line) - len(line.split("  ")[-1].lstrip()) for line in lines}
    assert len(starts) == 1  # one description column


def test_ctrl_z_undoes_while_an_inspector_field_has_focus(make_window, qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    from nnbuilder.app.undo import push
    from nnbuilder.graph.commands import SetParam

    window = make_window(SPIRALS, height=720, exposed=True)
    push(window.stack, window.doc, SetParam("fc1", "out_features", 32))
    window.select_node("fc1")
    from PySide6.QtWidgets import QAbstractSpinBox

    inspector = window.inspector_dock.widget()
    fields = [w for w in inspector.findChildren(QAbstractSpinBox) if w.isVisible()]
    assert fields
    fields[0].setFocus()
    qtbot.waitUntil(lambda: fields[0].hasFocus() or fields[0].isAncestorOf(QApplication.focusWidget()), timeout=2000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.doc.node("fc1").params["out_features"] == 64


def test_minimap_stays_hidden_for_a_one_node_graph(make_window, qtbot) -> None:
    from nnbuilder.graph.document import GraphDocument, Node
    from nnbuilder.graph.project import Project

    window = make_window(Project("one", GraphDocument([Node("x", "Input", {"shape": [2]}, (0.0, 0.0))])))
    for _ in range(12):
        window.view.zoom_by(1.3)  # zoomed in: the node no longer fits
    window.view.minimap.sync()
    assert window.view.minimap.isHidden()


def test_export_defaults_to_the_project_folder_with_a_safe_name(make_window, qtbot, monkeypatch, tmp_path) -> None:
    from nnbuilder.app.window import dialogs

    asked: list[str] = []
    monkeypatch.setattr(dialogs, "get_export_path", lambda _parent, suggestion="": asked.append(suggestion) or "")
    window = make_window(ROOT / "nnbuilder" / "examples" / "lenet_cnn.nnb", height=720)
    window.menu_actions["export"].trigger()
    assert Path(asked[-1]).name == "lenet_cnn.py" and Path(asked[-1]).parent != Path.cwd()
    target = tmp_path / "My Net (v2).nnb"
    assert window._write(str(target))
    window.menu_actions["export"].trigger()
    assert Path(asked[-1]) == tmp_path / "my_net_v2.py"
