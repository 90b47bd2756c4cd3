"""Undoable edit commands: the only way the document changes.

Each command has ``do``/``undo`` over a :class:`GraphDocument` and a short
``text`` for the Edit menu.  The GUI wraps them in ``QUndoCommand``; headless
code can use :class:`History`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from nnbuilder.graph.document import Edge, GraphDocument, GraphError, Node

_MISSING = object()


class Command:
    """Base class: subclasses implement ``do`` and ``undo``."""

    text = "edit"
    merge_key: Any = None  # commands with equal non-None keys merge (e.g. one node's moves)

    def do(self, doc: GraphDocument) -> None:
        raise NotImplementedError

    def undo(self, doc: GraphDocument) -> None:
        raise NotImplementedError

    def merge(self, other: Command) -> bool:
        """Absorb ``other`` (a later command with the same merge_key); return success."""
        return False


class AddNode(Command):
    def __init__(self, node: Node) -> None:
        self.node = node
        self.text = f"add {node.type} '{node.id}'"

    def do(self, doc: GraphDocument) -> None:
        doc.insert_node(self.node.clone())

    def undo(self, doc: GraphDocument) -> None:
        for edge in doc.edges_of(self.node.id):
            doc.pop_edge(edge.key)
        doc.pop_node(self.node.id)


class RemoveNodes(Command):
    """Remove nodes and every edge touching them; undo restores exact positions in order."""

    def __init__(self, node_ids: Sequence[str]) -> None:
        self.node_ids = list(dict.fromkeys(node_ids))
        self._nodes: list[tuple[Node, int]] = []
        self._edges: list[tuple[Edge, int]] = []
        self.text = f"delete {len(self.node_ids)} node(s)" if len(self.node_ids) != 1 else f"delete '{self.node_ids[0]}'"

    def do(self, doc: GraphDocument) -> None:
        ids = set(self.node_ids)
        self._edges = []
        for edge in doc.edges:
            if edge.source in ids or edge.target in ids:
                self._edges.append(doc.pop_edge(edge.key))
        self._nodes = [doc.pop_node(i) for i in self.node_ids]

    def undo(self, doc: GraphDocument) -> None:
        for node, index in reversed(self._nodes):
            doc.insert_node(node, index)
        for edge, index in reversed(self._edges):
            doc.insert_edge(edge, index)


class MoveNodes(Command):
    """Move nodes to new positions; consecutive drags of the same nodes merge."""

    def __init__(self, moves: dict[str, tuple[float, float]], old: dict[str, Any] | None = None) -> None:
        self.moves = dict(moves)
        self.old = dict(old) if old is not None else None
        self.merge_key = ("move", tuple(sorted(self.moves)))
        self.text = "move node(s)"

    def do(self, doc: GraphDocument) -> None:
        if self.old is None:
            self.old = {i: doc.node(i).pos for i in self.moves}
        for node_id, pos in self.moves.items():
            doc.set_pos(node_id, (float(pos[0]), float(pos[1])))

    def undo(self, doc: GraphDocument) -> None:
        for node_id, pos in (self.old or {}).items():
            doc.set_pos(node_id, pos)

    def merge(self, other: Command) -> bool:
        if isinstance(other, MoveNodes) and other.merge_key == self.merge_key:
            self.moves = dict(other.moves)
            return True
        return False


class Connect(Command):
    """Add an edge; an existing edge into the same input port is replaced (undo restores it)."""

    def __init__(self, edge: Edge, replace: bool = True) -> None:
        self.edge = edge
        self.replace = replace
        self._replaced: list[tuple[Edge, int]] = []
        self.text = f"connect '{edge.source}' → '{edge.target}'"

    def do(self, doc: GraphDocument) -> None:
        self._replaced = []
        if self.replace:
            for e in doc.in_edges(self.edge.target):
                if e.target_port == self.edge.target_port and e.key != self.edge.key:
                    self._replaced.append(doc.pop_edge(e.key))
        doc.insert_edge(self.edge.clone())

    def undo(self, doc: GraphDocument) -> None:
        doc.pop_edge(self.edge.key)
        for edge, index in reversed(self._replaced):
            doc.insert_edge(edge, index)


class Disconnect(Command):
    def __init__(self, key: tuple[str, int, str, int]) -> None:
        self.key = key
        self._edge: tuple[Edge, int] | None = None
        self.text = f"disconnect '{key[0]}' → '{key[2]}'"

    def do(self, doc: GraphDocument) -> None:
        self._edge = doc.pop_edge(self.key)

    def undo(self, doc: GraphDocument) -> None:
        assert self._edge is not None
        doc.insert_edge(*self._edge)


class SetParam(Command):
    """Set one parameter; ``value=None`` on an inferred parameter means 'auto'."""

    def __init__(self, node_id: str, name: str, value: Any, remove: bool = False) -> None:
        self.node_id, self.name, self.value, self.remove = node_id, name, value, remove
        self._old: Any = _MISSING
        self.text = f"set {node_id}.{name}"

    def do(self, doc: GraphDocument) -> None:
        self._old = doc.node(self.node_id).params.get(self.name, _MISSING)
        doc.set_param(self.node_id, self.name, self.value, present=not self.remove)

    def undo(self, doc: GraphDocument) -> None:
        if self._old is _MISSING:
            doc.set_param(self.node_id, self.name, None, present=False)
        else:
            doc.set_param(self.node_id, self.name, self._old)


class RenameNode(Command):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        self.text = f"rename '{old}' to '{new}'"

    def do(self, doc: GraphDocument) -> None:
        doc.rename_node(self.old, self.new)

    def undo(self, doc: GraphDocument) -> None:
        doc.rename_node(self.new, self.old)


class Macro(Command):
    """Several commands as one undo step (paste, duplicate, auto-layout)."""

    def __init__(self, text: str, commands: Iterable[Command]) -> None:
        self.text = text
        self.commands = list(commands)

    def do(self, doc: GraphDocument) -> None:
        done: list[Command] = []
        try:
            for cmd in self.commands:
                cmd.do(doc)
                done.append(cmd)
        except GraphError:
            for cmd in reversed(done):
                cmd.undo(doc)
            raise

    def undo(self, doc: GraphDocument) -> None:
        for cmd in reversed(self.commands):
            cmd.undo(doc)


class History:
    """A minimal undo stack for headless use (the GUI uses QUndoStack instead)."""

    def __init__(self, doc: GraphDocument) -> None:
        self.doc = doc
        self._done: list[Command] = []
        self._undone: list[Command] = []

    def push(self, cmd: Command) -> None:
        cmd.do(self.doc)
        self._undone.clear()
        last = self._done[-1] if self._done else None
        if last is not None and cmd.merge_key is not None and last.merge_key == cmd.merge_key and last.merge(cmd):
            return
        self._done.append(cmd)

    def undo(self) -> bool:
        if not self._done:
            return False
        cmd = self._done.pop()
        cmd.undo(self.doc)
        self._undone.append(cmd)
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        cmd = self._undone.pop()
        cmd.do(self.doc)
        self._done.append(cmd)
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._done)


def new_node(doc: GraphDocument, type_name: str, pos: tuple[float, float] | None = None,
             params: dict[str, Any] | None = None, node_id: str | None = None) -> Node:
    """A node of ``type_name`` with the spec's default params and a free id (not yet added)."""
    from nnbuilder.layers import get_spec

    spec = get_spec(type_name)
    base = node_id or spec.new_id_base()
    values = {k: v for k, v in spec.defaults().items() if v is not None}
    values.update(params or {})
    return Node(doc.unique_id(base), type_name, values, pos)

