"""GraphScene mirrors the document: items, analysis labels/badges, undo/redo, delete, themes."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import QApplication

from nnbuilder.analysis import analyze
from nnbuilder.app.canvas import LAYER_MIME, THEMES, GraphScene, GraphView, set_theme
from nnbuilder.app.undo import push
from nnbuilder.graph.commands import Connect, RenameNode, SetParam
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import graph_to_json


def mlp() -> GraphDocument:
    return GraphDocument(
        [Node("in", "Input", {"shape": [2]}, (0, 0)), Node("fc1", "Linear", {"out_features": 20}, (300, 0)),
         Node("act1", "ReLU", {}, (600, 0)), Node("out", "Output", {}, (900, 0))],
        [Edge("in", "fc1"), Edge("fc1", "act1"), Edge("act1", "out")])


@pytest.fixture
def editor(qtbot):
    doc = mlp()
    stack = QUndoStack()
    scene = GraphScene(doc, stack)
    view = GraphView(scene)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    yield doc, stack, scene, view
    scene.dispose()


def scene_state(scene: GraphScene) -> tuple:
    """What the scene shows: node ids with positions, edge keys."""
    nodes = sorted((i.node_id, round(i.pos().x(), 2), round(i.pos().y(), 2)) for i in scene.node_items())
    edges = sorted(e.key for e in scene.edge_items())
    return nodes, edges


def doc_state(doc: GraphDocument) -> tuple:
    nodes = sorted((n.id, round(n.pos[0], 2), round(n.pos[1], 2)) for n in doc.nodes)
    return nodes, sorted(e.key for e in doc.edges)


def test_scene_mirrors_document(editor):
    doc, _, scene, _ = editor
    assert scene_state(scene) == doc_state(doc)
    fc1 = scene.node_item("fc1")
    assert len(fc1.inputs) == 1 and len(fc1.outputs) == 1
    assert scene.node_item("in").inputs == [] and scene.node_item("out").outputs == []
    assert fc1.category == "Dense"


def drop(view: GraphView, payload: bytes, target: QPoint) -> bool:
    """Simulate the palette's drag entering the canvas and dropping at ``target``."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, payload)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(target), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(view.viewport(), QDropEvent(QPointF(target), Qt.DropAction.CopyAction, mime, buttons, mods))
    return True


def test_drop_from_palette_creates_node(editor, qtbot):
    doc, stack, scene, view = editor
    target = QPoint(300, 300)
    assert drop(view, b"Conv2d", target)
    assert doc.has_node("conv1") and doc.node("conv1").type == "Conv2d"
    item = scene.node_item("conv1")
    assert item is not None and item.sceneBoundingRect().contains(view.mapToScene(target))
    assert scene.selected_node_ids() == ["conv1"]
    assert stack.count() == 1
    stack.undo()
    assert not doc.has_node("conv1") and scene.node_item("conv1") is None


def test_drop_of_unknown_type_is_ignored(editor):
    doc, stack, _, view = editor
    assert not drop(view, b"os.system", QPoint(10, 10))
    assert len(doc) == 4 and stack.count() == 0


def test_analysis_labels_edges_and_counts_params(editor):
    doc, _, scene, _ = editor
    scene.apply_analysis(analyze(doc))
    assert scene.edge_item(("in", 0, "fc1", 0)).label.text == "[B, 2]"
    assert scene.edge_item(("fc1", 0, "act1", 0)).label.text == "[B, 20]"
    fc1 = scene.node_item("fc1")
    assert fc1.params_text == "60 params" and fc1.shape_text == "[B, 20]"
    assert not fc1.badge.isVisible()


def test_shape_mismatch_shows_error_badge_with_message(editor):
    doc, stack, scene, _ = editor
    nid = scene.add_node_at("Conv2d", QPointF(600, 200))
    push(stack, doc, Connect(Edge("fc1", nid)))
    scene.apply_analysis(analyze(doc))
    badge = scene.node_item(nid).badge
    assert badge.isVisible() and badge.severity == "error"
    assert "Conv2d expects (C, H, W)" in badge.toolTip() and nid in badge.toolTip()
    assert not scene.node_item("fc1").badge.isVisible()


