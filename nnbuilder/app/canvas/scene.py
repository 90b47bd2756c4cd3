"""GraphScene: a QGraphicsScene mirroring a GraphDocument; every edit goes through the undo stack."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPen, QUndoStack
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from nnbuilder.app.canvas.backbone_blocks import toggled_freeze
from nnbuilder.app.canvas.backbone_item import BackboneNodeItem, node_item_for
from nnbuilder.app.canvas.connect import ConnectionDrag
from nnbuilder.app.canvas.edge_item import EdgeItem, EdgeKey
from nnbuilder.app.canvas.edits import SceneEdits
from nnbuilder.app.canvas.layout import WRAP_COLUMNS, layered_positions
from nnbuilder.app.canvas.node_item import GRID, NodeItem, PortItem, format_shape
from nnbuilder.app.canvas.node_splice import NodeSpliceDrag
from nnbuilder.app.canvas.splice import splice_node_command
from nnbuilder.app.canvas.theme import THEMES, color
from nnbuilder.app.undo import push
from nnbuilder.backbones.blocks import block_table, frozen_blocks
from nnbuilder.graph import document as ev
from nnbuilder.graph.commands import MoveNodes, SetParam
from nnbuilder.graph.document import DocEvent, Edge, GraphDocument

SCENE_EXTENT = 100_000.0


class GraphScene(SceneEdits, QGraphicsScene):
    """Node and edge items for ``doc``; it draws the document and the last analysis, nothing more."""

    nodeActivated = Signal(str)
    selectionChangedIds = Signal(list)

    def __init__(self, doc: GraphDocument, stack: QUndoStack, parent: Any = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.stack = stack
        self.palette_colors: dict[str, str] = THEMES["light"]
        self.snap_to_grid = False
        self.connector = ConnectionDrag(self)
        self.node_splice = NodeSpliceDrag(self)
        self._nodes: dict[str, NodeItem] = {}
        self._edges: dict[EdgeKey, EdgeItem] = {}
        self._moved: set[str] = set()
        self._expanded: set[str] = set()  # view state: Backbone nodes showing their blocks (not in the document)
        self._quiet = 0
        self.setSceneRect(-SCENE_EXTENT / 2, -SCENE_EXTENT / 2, SCENE_EXTENT, SCENE_EXTENT)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.selectionChanged.connect(self._emit_selection)
        self.set_palette(self.palette_colors)
        self._rebuild()
        doc.subscribe(self._on_event)

    def dispose(self) -> None:
        """Stop listening to the document (call before dropping the scene)."""
        self.doc.unsubscribe(self._on_event)

    # ------------------------------------------------------------- lookups
    def node_item(self, node_id: str) -> NodeItem | None:
        return self._nodes.get(node_id)

    def edge_item(self, key: EdgeKey) -> EdgeItem | None:
        return self._edges.get(key)

    def node_items(self) -> list[NodeItem]:
        return list(self._nodes.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edges.values())

    # ------------------------------------------------------------- mirroring
    def _on_event(self, event: DocEvent) -> None:
        kind = event.kind
        if kind == ev.NODE_ADDED:
            self._add_node_item(event.node_id)
        elif kind == ev.NODE_REMOVED:
            item = self._nodes.pop(event.node_id, None)
            if item is not None:
                self._moved.discard(event.node_id)
                self._expanded.discard(event.node_id)
                self.removeItem(item)
        elif kind == ev.NODE_MOVED:
            item = self._nodes.get(event.node_id)
            if item is not None:
                item.set_doc_pos(self._doc_pos(event.node_id))
        elif kind == ev.NODE_RENAMED:
            self._rename(event.detail, event.node_id)
        elif kind == ev.PARAM_CHANGED:
            self._refresh_node(event.node_id)
        elif kind == ev.EDGE_ADDED and event.edge is not None:
            self._add_edge_item(event.edge)
        elif kind == ev.EDGE_REMOVED and event.edge is not None:
            item = self._edges.pop(event.edge.key, None)
            if item is not None:
                item.detach()
                self.removeItem(item)
        elif kind == ev.RESET:
            self._rebuild()

    def _rebuild(self) -> None:
        if self.connector.active:
            self.connector.cancel()
        self.node_splice.clear()
        for item in list(self._edges.values()):
            item.detach()
            self.removeItem(item)
        for item in list(self._nodes.values()):
            self.removeItem(item)
        self._nodes.clear()
        self._edges.clear()
        self._moved.clear()
        fallback = layered_positions(self.doc, max_columns=WRAP_COLUMNS) if any(n.pos is None for n in self.doc.nodes) else {}
        for node in self.doc.nodes:
            self._add_node_item(node.id, fallback.get(node.id))
        for edge in self.doc.edges:
            self._add_edge_item(edge)
        self._expanded &= set(self._nodes)

    def _doc_pos(self, node_id: str, fallback: tuple[float, float] | None = None) -> QPointF:
        """Where the document puts a node; nodes without ``pos`` get a derived place."""
        pos = self.doc.node(node_id).pos
        if pos is None:
            if fallback is None:
                i = list(self._nodes).index(node_id) if node_id in self._nodes else len(self._nodes)
                fallback = (40.0 * (i % 10), 40.0 * (i % 10) + 140.0 * (i // 10))
            pos = fallback
        return QPointF(float(pos[0]), float(pos[1]))

    def _add_node_item(self, node_id: str, fallback: tuple[float, float] | None = None) -> None:
        item = node_item_for(self.doc.node(node_id), self.doc)
        self._nodes[node_id] = item
        self.addItem(item)
        item.set_doc_pos(self._doc_pos(node_id, fallback))
        if node_id in self._expanded and isinstance(item, BackboneNodeItem):
            item.set_expanded(True)

    def _add_edge_item(self, edge: Edge) -> None:
        source, target = self._nodes[edge.source], self._nodes[edge.target]
        if edge.target_port >= len(target.inputs) or edge.source_port >= len(source.outputs):
            self._refresh_node(edge.target)
            self._refresh_node(edge.source)
        item = EdgeItem(edge.key, source, target)
        self._edges[edge.key] = item
        self.addItem(item)

    def _refresh_node(self, node_id: str) -> None:
        item = self._nodes.get(node_id)
        if item is None:
            return
        used_in = max((e.target_port + 1 for e in self.doc.in_edges(node_id)), default=0)
        used_out = max((e.source_port + 1 for e in self.doc.out_edges(node_id)), default=0)
        item.refresh(self.doc.node(node_id), used_in, used_out)
        for edge in item.edges:
            edge.update_path()

    def _rename(self, old: str, new: str) -> None:
        item = self._nodes.pop(old, None)
        if item is None:
            return
        self._nodes[new] = item
        item.node_id = new
        if old in self._expanded:
            self._expanded.discard(old)
            self._expanded.add(new)
        for edge in item.edges:
            self._edges.pop(edge.key, None)
            s, sp, t, tp = edge.key
            edge.key = (new if s == old else s, sp, new if t == old else t, tp)
            self._edges[edge.key] = edge
        item.update()

    # ------------------------------------------------------------- backbone blocks
    def is_expanded(self, node_id: str) -> bool:
        """Whether the Backbone node ``node_id`` lists its blocks (view state, not saved)."""
        return node_id in self._expanded

    def set_expanded(self, node_id: str, expanded: bool) -> None:
        """Expand or collapse the Backbone node ``node_id`` (other nodes have nothing to expand)."""
        item = self._nodes.get(node_id)
        if isinstance(item, BackboneNodeItem):
            item.set_expanded(expanded)

    def note_expanded(self, node_id: str, expanded: bool) -> None:
        """Called by a Backbone item when the user expands or collapses it."""
        if expanded:
            self._expanded.add(node_id)
        else:
            self._expanded.discard(node_id)

    def toggle_block(self, node_id: str, block: str) -> str | None:
        """Freeze ``block`` of Backbone ``node_id`` if it trains, unfreeze it if frozen: one undoable SetParam.

        Returns why nothing was done (a block frozen through its parent block), else None.
        """
        node = self.doc.node(node_id)
        freeze = node.params.get("freeze", "none")
        try:
            table = block_table(str(node.params.get("model", "resnet18")), str(node.params.get("output", "features")))
            value = toggled_freeze(freeze, table, block)
        except ValueError as exc:
            return str(exc)
        command = SetParam(node_id, "freeze", value)
        verb = "unfreeze" if block in frozen_blocks(freeze, table) else "freeze"
        command.text = f"{verb} {node_id}.{block}"
        push(self.stack, self.doc, command)
        return None

    # ------------------------------------------------------------- analysis
    def apply_analysis(self, analysis: Any) -> None:
        """Show shapes, parameter counts and issues from :func:`nnbuilder.analysis.analyze`."""
        issues: dict[str, list[Any]] = {}
        for issue in analysis.issues:
            if issue.node is not None:
                issues.setdefault(issue.node, []).append(issue)
        for node_id, item in self._nodes.items():
            info = analysis.nodes.get(node_id)
            found = issues.get(node_id, [])
            severity = None
            if found:
                severity = "error" if any(i.is_error for i in found) else "warning"
            params = info.param_count if info is not None and info.param_count else None
            trainable = info.trainable if info is not None and params is not None else None
            item.set_analysis(info.output_shape if info is not None else None, params, severity,
                              [i.text() for i in found], trainable)
        for key, edge in self._edges.items():
            info = analysis.nodes.get(key[0])
            shape = info.output_shape if info is not None else None
            edge.set_shape_text(format_shape(shape) if shape is not None else "")

    # ------------------------------------------------------------- selection
    def selected_node_ids(self) -> list[str]:
        return [nid for nid, item in self._nodes.items() if item.isSelected()]

    def select_nodes(self, ids: list[str]) -> None:
        self._quiet += 1
        try:
            self.clearSelection()
            for node_id in ids:
                item = self._nodes.get(node_id)
                if item is not None:
                    item.setSelected(True)
        finally:
            self._quiet -= 1
        self._emit_selection()

    def _emit_selection(self) -> None:
        if not self._quiet:
            self.selectionChangedIds.emit(self.selected_node_ids())

    def itemsBoundingRect(self, items: Any = None) -> QRectF:
        if items is None:
            return super().itemsBoundingRect()
        rect = QRectF()
        for item in items:
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # ------------------------------------------------------------- moves
    def note_moved(self, node_id: str) -> None:
        """Called by a node item the user drags; the move is committed on release."""
        self._moved.add(node_id)

    def commit_moves(self, splice: tuple[str, EdgeKey] | None = None) -> None:
        """Push one MoveNodes for every node dragged since the last commit; with ``splice`` = (node id,
        connection) that node is also inserted into that connection, in the same undo step."""
        moves = {}
        for node_id in self._moved:
            item = self._nodes.get(node_id)
            if item is None:
                continue
            pos = (item.pos().x(), item.pos().y())
            if self.doc.node(node_id).pos != pos:
                moves[node_id] = pos
        self._moved.clear()
        if splice is not None and self.doc.find_edge(splice[1]) is not None and not self.doc.edges_of(splice[0]):
            push(self.stack, self.doc, splice_node_command(self.doc, splice[1], splice[0], moves))
        elif moves:
            push(self.stack, self.doc, MoveNodes(moves))

    # ------------------------------------------------------------- mouse
    def _port_at(self, pos: QPointF) -> PortItem | None:
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item
            if isinstance(item, NodeItem):
                return None
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            port = self._port_at(event.scenePos())
            if port is not None:
                self.connector.begin(port)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.connector.active:
            self.connector.move(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)
        if self._moved:
            self.node_splice.track(self._moved)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.connector.active:
            self.connector.finish(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self.commit_moves(self.node_splice.take())

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            for item in self.items(event.scenePos()):
                if isinstance(item, BackboneNodeItem):
                    control = item.control_at(item.mapFromScene(event.scenePos()))
                    if control is not None:  # a quick second click on a chevron or lock is another click
                        item.activate(control, event.widget(), event.screenPos())
                        event.accept()
                        return
                if isinstance(item, NodeItem):
                    break
        for item in self.items(event.scenePos()):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if isinstance(item, NodeItem):
                self.nodeActivated.emit(item.node_id)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    # ------------------------------------------------------------- theme
    def set_palette(self, colors: dict[str, str]) -> None:
        """Use ``colors`` (one of :data:`theme.THEMES`) for the background and every item."""
        self.palette_colors = colors
        self.setBackgroundBrush(color(colors, "background"))
        for item in self.items():
            item.update()
        self.update()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        scale = painter.worldTransform().m11()
        if scale < 0.35:
            return
        # as the view's own painter: the cached background (view.py) is drawn with a bare painter
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for step, key in ((GRID, "grid"), (GRID * 5, "grid_major")):
            if step == GRID and scale < 0.7:
                continue
            painter.setPen(QPen(color(self.palette_colors, key), 0))
            left = int(rect.left() // step) * step
            top = int(rect.top() // step) * step
            x = left
            lines = []
            while x < rect.right():
                lines.append(QLineF(x, rect.top(), x, rect.bottom()))
                x += step
            y = top
            while y < rect.bottom():
                lines.append(QLineF(rect.left(), y, rect.right(), y))
                y += step
            painter.drawLines(lines)


