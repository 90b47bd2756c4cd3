"""The scene's editing actions: add, delete, copy/paste/duplicate and auto-layout, each one undo step."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF

from nnbuilder.app.canvas import clipboard
from nnbuilder.app.canvas.layout import layered_positions
from nnbuilder.app.canvas.node_item import GRID, WIDTH
from nnbuilder.app.canvas.splice import add_connected_command, splice_command
from nnbuilder.app.undo import push
from nnbuilder.graph.commands import AddNode, Disconnect, Macro, MoveNodes, RemoveNodes, new_node

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from nnbuilder.app.canvas.edge_item import EdgeItem, EdgeKey
    from nnbuilder.app.canvas.node_item import NodeItem
    from nnbuilder.graph.document import GraphDocument


class SceneEdits:
    """Mixed into :class:`GraphScene`; every method pushes commands through the undo stack."""

    doc: GraphDocument
    stack: QUndoStack
    snap_to_grid: bool
    _nodes: dict[str, NodeItem]
    _edges: dict[EdgeKey, EdgeItem]
    _quiet: int

    # ------------------------------------------------------------- edits
    def add_node_at(self, type_name: str, scene_pos: QPointF, port: tuple[str, int, bool] | None = None) -> str:
        """Add a ``type_name`` node centred at ``scene_pos`` (one undo step); return its id.

        With ``port`` = (node id, index, is_output) the new node is wired to that port in the same step."""
        x, y = scene_pos.x() - WIDTH / 2, scene_pos.y() - 30
        if self.snap_to_grid:
            x, y = round(x / GRID) * GRID, round(y / GRID) * GRID
        if port is not None and self.doc.has_node(port[0]):
            command, node_id = add_connected_command(self.doc, type_name, (x, y), port)
            push(self.stack, self.doc, command)
        else:
            node = new_node(self.doc, type_name, (x, y))
            push(self.stack, self.doc, AddNode(node))
            node_id = node.id
        self.select_nodes([node_id])
        return node_id

    def splice_at(self, type_name: str, key: EdgeKey, scene_pos: QPointF) -> str | None:
        """Insert a ``type_name`` node into the connection ``key`` at ``scene_pos`` (one undo step); its id,
        or None for a layer that cannot sit in a connection (no input or no output)."""
        from nnbuilder.layers import get_spec

        spec = get_spec(type_name)
        if not spec.inputs or not spec.outputs or self.doc.find_edge(key) is None:
            return None
        command, node_id = splice_command(self.doc, key, type_name,
                                          (scene_pos.x() - WIDTH / 2, scene_pos.y() - 30))
        push(self.stack, self.doc, command)
        self.select_nodes([node_id])
        return node_id

    def delete_selected(self) -> None:
        """Delete selected nodes (with their edges) and selected edges, as one undo step."""
        ids = self.selected_node_ids()
        gone = set(ids)
        keys = [e.key for e in self._edges.values()
                if e.isSelected() and e.key[0] not in gone and e.key[2] not in gone]
        commands = [Disconnect(k) for k in keys] + ([RemoveNodes(ids)] if ids else [])
        if not commands:
            return
        self._quiet += 1
        try:
            push(self.stack, self.doc, commands[0] if len(commands) == 1 else Macro("delete selection", commands))
        finally:
            self._quiet -= 1
        self._emit_selection()

    def copy_selected(self) -> dict[str, Any]:
        """Put the selected nodes and their internal edges on the clipboard; return that data."""
        data = clipboard.fragment(self.doc, self.selected_node_ids())
        if data["nodes"]:
            clipboard.write_clipboard(data)
        return data

    def paste(self, data: dict[str, Any] | None = None, offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
        """Paste ``data`` (default: the clipboard) with fresh ids; select and return the new ids."""
        data = clipboard.read_clipboard() if data is None else data
        if not data or not data.get("nodes"):
            return []
        try:
            command, ids = clipboard.paste_command(self.doc, data, offset)
        except clipboard.ProjectFileError:
            return []
        push(self.stack, self.doc, command)
        self.select_nodes(ids)
        return ids

    def duplicate_selected(self, offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
        """Copy and paste the selection in one step without touching the clipboard."""
        ids = self.selected_node_ids()
        if not ids:
            return []
        return self.paste(clipboard.fragment(self.doc, ids), offset)

    def auto_layout(self, max_columns: int | None = None) -> None:
        """Arrange nodes left to right in topological layers, wrapping after ``max_columns`` (one undo step)."""
        if not self._nodes:
            return
        first = self.itemsBoundingRect(self._nodes.values())
        positions = layered_positions(self.doc, (first.left(), first.top()), max_columns)
        moves = {nid: pos for nid, pos in positions.items() if self.doc.node(nid).pos != pos}
        if moves:
            push(self.stack, self.doc, Macro("auto layout", [MoveNodes(moves)]))
