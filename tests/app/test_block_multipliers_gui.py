"""Per-block LR multipliers of a Backbone in the inspector: one undoable ``training.lr_multipliers`` edit."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnbuilder.app.window import MainWindow
from nnbuilder.finetune_edits import inherited_multiplier, renamed_training
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project

TRAINING = {"loss": "CrossEntropyLoss", "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 3,
            "lr_multipliers": {"bb": 0.1}}


def project() -> Project:
    nodes = [Node("in", "Input", {"shape": [3, 32, 32]}, (0.0, 0.0)),
             Node("bb", "Backbone", {"model": "resnet18", "output": "features", "freeze": ["conv1"]}, (240.0, 0.0)),
             Node("head", "Linear", {"out_features": 10}, (480.0, 0.0)),
             Node("out", "Output", {}, (720.0, 0.0))]
    edges = [Edge("in", "bb"), Edge("bb", "head"), Edge("head", "out")]
    return Project("blocks", GraphDocument(nodes, edges), data={"dataset": "cifar10", "params": {}},
                   training={k: (dict(v) if isinstance(v, dict) else v) for k, v in TRAINING.items()})


@pytest.fixture
def win(make_window) -> MainWindow:
    return make_window(project())

def type_into(edit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key.Key_Return)


def test_block_multiplier_is_one_undoable_training_edit(win: MainWindow) -> None:
    win.select_node("bb")
    block_lr = win.inspector.block_lr
    assert block_lr is not None and block_lr.isVisible()
    assert block_lr.blocks[:2] == ("conv1", "bn1") and "layer4" in block_lr.blocks
    edit = block_lr.edits["layer4"]
    assert edit.text() == "" and edit.placeholderText() == "×0.1"  # inherits the node's multiplier
    before = win.stack.count()
    type_into(edit, "1")
    assert win.stack.count() == before + 1
    assert win.project.training["lr_multipliers"] == {"bb": 0.1, "bb.layer4": 1.0}
    assert win.inspector.block_lr.edits["layer4"].text() == "×1"
    win.stack.undo()
    assert win.project.training["lr_multipliers"] == {"bb": 0.1}
    assert win.inspector.block_lr.edits["layer4"].text() == ""
    win.stack.redo()
    assert win.project.training["lr_multipliers"] == {"bb": 0.1, "bb.layer4": 1.0}
    type_into(win.inspector.block_lr.edits["layer4"], "")  # empty: inherit again
    assert win.project.training["lr_multipliers"] == {"bb": 0.1}


def test_invalid_block_multiplier_changes_nothing(win: MainWindow) -> None:
    win.select_node("bb")
    before = win.stack.count()
    type_into(win.inspector.block_lr.edits["layer3"], "fast")
    assert win.stack.count() == before and win.project.training["lr_multipliers"] == {"bb": 0.1}
    assert "not a number" in win.inspector.block_lr.edits["layer3"].toolTip()


def test_node_multiplier_change_updates_the_inherited_placeholder(win: MainWindow) -> None:
    win.select_node("bb")
    type_into(win.inspector.lr_edit.edit, "0.5")
    assert win.project.training["lr_multipliers"] == {"bb": 0.5}
    assert win.inspector.block_lr.edits["layer2"].placeholderText() == "×0.5"


def test_other_nodes_have_no_block_table(win: MainWindow) -> None:
    win.select_node("head")
    assert win.inspector.block_lr is None


def test_block_keys_follow_a_rename_and_inherit_by_prefix() -> None:
    training = {"lr_multipliers": {"bb": 0.1, "bb.layer4": 1.0, "head": 2.0}}
    out, attrs = renamed_training(training, ["in", "bb", "head", "out"], "bb", "backbone", "Model")
    assert attrs["backbone"] == "backbone"
    assert out["lr_multipliers"] == {"backbone": 0.1, "backbone.layer4": 1.0, "head": 2.0}
    assert inherited_multiplier(training, "bb.layer4.0") == 1.0
    assert inherited_multiplier(training, "bb.layer3") == 0.1
    assert inherited_multiplier(training, "other.x") is None
