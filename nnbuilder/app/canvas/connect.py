"""Dragging connections: from a port to a compatible port, or an edge's input end off its port."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF

from nnbuilder.app.canvas.edge_item import EdgeKey, TempEdge
from nnbuilder.app.canvas.layout import to_digraph
from nnbuilder.app.canvas.node_item import ALLOWED, DIMMED, NORMAL, PortItem
from nnbuilder.app.canvas.theme import color
from nnbuilder.app.undo import push
from nnbuilder.graph.commands import Command, Connect, Disconnect, Macro
from nnbuilder.graph.document import Edge

if TYPE_CHECKING:
    from nnbuilder.app.canvas.scene import GraphScene

SNAP_RADIUS = 18.0


class ConnectionDrag:
    """State of one connection drag; the scene forwards press/move/release to it."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.active = False
        self.from_output = True
        self.fixed: tuple[str, int] = ("", 0)  # the port the curve stays attached to
        self.detached: EdgeKey | None = None  # an existing edge picked up by its input end
        self.temp: TempEdge | None = None
        self.allowed: set[PortItem] = set()
        self.start_pos = QPointF()

    def begin(self, port: PortItem) -> None:
        """Start dragging from ``port`` (an input port with an edge picks that edge up)."""
        doc = self.scene.doc
        self.detached = None
        self.start_pos = port.scenePos()
        if port.is_input:
            existing = [e for e in doc.in_edges(port.node_id) if e.target_port == port.index]
            if existing:
                edge = existing[-1]
                self.detached = edge.key
                self.from_output, self.fixed = True, (edge.source, edge.source_port)
                item = self.scene.edge_item(edge.key)
                if item is not None:
                    item.setVisible(False)
            else:
                self.from_output, self.fixed = False, (port.node_id, port.index)
        else:
            self.from_output, self.fixed = True, (port.node_id, port.index)
        import networkx as nx  # lazy: see layout.py (already loaded by then: analysis imports it)

        graph = to_digraph(doc, skip=self.detached)
        origin = self.fixed[0]
        # A new edge origin→T closes a cycle when T already reaches origin (and vice versa).
        blocked = (nx.ancestors(graph, origin) if self.from_output else nx.descendants(graph, origin)) | {origin}
        self.allowed = set()
        for node in self.scene.node_items():
            wanted = node.inputs if self.from_output else node.outputs
            other = node.outputs if self.from_output else node.inputs
            ok = node.node_id not in blocked
            for p in wanted:
                p.set_state(ALLOWED if ok and p.valid else DIMMED)
                if ok and p.valid:
                    self.allowed.add(p)
            for p in other:
                p.set_state(DIMMED)
        anchor_node = self.scene.node_item(origin)
        anchor = anchor_node.anchor(not self.from_output, self.fixed[1]) if anchor_node else port.scenePos()
        self.temp = TempEdge(anchor, self.from_output, color(self.scene.palette_colors, "edge_selected"))
        self.scene.addItem(self.temp)
        self.active = True

    def target_at(self, pos: QPointF) -> PortItem | None:
        """The nearest allowed port within the snap radius of ``pos``."""
        area = QRectF(pos.x() - SNAP_RADIUS, pos.y() - SNAP_RADIUS, 2 * SNAP_RADIUS, 2 * SNAP_RADIUS)
        best, best_d = None, SNAP_RADIUS ** 2
        for item in self.scene.items(area):
            if isinstance(item, PortItem) and item in self.allowed:
                d = (item.scenePos() - pos)
                dist = d.x() ** 2 + d.y() ** 2
                if dist <= best_d:
                    best, best_d = item, dist
        return best

    def move(self, pos: QPointF) -> None:
        if self.temp is None:
            return
        target = self.target_at(pos)
        self.temp.set_end(target.scenePos() if target is not None else pos)

    def finish(self, pos: QPointF) -> None:
        """Release at ``pos``: connect, reconnect, disconnect (picked-up edge dropped off) or cancel.

        A new connection released in empty space opens the layer search there; the chosen layer is wired
        to the port the drag started from."""
        target = self.target_at(pos)
        command = self._command_for(target)
        opened = target is None and self.detached is None and self._empty_space(pos)
        port = (self.fixed[0], self.fixed[1], self.from_output)
        self.cancel()
        if command is not None:
            push(self.scene.stack, self.scene.doc, command)
        elif opened:
            for view in self.scene.views():
                if hasattr(view, "quick_add_from_port"):
                    view.quick_add_from_port(pos, port)
                    break

    def _empty_space(self, pos: QPointF) -> bool:
        """Released away from the port it started at and not over a node."""
        from nnbuilder.app.canvas.node_item import NodeItem

        moved = (pos - self.start_pos)
        if moved.x() ** 2 + moved.y() ** 2 < (2 * SNAP_RADIUS) ** 2:
            return False
        return not any(isinstance(item, NodeItem) for item in self.scene.items(pos))

    def _command_for(self, target: PortItem | None) -> Command | None:
        edge = None
        if target is not None:
            node, index = self.fixed
            if self.from_output:
                edge = Edge(node, target.node_id, index, target.index)
            else:
                edge = Edge(target.node_id, node, target.index, index)
        if self.detached is not None:
            if edge is None:
                return Disconnect(self.detached)
            if edge.key == self.detached:
                return None
            return Macro(f"reconnect '{edge.source}' → '{edge.target}'", [Disconnect(self.detached), Connect(edge)])
        if edge is None or self.scene.doc.find_edge(edge.key) is not None:
            return None
        return Connect(edge)

    def cancel(self) -> None:
        """End the drag without changing the document."""
        if self.temp is not None:
            self.scene.removeItem(self.temp)
            self.temp = None
        if self.detached is not None:
            item = self.scene.edge_item(self.detached)
            if item is not None:
                item.setVisible(True)
            self.detached = None
        for node in self.scene.node_items():
            for p in node.inputs + node.outputs:
                p.set_state(NORMAL)
        self.allowed = set()
        self.active = False