def test_add_with_different_shapes_shows_error(editor):
    doc, stack, scene, _ = editor
    add = scene.add_node_at("Add", QPointF(700, 300))
    push(stack, doc, Connect(Edge("fc1", add, 0, 0)))
    push(stack, doc, Connect(Edge("in", add, 0, 1)))
    scene.apply_analysis(analyze(doc))
    badge = scene.node_item(add).badge
    assert badge.isVisible() and badge.severity == "error" and badge.toolTip()


def test_undo_redo_restore_document_and_scene(editor):
    doc, stack, scene, _ = editor
    before_json, before_scene = graph_to_json(doc), scene_state(scene)
    nid = scene.add_node_at("Linear", QPointF(50, 300))
    push(stack, doc, Connect(Edge("act1", nid)))  # replaces nothing: new node's port is free
    push(stack, doc, Connect(Edge(nid, "out")))  # replaces act1 → out
    scene.select_nodes(["fc1"])
    scene.delete_selected()
    after_json, after_scene = graph_to_json(doc), scene_state(scene)
    assert after_scene == doc_state(doc)
    while stack.canUndo():
        stack.undo()
    assert graph_to_json(doc) == before_json and scene_state(scene) == before_scene
    while stack.canRedo():
        stack.redo()
    assert graph_to_json(doc) == after_json and scene_state(scene) == after_scene


def test_undo_of_delete_restores_exact_edge_order(editor):
    doc, stack, scene, _ = editor
    before = graph_to_json(doc)
    scene.select_nodes(["fc1"])
    scene.delete_selected()
    stack.undo()
    assert graph_to_json(doc) == before


def test_delete_removes_nodes_and_edges_and_undo_restores(editor):
    doc, stack, scene, view = editor
    scene.select_nodes(["fc1", "act1"])
    view.setFocus()
    from PySide6.QtTest import QTest

    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert [n.id for n in doc.nodes] == ["in", "out"] and doc.edges == []
    assert {i.node_id for i in scene.node_items()} == {"in", "out"} and scene.edge_items() == []
    assert stack.count() == 1
    stack.undo()
    assert scene_state(scene) == doc_state(doc) and len(scene.edge_items()) == 3


def test_delete_selected_edge_disconnects(editor):
    doc, stack, scene, _ = editor
    scene.edge_item(("fc1", 0, "act1", 0)).setSelected(True)
    scene.delete_selected()
    assert doc.find_edge(("fc1", 0, "act1", 0)) is None and len(doc) == 4
    stack.undo()
    assert scene.edge_item(("fc1", 0, "act1", 0)) is not None


def test_param_change_rebuilds_ports_and_rename_rekeys(editor):
    doc, stack, scene, _ = editor
    add = scene.add_node_at("Add", QPointF(0, 300))
    assert [p.name for p in scene.node_item(add).inputs] == ["in0", "in1"]
    push(stack, doc, SetParam(add, "inputs", 3))
    assert [p.name for p in scene.node_item(add).inputs] == ["in0", "in1", "in2"]
    push(stack, doc, RenameNode("fc1", "dense"))
    assert scene.node_item("dense") is not None and scene.node_item("fc1") is None
    assert scene.edge_item(("dense", 0, "act1", 0)) is not None
    stack.undo()
    assert scene_state(scene) == doc_state(doc)


def test_nodes_without_pos_are_placed_left_to_right(qtbot):
    doc = GraphDocument([Node("a", "Input", {"shape": [3]}), Node("b", "Linear", {"out_features": 2})],
                        [Edge("a", "b")])
    scene = GraphScene(doc, QUndoStack())
    a, b = scene.node_item("a"), scene.node_item("b")
    assert a.pos().x() < b.pos().x()
    assert [e.key for e in scene.edge_items()] == [("a", 0, "b", 0)]
    scene.dispose()


def test_themes_switch_palette(editor):
    _, _, scene, _ = editor
    set_theme(scene, "dark")
    assert scene.palette_colors is THEMES["dark"]
    assert scene.backgroundBrush().color().name() == THEMES["dark"]["background"]
    with pytest.raises(KeyError):
        set_theme(scene, "neon")
