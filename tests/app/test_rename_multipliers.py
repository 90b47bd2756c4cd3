"""Renaming a node from the inspector keeps its ``training.lr_multipliers`` key (and ``unfreeze`` steps) in step."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnbuilder.app.window import MainWindow
from nnbuilder.finetune_edits import renamed_training
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project

TRAINING = {"loss": "CrossEntropyLoss", "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 3,
            "lr_multipliers": {"bb": 0.1, "head": 2.0}, "unfreeze": [{"epoch": 2, "module": "bb"}]}


def project(training: dict | None = None) -> Project:
    nodes = [Node("in", "Input", {"shape": [3, 32, 32]}, (0.0, 0.0)),
             Node("bb", "Backbone", {"model": "resnet18", "output": "features", "freeze": "all"}, (240.0, 0.0)),
             Node("head", "Linear", {"out_features": 10}, (480.0, 0.0)),
             Node("out", "Output", {}, (720.0, 0.0))]
    edges = [Edge("in", "bb"), Edge("bb", "head"), Edge("head", "out")]
    return Project("rename", GraphDocument(nodes, edges), data={"dataset": "cifar10", "params": {}},
                   training=training if training is not None else {k: v for k, v in TRAINING.items()})


@pytest.fixture
def window(make_window):
    return make_window


def type_id(win: MainWindow, node_id: str, new: str) -> None:
    """Select ``node_id`` and type ``new`` into the inspector's id field, then press Return."""
    win.select_node(node_id)
    edit = win.inspector.id_edit
    assert edit is not None
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, new)
    QTest.keyClick(edit, Qt.Key.Key_Return)


def test_rename_moves_the_multiplier_key_in_one_undo_step(window):
    win = window(project())
    before = win.stack.count()
    type_id(win, "bb", "backbone")
    assert win.doc.has_node("backbone") and not win.doc.has_node("bb")
    assert win.stack.count() == before + 1
    assert win.project.training["lr_multipliers"] == {"backbone": 0.1, "head": 2.0}
    assert win.project.training["unfreeze"] == [{"epoch": 2, "module": "backbone"}]
    assert win.project.training["epochs"] == 3
    assert win.inspector.lr_edit.text() == "×0.1"  # the field still shows the node's multiplier
    win.stack.undo()
    assert win.doc.has_node("bb") and not win.doc.has_node("backbone")
    assert win.project.training["lr_multipliers"] == {"bb": 0.1, "head": 2.0}
    assert win.project.training["unfreeze"] == [{"epoch": 2, "module": "bb"}]
    win.stack.redo()
    assert win.doc.has_node("backbone")
    assert win.project.training["lr_multipliers"] == {"backbone": 0.1, "head": 2.0}


def test_rename_to_a_name_that_needs_sanitising_uses_the_attribute_name(window):
    win = window(project())
    type_id(win, "bb", "my backbone")
    assert win.doc.has_node("my backbone")
    assert win.project.training["lr_multipliers"] == {"my_backbone": 0.1, "head": 2.0}
    win.runner.run_now()
    assert win.inspector.multiplier_key() == "my_backbone"
    assert win.inspector.lr_edit.text() == "×0.1"


def test_a_clash_moves_the_key_of_the_other_node(window):
    """'in' renamed to 'bb!' takes the attribute name 'bb' (it comes first); the backbone becomes 'bb_2'."""
    win = window(project())
    type_id(win, "in", "bb!")
    assert win.project.training["lr_multipliers"] == {"bb_2": 0.1, "head": 2.0}
    assert win.project.training["unfreeze"] == [{"epoch": 2, "module": "bb_2"}]
    win.runner.run_now()
    from nnbuilder.compile.codegen import generate

    assert "self.bb_2 = " in generate(win.doc, win.analysis, win.project.name).source
    win.stack.undo()
    assert win.project.training["lr_multipliers"] == {"bb": 0.1, "head": 2.0}


def test_rename_without_multipliers_is_a_plain_rename(window):
    training = {"loss": "CrossEntropyLoss", "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 3}
    win = window(project(training))
    before = win.stack.count()
    type_id(win, "bb", "backbone")
    assert win.stack.count() == before + 1
    assert win.project.training == training
    assert win.stack.text(win.stack.count() - 1) == "rename 'bb' to 'backbone'"


def test_renamed_training_is_pure():
    order = ["in", "bb", "head", "out"]
    training = {"lr_multipliers": {"bb": 0.5, "stale": 3.0}, "unfreeze": "not a list"}
    new, attrs = renamed_training(training, order, "bb", "trunk", "Model")
    assert new == {"lr_multipliers": {"trunk": 0.5, "stale": 3.0}, "unfreeze": "not a list"}
    assert training["lr_multipliers"] == {"bb": 0.5, "stale": 3.0}  # the input is not changed
    assert attrs["trunk"] == "trunk"
    assert renamed_training(training, order, "head", "fc", "Model")[0] is None  # 'head' has no key
    assert renamed_training(None, order, "bb", "trunk", "Model")[0] is None
