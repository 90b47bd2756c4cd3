"""GraphView: zoom, pan, rubber-band selection, shortcuts, drops from the palette, quick add."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QKeySequence, QPainter
from PySide6.QtWidgets import QGraphicsView, QWidget

from nnbuilder.app.canvas.edge_item import EdgeItem
from nnbuilder.app.canvas.minimap import Minimap
from nnbuilder.app.canvas.node_item import NodeItem
from nnbuilder.app.canvas.scene import GraphScene
from nnbuilder.layers import registry

if TYPE_CHECKING:  # annotations only: PySide builds a Python type on first access, the launch need not pay it
    from PySide6.QtGui import (
        QDragEnterEvent,
        QDragMoveEvent,
        QDropEvent,
        QKeyEvent,
        QMouseEvent,
        QResizeEvent,
        QWheelEvent,
    )

    from nnbuilder.app.canvas.quick_add import QuickAddPopup

LAYER_MIME = "application/x-nnbuilder-layer"
MIN_ZOOM, MAX_ZOOM = 0.15, 3.0
FRAME_MIN_ZOOM = 0.6  # framing never shrinks nodes below this (titles ≈ 8 px); larger graphs open at their input side
FRAME_MARGIN = 30.0


class GraphView(QGraphicsView):
    """The editor canvas.  ``quickAddRequested(scene_pos)`` fires on Tab or a double-click on empty space;
    unless ``builtin_quick_add`` is set to False the view answers it with a :class:`QuickAddPopup`.
    Its :class:`Minimap` (``view.minimap``, on unless ``minimap.set_enabled(False)``) shows while the graph
    does not fit in the view, in the corner that covers the fewest nodes (re-chosen on every pan and zoom)."""

    quickAddRequested = Signal(QPointF)

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        # A viewport made here, so PySide knows its type: the default one (made by Qt) reaches Python first
        # as ``paint``'s ``widget`` argument, and to find its type PySide builds the Python type of every
        # QWidget subclass (48 enum classes, ≈ 5 ms of the launch).
        self.setViewport(QWidget())
        self.builtin_quick_add = True
        self.keep_framed = False  # re-frame on every resize until the user zooms, pans or clicks
        self.popup: QuickAddPopup | None = None
        self._pending_port: tuple[str, int, bool] | None = None
        self._pan_from: QPoint | None = None
        self._space = False
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        # The grid is drawn once into a viewport-sized pixmap and blitted where items move: redrawing its
        # lines under every dragged node was ≈ 0.5 ms of a 2.7 ms move (50 nodes; ≈ 0.9 of 3.7 ms at 500).
        # Qt redraws the pixmap on resize and zoom, shifts it on scroll, and drops it on setBackgroundBrush
        # (GraphScene.set_palette: the grid's colours change with it).
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setAcceptDrops(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.quickAddRequested.connect(self._builtin_quick_add)
        self.minimap = Minimap(self)
        self.minimap.set_scene(scene)

    def setScene(self, scene: GraphScene) -> None:
        super().setScene(scene)
        self.minimap.set_scene(scene)

    def viewport_rect(self) -> QRect:
        """The viewport's rectangle in its own coordinates (without ``viewport()``: on the first call PySide
        builds Python types for every QWidget subclass, milliseconds the launch should not pay)."""
        return QRect(QPoint(0, 0), self.maximumViewportSize())  # scroll bars are always off

    def graph_scene(self) -> GraphScene:
        scene = self.scene()
        assert isinstance(scene, GraphScene)
        return scene

    # ------------------------------------------------------------- zoom / frame
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        """Scale by ``factor`` around the cursor, clamped to [MIN_ZOOM, MAX_ZOOM]."""
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        if abs(factor - 1.0) > 1e-9:
            self.scale(factor, factor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.keep_framed = False
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15 ** steps)
        event.accept()

    def frame_all(self, keep: bool = False) -> None:
        """Fit every node in the view (never zooming in past 1:1); ``keep``: again after every resize
        until the user zooms, pans or clicks in the view (for the layout changes right after start)."""
        self.keep_framed = keep
        items = self.graph_scene().node_items()
        if not items:
            return
        m = FRAME_MARGIN
        rect = self.graph_scene().itemsBoundingRect(items).adjusted(-m, -m, m, m)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.zoom_by(1.0 / self.zoom())
        elif self.zoom() < FRAME_MIN_ZOOM:
            self.zoom_by(FRAME_MIN_ZOOM / self.zoom())
            visible = self.mapToScene(self.viewport_rect()).boundingRect()
            self.centerOn(rect.left() + visible.width() / 2,
                          rect.center().y() if visible.height() >= rect.height() else rect.top() + visible.height() / 2)
            return
        self.centerOn(rect.center())

    def layout_columns(self) -> int:
        """Layer columns that fit across the view at the readable zoom (for wrapping auto layouts)."""
        from nnbuilder.app.canvas.layout import columns_for
        from nnbuilder.app.canvas.node_item import WIDTH

        return columns_for(self.viewport_rect().width() / FRAME_MIN_ZOOM - 2 * FRAME_MARGIN, WIDTH)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.minimap.place()
        if self.keep_framed:
            self.frame_all(keep=True)

    # ------------------------------------------------------------- pan
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.keep_framed = False
        middle = event.button() == Qt.MouseButton.MiddleButton
        if middle or (self._space and event.button() == Qt.MouseButton.LeftButton):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._node_at(event.position().toPoint()) is None:
            self.quickAddRequested.emit(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _edge_at(self, pos: QPoint) -> EdgeItem | None:
        """The connection under ``pos`` (viewport coordinates) where no node is."""
        if self._node_at(pos) is not None:
            return None
        return next((item for item in self.items(pos) if isinstance(item, EdgeItem)), None)

    def _node_at(self, pos: QPoint) -> NodeItem | None:
        for item in self.items(pos):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if item is not None:
                return item
        return None

    # ------------------------------------------------------------- keys
    def event(self, event) -> bool:
        if event.type() == event.Type.KeyPress and event.key() == Qt.Key.Key_Tab:
            self.quick_add_after_selection()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.keep_framed = False
        scene = self.graph_scene()
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            scene.delete_selected()
        elif key == Qt.Key.Key_F and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.frame_all()
        elif event.matches(QKeySequence.StandardKey.Copy):
            scene.copy_selected()
        elif event.matches(QKeySequence.StandardKey.Paste):
            scene.paste()
        elif key == Qt.Key.Key_D and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
            scene.duplicate_selected()
        elif key == Qt.Key.Key_Escape and scene.connector.active:
            scene.connector.cancel()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._pan_from = None
        super().keyReleaseEvent(event)

    def _cursor_scene_pos(self) -> QPointF:
        pos = self.viewport().mapFromGlobal(self.cursor().pos())
        if not self.viewport().rect().contains(pos):
            pos = self.viewport().rect().center()
        return self.mapToScene(pos)

    # ------------------------------------------------------------- quick add
    def _builtin_quick_add(self, scene_pos: QPointF) -> None:
        if not self.builtin_quick_add:
            return
        self.show_quick_add(scene_pos, self._pending_port)

    def quick_add_after_selection(self, scene_pos: QPointF | None = None) -> None:
        """Tab: layer search under the cursor; with one node selected the new layer is wired after it."""
        selected = self.graph_scene().selected_node_ids()
        item = self.graph_scene().node_item(selected[0]) if len(selected) == 1 else None
        self._pending_port = (item.node_id, 0, True) if item is not None and item.outputs else None
        try:
            self.quickAddRequested.emit(scene_pos or self._cursor_scene_pos())
        finally:
            self._pending_port = None

    def quick_add_from_port(self, scene_pos: QPointF, port: tuple[str, int, bool]) -> None:
        """A connection dropped in empty space: search a layer and wire it to ``port`` (node, index, is_output)."""
        self._pending_port = port
        try:
            self.quickAddRequested.emit(scene_pos)
        finally:
            self._pending_port = None

    def show_quick_add(self, scene_pos: QPointF, port: tuple[str, int, bool] | None = None) -> QuickAddPopup:
        """Open the search popup at ``scene_pos``; the chosen type is added there (wired to ``port``)."""
        if self.popup is not None:
            self.popup.close()
            self.popup.deleteLater()
        from nnbuilder.app.canvas.quick_add import QuickAddPopup  # on first use: not needed to open the window

        popup = QuickAddPopup(self)
        popup.typeChosen.connect(lambda name: self.graph_scene().add_node_at(name, scene_pos, port))
        popup.move(self.viewport().mapToGlobal(self.mapFromScene(scene_pos)))
        popup.show()
        popup.search.setFocus()
        self.popup = popup
        return popup

    # ------------------------------------------------------------- drops
    def _layer_type(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> str | None:
        mime = event.mimeData()
        if not mime.hasFormat(LAYER_MIME):
            return None
        name = bytes(mime.data(LAYER_MIME)).decode("utf-8", "replace").strip()
        return name if name in registry() else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._layer_type(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._layer_type(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        name = self._layer_type(event)
        if name is None:
            event.ignore()
            return
        pos = event.position().toPoint()
        edge = self._edge_at(pos)
        if edge is not None and self.graph_scene().splice_at(name, edge.key, self.mapToScene(pos)):
            event.acceptProposedAction()
            self.setFocus()
            return
        self.graph_scene().add_node_at(name, self.mapToScene(pos))
        event.acceptProposedAction()
        self.setFocus()
