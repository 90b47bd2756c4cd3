"""Building comfort (issue 16): drop a layer on a connection, drag a port into empty space, Tab after a node."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from nnbuilder.app.canvas import GraphScene, GraphView
from nnbuilder.graph.document import Edge, GraphDocument, Node
from tests.app.test_canvas_interaction import at, drag, port_pos
from tests.app.test_canvas_scene import drop


@pytest.fixture
def editor(qtbot):
    doc = GraphDocument(
        [Node("in", "Input", {"shape": [2]}, (0, 0)), Node("fc1", "Linear", {"out_features": 20}, (300, 0)),
         Node("out", "Output", {}, (700, 0))],
        [Edge("in", "fc1"), Edge("fc1", "out")])
    stack = QUndoStack()
    scene = GraphScene(doc, stack)
    view = GraphView(scene)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    view.centerOn(QPointF(450, 100))
    yield doc, stack, scene, view
    scene.dispose()


def test_dropping_a_layer_on_a_connection_splices_it_in_as_one_step(editor):
    doc, stack, scene, view = editor
    edge = scene.edge_item(("fc1", 0, "out", 0))
    middle = edge.mapToScene(edge.path().pointAtPercent(0.5))
    assert drop(view, b"ReLU", at(view, middle))
    (relu,) = [n.id for n in doc.nodes if n.type == "ReLU"]
    assert doc.find_edge(("fc1", 0, "out", 0)) is None
    assert doc.find_edge(("fc1", 0, relu, 0)) and doc.find_edge((relu, 0, "out", 0))
    assert stack.count() == 1
    stack.undo()
    assert not any(n.type == "ReLU" for n in doc.nodes) and doc.find_edge(("fc1", 0, "out", 0))


def test_dropping_away_from_connections_only_adds(editor):
    doc, _stack, _scene, view = editor
    assert drop(view, b"ReLU", at(view, QPointF(450, 350)))
    (relu,) = [n.id for n in doc.nodes if n.type == "ReLU"]
    assert not doc.edges_of(relu) and doc.find_edge(("fc1", 0, "out", 0))


def test_dragging_from_a_port_into_empty_space_opens_quick_add_and_connects(editor, qtbot):
    doc, stack, scene, view = editor
    stack.clear()
    drag(view, port_pos(scene, "fc1", False), QPointF(500, 300))
    popup = view.popup
    assert popup is not None and popup.isVisible()
    QTest.keyClicks(popup.search, "sigmoid")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    (sig,) = [n.id for n in doc.nodes if n.type == "Sigmoid"]
    assert doc.find_edge(("fc1", 0, sig, 0)) is not None
    assert stack.count() == 1


def test_tab_add_connects_after_the_selected_node(editor, qtbot):
    doc, _stack, scene, view = editor
    scene.select_nodes(["in"])
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     at(view, scene.node_item("fc1").sceneBoundingRect().center()))  # the student clicks fc1
    assert scene.selected_node_ids() == ["fc1"]
    QTest.keyClick(view, Qt.Key.Key_Tab)
    QTest.keyClicks(view.popup.search, "tanh")
    QTest.keyClick(view.popup.search, Qt.Key.Key_Return)
    (tanh,) = [n.id for n in doc.nodes if n.type == "Tanh"]
    assert doc.find_edge(("fc1", 0, tanh, 0)) is not None
