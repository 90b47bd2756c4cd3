"""The canvas minimap: the whole graph scaled down, the visible part framed, click/drag pans, View ▸ Minimap."""
from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QColor, QUndoStack
from PySide6.QtTest import QTest

from nnbuilder.app.canvas import GraphScene, GraphView
from nnbuilder.app.canvas.minimap import REFRESH_MS
from nnbuilder.app.canvas.theme import CATEGORY_COLORS
from nnbuilder.app.undo import push
from nnbuilder.app.window import MainWindow
from nnbuilder.graph.commands import AddNode
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project

LEFT = Qt.MouseButton.LeftButton
NOMOD = Qt.KeyboardModifier.NoModifier


def chain(n: int, step: float = 260.0) -> GraphDocument:
    """Input → Linear/ReLU × (n - 2) → Output laid out in one long row."""
    nodes = [Node("x", "Input", {"shape": [8]}, (0.0, 0.0))]
    for i in range(1, n - 1):
        nodes.append(Node(f"n{i}", "Linear", {"out_features": 8}, (i * step, 0.0)) if i % 2
                     else Node(f"n{i}", "ReLU", {}, (i * step, 0.0)))
    nodes.append(Node("y", "Output", {}, ((n - 1) * step, 0.0)))
    return GraphDocument(nodes, [Edge(a.id, b.id) for a, b in itertools.pairwise(nodes)])


def open_canvas(qtbot, n_nodes: int) -> tuple[GraphDocument, GraphScene, GraphView]:
    doc = chain(n_nodes)
    scene = GraphScene(doc, QUndoStack())
    view = GraphView(scene)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.centerOn(scene.node_item("x").sceneBoundingRect().center())  # 1:1 zoom: most of the row is off screen
    return doc, scene, view


@pytest.fixture
def canvas(qtbot):
    doc, scene, view = open_canvas(qtbot, 40)
    yield doc, scene, view
    scene.dispose()


def nodes_rect(scene: GraphScene):
    rect = scene.node_items()[0].sceneBoundingRect()
    for item in scene.node_items():
        rect = rect.united(item.sceneBoundingRect())
    return rect


def view_center(view: GraphView) -> QPointF:
    return view.mapToScene(view.viewport().rect().center())


def test_minimap_shows_the_whole_graph_and_the_visible_part(qtbot, canvas):
    _doc, scene, view = canvas
    minimap = view.minimap
    qtbot.waitUntil(minimap.isVisible, timeout=2000)
    graph = nodes_rect(scene)
    assert minimap.extent.contains(graph)
    assert minimap.extent.width() < graph.width() + 100 and minimap.extent.height() < graph.height() + 100
    # In the widget's bottom-right corner of the view, inside it.
    assert view.rect().contains(minimap.geometry())
    assert minimap.geometry().right() > view.width() - 40 and minimap.geometry().bottom() > view.height() - 40
    # Every node drawn in its category colour at its scaled-down place; the viewport frame covers the first node.
    image = minimap.grab().toImage()
    ratio = image.devicePixelRatio()
    for node_id, category in (("x", "Input/Output"), ("n1", "Dense"), ("n20", "Activation"), ("y", "Input/Output")):
        centre = minimap.to_widget(scene.node_item(node_id).sceneBoundingRect().center())
        pixel = image.pixelColor(QPoint(round(centre.x() * ratio), round(centre.y() * ratio)))
        expected = QColor(CATEGORY_COLORS[category])
        assert max(abs(pixel.red() - expected.red()), abs(pixel.green() - expected.green()),
                   abs(pixel.blue() - expected.blue())) < 60, (node_id, pixel.name(), expected.name())
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    frame = minimap.visible_rect()
    assert frame.center().x() == pytest.approx(minimap.to_widget(shown.center()).x(), abs=1.5)
    assert frame.width() == pytest.approx(shown.width() * minimap.scale, abs=0.5)
    assert frame.width() < minimap.width() / 3  # a small part of a long graph


def test_minimap_hides_while_the_whole_graph_fits(qtbot):
    _doc, scene, view = open_canvas(qtbot, 5)  # 1 200 scene units wide: too wide at 1:1, fits zoomed out
    qtbot.waitUntil(view.minimap.isVisible, timeout=2000)
    view.frame_all()
    assert view.zoom() < 0.8
    qtbot.waitUntil(lambda: not view.minimap.isVisible(), timeout=2000)
    view.zoom_by(3.0)
    qtbot.waitUntil(view.minimap.isVisible, timeout=2000)
    scene.dispose()


def test_clicking_and_dragging_on_the_minimap_pans_the_canvas(qtbot, canvas):
    _doc, scene, view = canvas
    minimap = view.minimap
    qtbot.waitUntil(minimap.isVisible, timeout=2000)
    last = scene.node_item("y").sceneBoundingRect().center()
    before = view_center(view)
    QTest.mouseClick(minimap, LEFT, NOMOD, minimap.to_widget(last).toPoint())
    after = view_center(view)
    assert abs(after.x() - last.x()) < 2 / minimap.scale + 2  # within a minimap pixel or two
    assert after.x() - before.x() > 5000
    assert not view.keep_framed
    middle = scene.node_item("n20").sceneBoundingRect().center()
    QTest.mousePress(minimap, LEFT, NOMOD, minimap.to_widget(last).toPoint())
    QTest.mouseMove(minimap, minimap.to_widget(middle).toPoint())
    assert abs(view_center(view).x() - middle.x()) < 2 / minimap.scale + 2
    QTest.mouseRelease(minimap, LEFT, NOMOD, minimap.to_widget(middle).toPoint())
    QTest.mouseMove(minimap, minimap.to_widget(last).toPoint())  # released: moving no longer pans
    assert abs(view_center(view).x() - middle.x()) < 2 / minimap.scale + 2


