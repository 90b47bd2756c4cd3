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


def drag_node_centre_to(view, scene, node_id: str, target: QPointF, check_midway=None) -> None:
    """Grab ``node_id`` by its title and move it (in mouse steps) until its centre is on ``target``."""
    item = scene.node_item(node_id)
    grab = item.sceneBoundingRect().topLeft() + QPointF(60, 14)
    end = grab + (target - item.sceneBoundingRect().center())
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(view, grab))
    for i in range(1, 9):
        QTest.mouseMove(vp, at(view, grab + (end - grab) * (i / 8)))
    if check_midway is not None:
        check_midway()
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(view, end))


def test_dragging_an_unconnected_node_onto_a_connection_highlights_it_and_splices_as_one_step(editor):
    doc, stack, scene, view = editor
    relu = scene.add_node_at("ReLU", QPointF(300, 330))
    stack.clear()
    before = doc.node(relu).pos
    edge = scene.edge_item(("fc1", 0, "out", 0))
    middle = edge.mapToScene(edge.path().pointAtPercent(0.5))
    hot_midway: list[bool] = []
    drag_node_centre_to(view, scene, relu, middle, lambda: hot_midway.append(edge.hot))
    assert hot_midway == [True]  # the connection under the dragged node is highlighted before release
    assert doc.find_edge(("fc1", 0, "out", 0)) is None
    assert doc.find_edge(("fc1", 0, relu, 0)) and doc.find_edge((relu, 0, "out", 0))
    assert doc.node(relu).pos != before and not scene.edge_item((relu, 0, "out", 0)).hot
    assert stack.count() == 1  # move and splice: one undo step
    stack.undo()
    assert doc.node(relu).pos == before and not doc.edges_of(relu) and doc.find_edge(("fc1", 0, "out", 0))
    assert not edge.hot


def test_a_connected_node_or_one_without_an_input_is_only_moved_over_a_connection(editor):
    from nnbuilder.app.undo import push
    from nnbuilder.graph.commands import Connect

    doc, stack, scene, view = editor
    wired = scene.add_node_at("ReLU", QPointF(300, 330))
    push(stack, doc, Connect(Edge("in", wired)))
    source = scene.add_node_at("Input", QPointF(700, 330))  # no input port: it cannot sit in a connection
    stack.clear()
    edge = scene.edge_item(("fc1", 0, "out", 0))
    middle = edge.mapToScene(edge.path().pointAtPercent(0.5))
    for node_id in (wired, source):
        hot_midway: list[bool] = []
        before = doc.node(node_id).pos
        drag_node_centre_to(view, scene, node_id, middle, lambda: hot_midway.append(edge.hot))  # noqa: B023
        assert hot_midway == [False]
        assert doc.node(node_id).pos != before  # moved
        assert doc.find_edge(("fc1", 0, "out", 0)) is not None  # not rewired
    assert [e.key for e in doc.edges_of(wired)] == [("in", 0, wired, 0)]
    assert stack.count() == 2  # one plain move each
