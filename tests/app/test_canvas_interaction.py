"""Mouse and keyboard on the canvas: connecting, disconnecting, moving, clipboard, layout, quick add."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from nnbuilder.analysis import analyze
from nnbuilder.app.canvas import GraphScene, GraphView
from nnbuilder.app.canvas.node_item import ALLOWED, DIMMED
from nnbuilder.app.undo import push
from nnbuilder.graph.commands import Connect
from nnbuilder.graph.document import Edge, GraphDocument, Node

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def editor(qtbot):
    doc = GraphDocument(
        [Node("in", "Input", {"shape": [2]}, (0, 0)), Node("fc1", "Linear", {"out_features": 20}, (300, 0)),
         Node("act1", "ReLU", {}, (600, 0)), Node("fc2", "Linear", {"out_features": 1}, (300, 200)),
         Node("out", "Output", {}, (900, 0))],
        [Edge("in", "fc1"), Edge("fc1", "act1")])
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


def at(view: GraphView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def drag(view: GraphView, start: QPointF, end: QPointF, steps: int = 5) -> None:
    """Press at ``start``, move in steps and release at ``end`` (scene coordinates)."""
    vp = view.viewport()
    QTest.mousePress(vp, LEFT, Qt.KeyboardModifier.NoModifier, at(view, start))
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        QTest.mouseMove(vp, at(view, p))
    QTest.mouseRelease(vp, LEFT, Qt.KeyboardModifier.NoModifier, at(view, end))


def port_pos(scene: GraphScene, node_id: str, is_input: bool, index: int = 0) -> QPointF:
    return scene.node_item(node_id).port(is_input, index).scenePos()


def test_drag_between_ports_connects_and_label_shows_shape(editor):
    doc, stack, scene, view = editor
    drag(view, port_pos(scene, "act1", False), port_pos(scene, "out", True) + QPointF(6, 4))
    assert doc.find_edge(("act1", 0, "out", 0)) is not None
    edge = scene.edge_item(("act1", 0, "out", 0))
    assert edge is not None and stack.count() == 1
    scene.apply_analysis(analyze(doc))
    assert edge.label.text == "[B, 20]" and edge.label.isVisible()
    assert scene.connector.temp is None and not scene.connector.active


def test_drag_from_input_port_backwards_connects(editor):
    doc, _, scene, view = editor
    drag(view, port_pos(scene, "fc2", True), port_pos(scene, "act1", False))
    assert doc.find_edge(("act1", 0, "fc2", 0)) is not None


def test_release_on_empty_canvas_cancels(editor):
    doc, stack, scene, view = editor
    drag(view, port_pos(scene, "act1", False), QPointF(760, 300))
    assert len(doc.edges) == 2 and stack.count() == 0
    assert all(p.state == "normal" for n in scene.node_items() for p in n.inputs + n.outputs)


def test_compatible_ports_highlight_and_cycles_are_refused(editor):
    doc, stack, scene, _view = editor
    scene.connector.begin(scene.node_item("act1").port(False, 0))
    assert scene.node_item("out").port(True, 0).state == ALLOWED
    assert scene.node_item("fc2").port(True, 0).state == ALLOWED
    # fc1 and act1 itself are upstream of act1: connecting into them would close a cycle.
    assert scene.node_item("fc1").port(True, 0).state == DIMMED
    assert scene.node_item("act1").port(True, 0).state == DIMMED
    assert scene.node_item("in").port(False, 0).state == DIMMED  # outputs never take an output
    scene.connector.finish(port_pos(scene, "fc1", True))
    assert doc.find_edge(("act1", 0, "fc1", 0)) is None and stack.count() == 0


def test_dragging_edge_end_off_a_port_disconnects(editor):
    doc, stack, scene, view = editor
    drag(view, port_pos(scene, "act1", True), QPointF(700, 350))
    assert doc.find_edge(("fc1", 0, "act1", 0)) is None
    assert scene.edge_item(("fc1", 0, "act1", 0)) is None
    stack.undo()
    item = scene.edge_item(("fc1", 0, "act1", 0))
    assert item is not None and item.isVisible()


def test_dragging_edge_end_to_another_port_reconnects_in_one_step(editor):
    doc, stack, scene, view = editor
    drag(view, port_pos(scene, "act1", True), port_pos(scene, "fc2", True))
    assert [e.key for e in doc.edges] == [("in", 0, "fc1", 0), ("fc1", 0, "fc2", 0)]
    assert stack.count() == 1
    stack.undo()
    assert [e.key for e in doc.edges] == [("in", 0, "fc1", 0), ("fc1", 0, "act1", 0)]


def test_moving_a_node_pushes_one_move_on_release(editor):
    doc, stack, scene, view = editor
    item = scene.node_item("fc2")
    start = item.sceneBoundingRect().center() + QPointF(0, -15)
    drag(view, start, start + QPointF(80, 45), steps=8)
    assert stack.count() == 1
    assert doc.node("fc2").pos == pytest.approx((380, 245))
    stack.undo()
    assert doc.node("fc2").pos == (300, 200) and item.pos() == QPointF(300, 200)


def test_grid_snapping(editor):
    doc, _, scene, view = editor
    scene.snap_to_grid = True
    start = scene.node_item("fc2").sceneBoundingRect().center()
    drag(view, start, start + QPointF(47, 33))
    x, y = doc.node("fc2").pos
    assert x % 20 == 0 and y % 20 == 0 and (x, y) != (300, 200)


def test_moving_a_node_updates_only_its_edges(editor):
    _doc, _, scene, _ = editor
    moving = scene.edge_item(("fc1", 0, "act1", 0))
    still = scene.edge_item(("in", 0, "fc1", 0))
    before_moving, before_still = moving.path().elementAt(0), still.path().elementAt(0)
    scene.node_item("act1").setPos(QPointF(640, 90))
    end = moving.path().elementAt(moving.path().elementCount() - 1)
    assert (end.x, end.y) == (640, 90 + scene.node_item("act1").height / 2)
    assert (still.path().elementAt(0).x, still.path().elementAt(0).y) == (before_still.x, before_still.y)
    assert (moving.path().elementAt(0).x, moving.path().elementAt(0).y) == (before_moving.x, before_moving.y)


def test_copy_paste_keeps_internal_edges_with_fresh_ids(editor):
    doc, stack, scene, view = editor
    scene.select_nodes(["in", "fc1"])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    new = scene.selected_node_ids()
    assert new == ["in2", "fc3"]  # fc2 is taken
    assert not set(new) & {"in", "fc1", "act1", "fc2", "out"}
    assert [(e.source, e.target) for e in doc.edges if e.source in new] == [(new[0], new[1])]
    assert doc.node(new[1]).params == {"out_features": 20}
    assert doc.node(new[0]).pos == (40.0, 40.0)
    assert stack.count() == 1
    stack.undo()
    assert len(doc) == 5 and len(scene.node_items()) == 5


def test_duplicate_is_one_undo_step_and_leaves_clipboard(editor):
    doc, stack, scene, view = editor
    scene.select_nodes(["fc1", "act1"])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    new = scene.selected_node_ids()
    assert len(new) == 2 and set(new).isdisjoint({"fc1", "act1"})
    assert doc.find_edge((new[0], 0, new[1], 0)) is not None
    assert len(doc.edges) == 3 and stack.count() == 1
    assert scene.paste({"nodes": [{"id": "x", "type": "NoSuchLayer"}], "edges": []}) == []


def test_auto_layout_places_layers_left_to_right(editor):
    doc, stack, scene, _ = editor
    doc_nodes = {n.id: n for n in doc.nodes}
    push(stack, doc, Connect(Edge("act1", "fc2")))
    push(stack, doc, Connect(Edge("fc2", "out")))
    push(stack, doc, Connect(Edge("fc1", "out", 0, 0)))  # replaces fc2 → out
    push(stack, doc, Connect(Edge("fc2", "out")))
    count = stack.count()
    scene.auto_layout()
    assert stack.count() == count + 1
    xs = {nid: doc_nodes[nid].pos[0] for nid in doc_nodes}
    assert xs["in"] < xs["fc1"] < xs["act1"] < xs["fc2"] < xs["out"]
    assert all(scene.node_item(n).pos().x() == xs[n] for n in xs)
    stack.undo()
    assert doc.node("fc2").pos == (300, 200)


def test_double_click_signals(editor, qtbot):
    _, _, scene, view = editor
    with qtbot.waitSignal(scene.nodeActivated) as activated:
        QTest.mouseDClick(view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                          at(view, scene.node_item("fc1").sceneBoundingRect().center()))
    assert activated.args == ["fc1"]
    view.builtin_quick_add = False
    with qtbot.waitSignal(view.quickAddRequested) as requested:
        QTest.mouseDClick(view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, at(view, QPointF(600, 400)))
    assert (requested.args[0] - QPointF(600, 400)).manhattanLength() < 2


def test_tab_opens_quick_add_and_enter_adds(editor, qtbot):
    doc, _, _scene, view = editor
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Tab)
    popup = view.popup
    assert popup is not None and popup.isVisible()
    QTest.keyClicks(popup.search, "lstm")
    assert popup.visible_types() == ["LSTM"]
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    assert any(n.type == "LSTM" for n in doc.nodes)
    assert not popup.isVisible()


def test_selection_signal_and_frame_and_zoom_clamp(editor, qtbot):
    _, _, scene, view = editor
    with qtbot.waitSignal(scene.selectionChangedIds) as sel:
        scene.select_nodes(["act1"])
    assert sel.args == [["act1"]]
    view.frame_all()
    rect = view.mapToScene(view.viewport().rect()).boundingRect()
    for item in scene.node_items():
        assert rect.contains(item.sceneBoundingRect())
    for _ in range(40):
        view.zoom_by(1.5)
    assert view.zoom() == pytest.approx(3.0)
    for _ in range(40):
        view.zoom_by(0.5)
    assert view.zoom() == pytest.approx(0.15)


def test_rubber_band_selects_nodes(editor):
    _, _, scene, view = editor
    drag(view, QPointF(250, -60), QPointF(520, 300))
    assert sorted(scene.selected_node_ids()) == ["fc1", "fc2"]


def test_500_node_graph_drag_touches_only_local_edges(qtbot):
    nodes = [Node("in", "Input", {"shape": [8]}, (0, 0))]
    edges = []
    for i in range(1, 500):
        nodes.append(Node(f"n{i}", "ReLU", {}, ((i % 25) * 260.0, (i // 25) * 120.0)))
        edges.append(Edge(nodes[i - 1].id, nodes[i].id))
    doc = GraphDocument(nodes, edges)
    scene = GraphScene(doc, QUndoStack())
    view = GraphView(scene)
    qtbot.addWidget(view)
    calls: list[tuple] = []
    for e in scene.edge_items():
        original = e.update_path
        e.update_path = (lambda orig=original, key=e.key: (calls.append(key), orig())[1])
    item = scene.node_item("n250")
    for step in range(20):
        item.setPos(item.pos() + QPointF(3, 2))
    assert set(calls) == {("n249", 0, "n250", 0), ("n250", 0, "n251", 0)}
    assert len(calls) == 40
    assert item.cacheMode() == item.CacheMode.DeviceCoordinateCache
    scene.commit_moves()
    assert doc.node("n250").pos == (item.pos().x(), item.pos().y())
    scene.dispose()
