"""The canvas caches its background (the grid) for cheap drags, and what it shows stays what an uncached view
shows after zooming, panning, a theme change and a node drag."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QGraphicsView

from nnbuilder.app.canvas import GraphScene, GraphView, set_theme
from nnbuilder.graph.document import Edge, GraphDocument, Node


def chain() -> GraphDocument:
    return GraphDocument(
        [Node("in", "Input", {"shape": [2]}, (0, 0)), Node("fc1", "Linear", {"out_features": 20}, (300, 40)),
         Node("act1", "ReLU", {}, (600, 0)), Node("out", "Output", {}, (900, 60))],
        [Edge("in", "fc1"), Edge("fc1", "act1"), Edge("act1", "out")])


def shown(view: GraphView) -> QImage:
    return view.viewport().grab().toImage()


def test_cached_background_shows_what_an_uncached_view_shows(qtbot):
    scene = GraphScene(chain(), QUndoStack())
    cached, plain = GraphView(scene), GraphView(scene)
    plain.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
    assert cached.cacheMode() & QGraphicsView.CacheModeFlag.CacheBackground
    for view in (cached, plain):
        qtbot.addWidget(view)
        view.minimap.set_enabled(False)
        view.resize(700, 400)
        view.show()
        qtbot.waitExposed(view)
    try:
        def same_on_both(step: str) -> None:
            QTest.qWait(20)  # queued scene updates
            assert shown(cached) == shown(plain), f"the cached canvas differs after {step}"

        same_on_both("showing")
        for view in (cached, plain):
            view.centerOn(QPointF(450, 30))
        same_on_both("panning")
        for view in (cached, plain):
            view.scale(1.6, 1.6)  # grid lines further apart
        same_on_both("zooming in")
        for view in (cached, plain):
            view.scale(0.5, 0.5)  # below 1: the minor grid is left out
        same_on_both("zooming out")
        for view in (cached, plain):
            view.centerOn(QPointF(700, 90))
        same_on_both("panning while zoomed out")
        # a real drag of a node on the cached view: the grid where the node was shows again
        item = scene.node_item("fc1")
        vp = cached.viewport()
        start = cached.mapFromScene(item.scenePos() + QPointF(60, 12))
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for i in range(1, 8):
            QTest.mouseMove(vp, start + QPoint(9 * i, 5 * i))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(63, 35))
        assert item.pos() != QPointF(300, 40)
        scene.clearSelection()  # the second view's pixmap of the node would keep the selection border
        same_on_both("dragging a node")
        # Themes: compared with the same view after its cache is dropped (a second view of one scene keeps
        # stale pixmaps of the nodes, DeviceCoordinateCache, on a palette change: no reference here).
        for theme in ("dark", "light"):
            set_theme(scene, theme)
            QTest.qWait(20)
            before = shown(cached)
            cached.resetCachedContent()
            assert shown(cached) == before, f"the cached grid kept the old colours after the {theme} theme"
    finally:
        scene.dispose()
