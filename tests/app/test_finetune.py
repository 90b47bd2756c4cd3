"""Fine-tuning in the inspector: freeze checklist, counts, weights field, Replace head, LR multipliers."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox

from nnbuilder.app.backbone_editors import BlocksEditor, WeightsEditor
from nnbuilder.app.window import MainWindow, dialogs
from nnbuilder.app.window.inspector import LR_DEFAULT_TEXT
from nnbuilder.backbones.catalog import block_names
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project, save_project


def backbone_project(data: dict | None = None, backbone_id: str = "bb") -> Project:
    nodes = [Node("in", "Input", {"shape": [3, 32, 32]}, (0.0, 0.0)),
             Node(backbone_id, "Backbone", {"model": "resnet18", "output": "features"}, (220.0, 0.0)),
             Node("out", "Output", {}, (440.0, 0.0))]
    edges = [Edge("in", backbone_id), Edge(backbone_id, "out")]
    return Project("finetune", GraphDocument(nodes, edges),
                   data=data if data is not None else {"dataset": "cifar10", "params": {}})




def analysed(qtbot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: not win.runner.pending, timeout=5000)


def freeze_editor(win: MainWindow) -> BlocksEditor:
    editor = win.inspector.rows["freeze"].editor
    assert isinstance(editor, BlocksEditor)
    return editor


def test_selecting_a_backbone_lists_its_blocks_and_counts(make_window):
    win = make_window(backbone_project())
    win.select_node("bb")
    editor = freeze_editor(win)
    assert list(editor.boxes) == list(block_names("resnet18", "features"))
    assert not any(box.isChecked() for box in editor.boxes.values())
    info = win.analysis.nodes["bb"]
    assert info.trainable == info.param_count > 0
    assert win.inspector.counts_label.text() == f"{info.param_count:,} trainable · 0 frozen"
    assert win.inspector.head_button is not None and win.inspector.head_button.isEnabled()


def test_toggling_a_block_is_one_undoable_set_param_and_counts_follow(qtbot, make_window):
    win = make_window(backbone_project())
    win.select_node("bb")
    total = win.analysis.nodes["bb"].param_count
    before = win.stack.count()
    freeze_editor(win).boxes["layer1"].click()
    assert win.stack.count() == before + 1
    assert win.doc.node("bb").params["freeze"] == ["layer1"]
    assert "updating" in win.inspector.counts_label.text()
    analysed(qtbot, win)
    frozen = total - win.analysis.nodes["bb"].trainable
    assert frozen > 0
    assert win.inspector.counts_label.text() == f"{total - frozen:,} trainable · {frozen:,} frozen"
    freeze_editor(win).boxes["conv1"].click()
    assert win.doc.node("bb").params["freeze"] == ["conv1", "layer1"]  # model order
    win.stack.undo()
    assert win.doc.node("bb").params["freeze"] == ["layer1"]
    assert [n for n, b in freeze_editor(win).boxes.items() if b.isChecked()] == ["layer1"]
    win.stack.undo()
    assert win.doc.node("bb").params.get("freeze", "none") == "none"
    analysed(qtbot, win)
    assert win.inspector.counts_label.text() == f"{total:,} trainable · 0 frozen"


def test_freeze_all_and_unfreeze_all(qtbot, make_window):
    win = make_window(backbone_project())
    win.select_node("bb")
    editor = freeze_editor(win)
    editor.freeze_all.click()
    assert win.doc.node("bb").params["freeze"] == "all"
    assert all(b.isChecked() and b.isEnabled() for b in editor.boxes.values())  # top-level: can be unticked
    analysed(qtbot, win)
    assert win.analysis.nodes["bb"].trainable == 0
    editor.unfreeze_all.click()
    assert win.doc.node("bb").params["freeze"] == "none"
    assert not any(b.isChecked() for b in editor.boxes.values())
    win.stack.undo()
    assert win.doc.node("bb").params["freeze"] == "all"


def tick(box: QCheckBox) -> None:
    """A real left click on the check box's indicator, as a user ticks (or unticks) it."""
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(6, box.height() // 2))


def ticked(editor: BlocksEditor) -> list[str]:
    return [name for name, box in editor.boxes.items() if box.isChecked()]


def test_ticking_every_block_writes_all_like_the_canvas_and_each_tick_is_one_undo_step(make_window):
    win = make_window(backbone_project())
    win.select_node("bb")
    names = list(block_names("resnet18", "features"))
    for i, name in enumerate(names):
        before = win.stack.count()
        tick(freeze_editor(win).boxes[name])
        assert win.stack.count() == before + 1
        assert win.doc.node("bb").params["freeze"] == (names[:i + 1] if i + 1 < len(names) else "all")
    assert ticked(freeze_editor(win)) == names
    assert win.inspector.unfreeze.rows[0] == (None, "whole backbone")  # "all" offers the whole backbone
    win.stack.undo()  # one step back: the list without the last block, no whole-backbone row
    assert win.doc.node("bb").params["freeze"] == names[:-1]
    assert ticked(freeze_editor(win)) == names[:-1]
    assert (None, "whole backbone") not in win.inspector.unfreeze.rows
    win.stack.redo()
    assert win.doc.node("bb").params["freeze"] == "all"
    assert win.inspector.unfreeze.rows[0] == (None, "whole backbone")
    tick(freeze_editor(win).boxes["layer2"])  # unticking one block from "all" keeps the others frozen
    assert win.doc.node("bb").params["freeze"] == [n for n in names if n != "layer2"]
    tick(freeze_editor(win).boxes["layer2"])
    assert win.doc.node("bb").params["freeze"] == "all"
    for name in names:
        tick(freeze_editor(win).boxes[name])
    assert win.doc.node("bb").params["freeze"] == "none"  # never []
    assert ticked(freeze_editor(win)) == []


def test_ticking_the_only_top_level_block_writes_all(make_window):
    project = backbone_project()
    project.graph.node("bb").params["model"] = "mobilenet_v2"
    win = make_window(project)
    win.select_node("bb")
    tick(freeze_editor(win).boxes["features.3"])
    assert win.doc.node("bb").params["freeze"] == ["features.3"]
    tick(freeze_editor(win).boxes["features"])  # covers features.3 and every other block
    assert win.doc.node("bb").params["freeze"] == "all"
    editor = freeze_editor(win)
    assert ticked(editor) == list(editor.blocks)
    assert [n for n, b in editor.boxes.items() if b.isEnabled()] == ["features"]
    tick(editor.boxes["features"])
    assert win.doc.node("bb").params["freeze"] == "none"


def test_opening_a_project_frozen_all_ticks_every_box(make_window, tmp_path):
    project = backbone_project()
    project.graph.node("bb").params["freeze"] = "all"
    win = make_window(save_project(project, tmp_path / "frozen.nnb"))
    win.select_node("bb")
    editor = freeze_editor(win)
    assert win.doc.node("bb").params["freeze"] == "all"
    assert editor.boxes and ticked(editor) == list(editor.blocks)
    assert not editor.freeze_all.isEnabled() and editor.unfreeze_all.isEnabled()
    assert win.inspector.unfreeze.rows[0] == (None, "whole backbone")


def test_weights_field_and_file_picker(qtbot, make_window, monkeypatch, tmp_path):
    win = make_window(backbone_project())
    win.select_node("bb")
    editor = win.inspector.rows["weights"].editor
    assert isinstance(editor, WeightsEditor)
    assert win.inspector.rows["weights"].none_box is None  # empty text is null
    editor.edit.setText("IMAGENET1K_V1")
    editor.edit.editingFinished.emit()
    assert win.doc.node("bb").params["weights"] == "IMAGENET1K_V1"
    path = str(tmp_path / "resnet18.safetensors")
    monkeypatch.setattr(dialogs, "open_weights_file", lambda _parent: path)
    editor.browse.click()
    assert win.doc.node("bb").params["weights"] == path
    editor.edit.setText("")
    editor.edit.editingFinished.emit()
    assert win.doc.node("bb").params["weights"] is None
    win.stack.undo()
    assert win.doc.node("bb").params["weights"] == path
    editor.edit.setText("not a weights name")
    editor.edit.editingFinished.emit()
    assert win.doc.node("bb").params["weights"] == path  # refused, marked red
    assert "border" in editor.edit.styleSheet()


def test_replace_head_adds_a_sized_linear_and_undo_removes_it(qtbot, make_window):
    win = make_window(backbone_project({"dataset": "cifar10", "params": {}}))
    win.select_node("bb")
    before = win.stack.count()
    head = win.inspector.replace_head()
    assert win.stack.count() == before + 1
    assert win.doc.node(head).type == "Linear"
    assert win.doc.node(head).params["out_features"] == 10
    assert {(e.source, e.target) for e in win.doc.edges} == {("in", "bb"), ("bb", head), (head, "out")}
    analysed(qtbot, win)
    assert win.analysis.valid
    assert win.analysis.nodes["out"].output_shape == (10,)
    assert win.analysis.nodes[head].param_count == 512 * 10 + 10
    win.stack.undo()
    assert not win.doc.has_node(head)
    assert {(e.source, e.target) for e in win.doc.edges} == {("in", "bb"), ("bb", "out")}
    win.stack.redo()
    assert win.doc.has_node(head)


def test_replace_head_replaces_an_old_head_chain(make_window):
    project = backbone_project({"dataset": "spirals", "params": {"classes": 4}})
    doc = project.graph
    doc.insert_node(Node("fc", "Linear", {"out_features": 64}, (440.0, 0.0)))
    doc.insert_node(Node("act", "ReLU", {}, (660.0, 0.0)))
    doc.pop_edge(("bb", 0, "out", 0))
    for a, b in (("bb", "fc"), ("fc", "act"), ("act", "out")):
        doc.insert_edge(Edge(a, b))
    win = make_window(project)
    win.select_node("bb")
    head = win.inspector.replace_head()
    assert not win.doc.has_node("fc") and not win.doc.has_node("act")
    assert win.doc.node(head).params["out_features"] == 4
    assert {(e.source, e.target) for e in win.doc.edges} == {("in", "bb"), ("bb", head), (head, "out")}
    win.stack.undo()
    assert win.doc.has_node("fc") and win.doc.has_node("act") and not win.doc.has_node(head)
    # a single Linear head of another size is resized in place
    win.stack.redo()
    win.project.data = {"dataset": "seed_regression", "params": {}}
    assert win.inspector.replace_head() == head
    assert win.doc.node(head).params["out_features"] == 1


def test_replace_head_asks_when_the_data_set_does_not_say(make_window, monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_classes", lambda _p, why: asked.append(why) or 7)
    win = make_window(backbone_project({"dataset": "image_folder", "params": {"path": ""}}))
    win.select_node("bb")
    head = win.inspector.replace_head()
    assert asked and win.doc.node(head).params["out_features"] == 7
    monkeypatch.setattr(dialogs, "ask_classes", lambda _p, _why: None)
    win.stack.undo()
    count = win.stack.count()
    assert win.inspector.replace_head() is None  # cancelled: nothing changes
    assert win.stack.count() == count


def test_replace_head_is_disabled_for_logits(qtbot, make_window):
    win = make_window(backbone_project())
    win.select_node("bb")
    win.inspector.rows["output"].changed.emit("output", "logits", False)
    assert not win.inspector.head_button.isEnabled()


def test_lr_multiplier_is_an_undoable_training_edit(qtbot, make_window):
    win = make_window(backbone_project())
    win.select_node("bb")
    edit = win.inspector.lr_edit
    assert edit.isVisible() and edit.text() == LR_DEFAULT_TEXT
    assert not win.isWindowModified()
    edit.edit.setText("0.1")
    edit.edit.editingFinished.emit()
    assert win.project.training["lr_multipliers"] == {"bb": 0.1}
    assert win.isWindowModified()
    assert edit.text() == "×0.1"
    assert win.project.to_json()["training"]["lr_multipliers"] == {"bb": 0.1}  # saved with the project
    win.stack.undo()
    assert win.project.training is None
    assert edit.text() == LR_DEFAULT_TEXT
    assert not win.isWindowModified()
    win.stack.redo()
    assert win.project.training["lr_multipliers"] == {"bb": 0.1}
    edit.reset.click()
    assert "lr_multipliers" not in win.project.training
    edit.edit.setText("-3")
    edit.edit.editingFinished.emit()
    assert "lr_multipliers" not in win.project.training  # refused


def test_lr_multiplier_uses_the_attribute_name(qtbot, make_window):
    win = make_window(backbone_project(backbone_id="my backbone"))
    win.project.training = {"loss": "CrossEntropyLoss", "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 3}
    win.select_node("my backbone")
    win.inspector.lr_edit.edit.setText("×0.01")
    win.inspector.lr_edit.edit.editingFinished.emit()
    assert win.project.training["lr_multipliers"] == {"my_backbone": 0.01}
    assert win.project.training["epochs"] == 3  # the rest of the section is kept


def test_lr_multiplier_hidden_for_nodes_without_parameters(make_window):
    win = make_window(backbone_project())
    win.select_node("out")
    assert not win.inspector.lr_edit.isVisible()
    assert win.inspector.counts_label.text() == "none"


def test_lr_multiplier_reaches_the_dashboard_setup(qtbot, make_window):
    win = make_window(backbone_project())
    dashboard = win.ensure_dashboard()
    win.select_node("bb")
    win.inspector.lr_edit.edit.setText("0.5")
    win.inspector.lr_edit.edit.editingFinished.emit()
    assert dashboard.setup.training.get("lr_multipliers") == {"bb": 0.5}
    win.stack.undo()
    assert "lr_multipliers" not in (dashboard.setup.training or {})


def test_expand_backbone_replaces_it_by_its_layers_in_one_undo_step(qtbot, make_window):
    project = backbone_project()
    project.graph.insert_node(Node("head", "Linear", {"out_features": 3}, (440.0, 120.0)))
    project.graph.pop_edge(("bb", 0, "out", 0))
    project.graph.insert_edge(Edge("bb", "head"))
    project.graph.insert_edge(Edge("head", "out"))
    win = make_window(project)
    analysed(qtbot, win)
    params_before = win.analysis.total_params
    win.select_node("bb")
    before = win.stack.count()
    assert win.inspector.expand_backbone()
    assert win.stack.count() == before + 1
    assert not win.doc.has_node("bb") and len(win.doc) > 40
    assert all(n.type != "Backbone" for n in win.doc.nodes)
    win.runner.run_now()
    analysed(qtbot, win)
    assert win.analysis.valid
    assert win.analysis.total_params == params_before  # the same network, now as editable layers
    win.stack.undo()
    assert win.doc.has_node("bb") and len(win.doc) == 4