def test_minimap_follows_document_edits(qtbot, canvas):
    doc, scene, view = canvas
    qtbot.waitUntil(view.minimap.isVisible, timeout=2000)
    old = view.minimap.extent
    push(scene.stack, doc, AddNode(Node("far", "ReLU", {}, (0.0, 3000.0))))
    qtbot.wait(REFRESH_MS + 50)
    qtbot.waitUntil(lambda: view.minimap.extent.bottom() > 3000, timeout=2000)
    assert view.minimap.extent.bottom() > old.bottom() + 2500


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, _obj, event) -> bool:
        self.paints += event.type() == QEvent.Type.Paint
        return False


def test_dragging_a_node_does_not_redraw_the_minimap(qtbot, canvas):
    _doc, scene, view = canvas
    minimap = view.minimap
    qtbot.waitUntil(minimap.isVisible, timeout=2000)
    qtbot.wait(REFRESH_MS + 50)
    counter = PaintCounter()
    minimap.installEventFilter(counter)
    vp = view.viewport()
    start = view.mapFromScene(scene.node_item("x").sceneBoundingRect().center() + QPointF(0, -10))
    QTest.mousePress(vp, LEFT, NOMOD, start)
    for i in range(1, 20):
        QTest.mouseMove(vp, start + QPoint(3 * i, i % 4))
        qtbot.wait(1)
    QTest.mouseRelease(vp, LEFT, NOMOD, start + QPoint(60, 0))
    moved = scene.doc.node("x").pos
    minimap.removeEventFilter(counter)
    assert moved is not None and moved[0] > 30  # the drag did move the node
    assert counter.paints == 0


def test_view_menu_toggle_is_remembered(qtbot, tmp_path):
    settings_path = str(tmp_path / "settings.ini")

    def make() -> MainWindow:
        win = MainWindow(settings=QSettings(settings_path, QSettings.Format.IniFormat),
                         recovery_dir=tmp_path / "recovery")
        qtbot.addWidget(win)
        win.resize(1000, 700)
        return win

    first = make()
    action = first.menu_actions["minimap"]
    assert action.isCheckable() and action.isChecked() and first.view.minimap.enabled  # on by default
    action.trigger()
    assert not action.isChecked() and not first.view.minimap.enabled
    first.install(Project("long", chain(40)), None)
    first.show()
    first.view.zoom_by(4.0)
    assert not first.view.minimap.isVisible()  # switched off: never shown
    first.close()

    second = make()
    assert not second.menu_actions["minimap"].isChecked() and not second.view.minimap.enabled
    second.menu_actions["minimap"].trigger()
    assert second.view.minimap.enabled
    assert QSettings(settings_path, QSettings.Format.IniFormat).value("minimap", type=bool) is True


def covered_nodes(view: GraphView, scene: GraphScene) -> list[str]:
    """The nodes the minimap hides (its rectangle mapped into the scene)."""
    minimap = view.minimap
    top_left = view.viewport().mapFrom(view, minimap.geometry().topLeft())
    area = view.mapToScene(minimap.rect().translated(top_left)).boundingRect()
    return [item.node_id for item in scene.node_items() if area.intersects(item.sceneBoundingRect())]


def middle_drag(view: GraphView, qtbot, delta: QPoint) -> None:
    """Pan the canvas as a user does: middle button down, move in steps, release."""
    vp = view.viewport()
    start = vp.rect().center()
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, NOMOD, start)
    for i in range(1, 11):
        QTest.mouseMove(vp, start + delta * i / 10)
        qtbot.wait(1)
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, NOMOD, start + delta)


def test_minimap_moves_off_nodes_when_the_view_pans(qtbot, canvas):
    _doc, scene, view = canvas
    minimap = view.minimap
    qtbot.waitUntil(minimap.isVisible, timeout=2000)
    row_y = view.mapFromScene(scene.node_item("x").sceneBoundingRect().topLeft()).y()
    height = view.viewport().height()
    # The row of nodes panned down to the bottom edge: the bottom corners would cover nodes.
    middle_drag(view, qtbot, QPoint(-200, height - 80 - row_y))
    row = view.mapFromScene(scene.node_item("n2").sceneBoundingRect()).boundingRect()
    assert row.bottom() > height - 60  # the nodes do reach the bottom corners' band
    assert minimap.isVisible() and covered_nodes(view, scene) == []
    assert minimap.geometry().bottom() < height // 2  # it went to a top corner
    # Back up to the top edge: it returns to the (free again) bottom.
    middle_drag(view, qtbot, QPoint(0, 40 - (height - 80)))
    assert minimap.isVisible() and covered_nodes(view, scene) == []
    assert minimap.geometry().top() > height // 2
    # Panned so far right that only the last nodes are left of centre: the right corners are free.
    last = view.mapFromScene(scene.node_item("y").sceneBoundingRect().center())
    middle_drag(view, qtbot, QPoint(view.viewport().width() // 2 - last.x(), 0))
    for _ in range(3):  # panning by more small steps keeps it off every node
        middle_drag(view, qtbot, QPoint(0, 90))
        assert minimap.isVisible() and covered_nodes(view, scene) == []
