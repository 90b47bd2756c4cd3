"""Minimap: the whole graph scaled down in a corner of the canvas, with the visible part as a rectangle.

It shows only while it is enabled and the graph does not fit in the view.  Cheap on big graphs:
nodes and edges are drawn once into a cached pixmap, re-drawn ~100 ms after the document changes
(never during a drag: positions reach the document on release); panning or zooming only repaints
the small widget (pixmap + one rectangle).  It never connects to ``QGraphicsScene.changed``, which
would turn off the scene's direct view updates.  Clicking or dragging on it centres the canvas there.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from nnbuilder.app.canvas.theme import category_color, color

if TYPE_CHECKING:
    from nnbuilder.app.canvas.scene import GraphScene
    from nnbuilder.app.canvas.view import GraphView
    from nnbuilder.graph.document import DocEvent

MAX_SIZE = QSize(220, 140)  # the widget's largest size in pixels; it takes the graph's aspect ratio
MIN_SIZE = QSize(80, 48)
MARGIN = 10  # from the view's corner
MIN_NODES = 4  # a smaller graph needs no overview
PAD = 6.0  # inside the widget, around the graph
EXTENT_MARGIN = 40.0  # scene units around the nodes
REFRESH_MS = 100  # debounce after document changes


class Minimap(QWidget):
    """Overview of ``view``'s scene: a child of the view in the corner that covers the fewest nodes."""

    def __init__(self, view: GraphView) -> None:
        super().__init__(view)
        self._view = view
        self._scene: GraphScene | None = None
        self._enabled = True
        self._measured = False  # _nodes, _graph, _extent, _scale and _offset are up to date
        self._nodes: list[tuple[str | None, tuple[float, float, float, float]]] = []  # category, scene x y w h
        self._index: dict[str, int] = {}  # node id → index in _nodes
        self._pixmap: QPixmap | None = None  # the drawn graph; None: to draw on the next paint
        self._graph = QRectF()  # the nodes' bounding rectangle (scene units)
        self._extent = QRectF()  # the scene rectangle the pixmap shows (the nodes, padded)
        self._scale = 1.0  # widget pixels per scene unit
        self._offset = QPointF()  # widget position of the extent's top-left corner
        self._dragging = False
        self.setFixedSize(MAX_SIZE)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview of the whole graph: click or drag to move the canvas")
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.rebuild)
        for bar in (view.horizontalScrollBar(), view.verticalScrollBar()):  # every pan, zoom and resize
            bar.valueChanged.connect(self.sync)
            bar.rangeChanged.connect(self.sync)

    # ------------------------------------------------------------- state
    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Allow the overview (it still hides while the whole graph fits in the view)."""
        self._enabled = enabled
        self.sync()

    @property
    def scale(self) -> float:
        """Widget pixels per scene unit."""
        return self._scale

    @property
    def extent(self) -> QRectF:
        """The scene rectangle the overview covers (every node, padded); empty without nodes."""
        return QRectF(self._extent)

    def set_scene(self, scene: GraphScene | None) -> None:
        """Follow ``scene`` and its document's changes."""
        if self._scene is not None:
            self._scene.doc.unsubscribe(self._on_doc_event)
        self._scene, self._measured, self._pixmap = scene, False, None
        if scene is not None:
            scene.doc.subscribe(self._on_doc_event)
        self.schedule()

    def _live_scene(self) -> GraphScene | None:
        """The followed scene while the view still shows it (not while Qt is tearing it down)."""
        return self._scene if self._scene is not None and self._view.scene() is self._scene else None

    def _on_doc_event(self, _event: DocEvent) -> None:
        self.schedule()

    def schedule(self) -> None:
        """Re-draw soon (coalesces bursts of edits); call it when node sizes or the theme change."""
        self._timer.start()

    def rebuild(self) -> None:
        """Re-measure the graph now; the pixmap is re-drawn on the next paint."""
        self._timer.stop()
        self._measure()
        self.sync()
        self.update()

    # ------------------------------------------------------------- geometry
    def to_widget(self, scene_pos: QPointF) -> QPointF:
        """Scene coordinates → this widget's pixels."""
        return (scene_pos - self._extent.topLeft()) * self._scale + self._offset

    def to_scene(self, widget_pos: QPointF) -> QPointF:
        """This widget's pixels → scene coordinates."""
        return (widget_pos - self._offset) / self._scale + self._extent.topLeft()

    def shown_scene_rect(self) -> QRectF:
        """The part of the scene the view shows."""
        return self._view.mapToScene(self._view.viewport_rect()).boundingRect()

    def visible_rect(self) -> QRectF:
        """The part of the scene the view shows, in this widget's pixels."""
        shown = self.shown_scene_rect()
        return QRectF(self.to_widget(shown.topLeft()), shown.size() * self._scale)

    def place(self) -> None:
        """Sit in the view corner that covers the fewest nodes: bottom-right first, the current one on a tie
        (so that it does not hop about while the view pans)."""
        area = self._view.contentsRect()
        left, top = area.left() + MARGIN, area.top() + MARGIN
        right, bottom = area.right() + 1 - self.width() - MARGIN, area.bottom() + 1 - self.height() - MARGIN
        corners = [(right, bottom), (left, bottom), (right, top), (left, top)]
        here = (self.x(), self.y())
        best = min(corners, key=lambda c: (self._covered(c[0], c[1]), c != here, corners.index(c)))
        if here != best:
            self.move(*best)
            self.raise_()

    def _covered(self, x: int, y: int) -> int:
        """How many nodes the widget would cover at (x, y) of the view."""
        view = self._view
        origin = view.viewport().mapFrom(view, view.rect().topLeft()) if view.viewport() is not None else None
        shift = origin if origin is not None else QPointF(0, 0)
        rect = QRectF(x + shift.x(), y + shift.y(), self.width(), self.height())
        x0, y0, w, h = view.mapToScene(rect.toAlignedRect()).boundingRect().getRect()
        x1, y1 = x0 + w, y0 + h
        if not self._measured:
            self._measure()
        # the measured rectangles (plain floats: this runs on every pan step), not scene.items(), whose
        # query right after many moves rebuilds the scene's index
        return sum(nx < x1 and nx + nw > x0 and ny < y1 and ny + nh > y0 for _c, (nx, ny, nw, nh) in self._nodes)

    def sync(self) -> None:
        """Show while enabled and the graph does not fit in the view; repaint the viewport rectangle."""
        if not self._enabled or self._live_scene() is None:
            if not self.isHidden():
                self.hide()
            return
        if not self._measured:
            self._measure()  # first use for this scene
        scene = self._live_scene()
        wanted = (not self._graph.isEmpty() and len(scene.node_items()) >= MIN_NODES
                  and not self.shown_scene_rect().contains(self._graph))
        if wanted:  # every pan and zoom: the corner that covers no node, if one is free
            self.place()
        if wanted == self.isHidden():  # isHidden, not isVisible: the view itself may not be shown yet
            self.setVisible(wanted)
            if wanted:
                self.raise_()
        elif wanted:
            self.update()

    # ------------------------------------------------------------- drawing
    def _measure(self) -> None:
        """Read every node's rectangle; the nodes' bounding rectangle and the scale that fits it in the widget."""
        scene = self._live_scene()
        items = scene.node_items() if scene is not None else []
        self._nodes = [(item.category, item.sceneBoundingRect().getRect()) for item in items]
        self._index = {item.node_id: index for index, item in enumerate(items)}
        graph = QRectF()
        for _category, rect in self._nodes:
            graph = graph.united(QRectF(*rect))
        self._graph, self._measured, self._pixmap = graph, True, None
        self._extent = QRectF() if graph.isEmpty() else graph.adjusted(-EXTENT_MARGIN, -EXTENT_MARGIN,
                                                                         EXTENT_MARGIN, EXTENT_MARGIN)
        if self._extent.isEmpty():
            return
        width, height = self._extent.width(), self._extent.height()
        self._scale = min((MAX_SIZE.width() - 2 * PAD) / width, (MAX_SIZE.height() - 2 * PAD) / height)
        size = QSize(max(MIN_SIZE.width(), round(width * self._scale + 2 * PAD)),
                     max(MIN_SIZE.height(), round(height * self._scale + 2 * PAD)))
        self._offset = QPointF((size.width() - width * self._scale) / 2, (size.height() - height * self._scale) / 2)
        if size != self.size():
            self.setFixedSize(size)
            self.place()

    def _render(self) -> QPixmap:
        """Background, frame, edges and nodes drawn into a pixmap of the widget's size."""
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(self.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        theme = self._scene.palette_colors if self._scene is not None else {}
        painter = QPainter(pixmap)
        try:
            background = color(theme, "background")
            background.setAlpha(230)
            painter.setPen(QPen(color(theme, "node_border"), 1.0))
            painter.setBrush(background)
            painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
            if not self._extent.isEmpty():
                self._paint_graph(painter, theme)
        finally:
            painter.end()
        return pixmap

    def _paint_graph(self, painter: QPainter, theme: dict[str, str]) -> None:
        """Edges as straight lines between the nodes' sides, nodes as rectangles in their category colour."""
        scale = self._scale
        left = self._offset.x() - self._extent.left() * scale  # widget x = scene x * scale + left
        top = self._offset.y() - self._extent.top() * scale
        boxes = [(category, (x * scale + left, y * scale + top, max(2.0, w * scale), max(2.0, h * scale)))
                 for category, (x, y, w, h) in self._nodes]
        lines = []
        doc = self._scene.doc if self._scene is not None else None
        for edge in doc.edges if doc is not None else []:
            src, dst = self._index.get(edge.source), self._index.get(edge.target)
            if src is not None and dst is not None:
                (sx, sy, sw, sh), (dx, dy, _dw, dh) = boxes[src][1], boxes[dst][1]
                lines.append(QLineF(sx + sw, sy + sh / 2, dx, dy + dh / 2))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color(theme, "edge"), 1.0))
        painter.drawLines(lines)
        painter.setPen(Qt.PenStyle.NoPen)
        by_category: dict[str | None, list[QRectF]] = {}
        for category, box in boxes:
            by_category.setdefault(category, []).append(QRectF(*box))
        for category, rects in by_category.items():
            painter.setBrush(category_color(category))
            painter.drawRects(rects)

    def paintEvent(self, _event: QPaintEvent) -> None:
        if not self._measured:
            self._measure()
        if self._pixmap is None:
            self._pixmap = self._render()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._pixmap)
        if self._extent.isEmpty():
            return
        painter.setClipRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        accent = color(self._scene.palette_colors if self._scene is not None else {}, "node_selected")
        fill = QColor(accent)
        fill.setAlpha(40)
        painter.setPen(QPen(accent, 1.5))
        painter.setBrush(fill)
        painter.drawRect(self.visible_rect())

    # ------------------------------------------------------------- panning
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._extent.isEmpty():
            self._dragging = True
            self._pan_to(event.position())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._pan_to(event.position())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = False
        event.accept()

    def _pan_to(self, widget_pos: QPointF) -> None:
        self._view.keep_framed = False
        self._view.centerOn(self.to_scene(widget_pos))
