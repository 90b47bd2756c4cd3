"""The graph document: nodes, edges and change events.  Qt-free.

The document is the single source of truth for a network.  It is changed only
through :mod:`nnbuilder.graph.commands`, each of which emits :class:`DocEvent`s
that views (the Qt scene, the summary panel) subscribe to.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


@dataclass
class Node:
    """One layer or graph operation; ``params`` use the spec's parameter names."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # unknown JSON keys, kept on save

    def clone(self) -> Node:
        return Node(self.id, self.type, copy.deepcopy(self.params), self.pos, copy.deepcopy(self.extra))


@dataclass
class Edge:
    """A connection from an output port of ``source`` to an input port of ``target``."""

    source: str
    target: str
    source_port: int = 0
    target_port: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int, str, int]:
        return (self.source, self.source_port, self.target, self.target_port)

    def clone(self) -> Edge:
        return Edge(self.source, self.target, self.source_port, self.target_port, copy.deepcopy(self.extra))


class DocEventKind(str, Enum):
    """What changed; members equal their strings (``DocEventKind.NODE_ADDED == "node_added"``)."""

    NODE_ADDED = "node_added"
    NODE_REMOVED = "node_removed"
    NODE_MOVED = "node_moved"
    NODE_RENAMED = "node_renamed"  # node_id = new id, detail = old id
    PARAM_CHANGED = "param_changed"  # detail = parameter name
    EDGE_ADDED = "edge_added"
    EDGE_REMOVED = "edge_removed"
    RESET = "reset"  # the whole content changed: views rebuild from the document

    __hash__ = str.__hash__  # hashed like the string, so sets of plain kinds keep working

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class DocEvent:
    """A change notification of one :class:`DocEventKind`."""

    kind: DocEventKind
    node_id: str | None = None
    edge: Edge | None = None
    detail: Any = None


NODE_ADDED = DocEventKind.NODE_ADDED
NODE_REMOVED = DocEventKind.NODE_REMOVED
NODE_MOVED = DocEventKind.NODE_MOVED
NODE_RENAMED = DocEventKind.NODE_RENAMED
PARAM_CHANGED = DocEventKind.PARAM_CHANGED
EDGE_ADDED = DocEventKind.EDGE_ADDED
EDGE_REMOVED = DocEventKind.EDGE_REMOVED
RESET = DocEventKind.RESET

Listener = Callable[[DocEvent], None]


class GraphError(ValueError):
    """An edit the document cannot take; the subclasses say which kind, so callers can act on the type."""


class InvalidNodeId(GraphError):
    """A node id that is not a non-empty string."""


class DuplicateNodeId(GraphError):
    """A node id already used in the document."""


class UnknownNode(GraphError):
    """A node id the document does not have."""


class NodeStillConnected(GraphError):
    """Removing a node that still has edges (remove its edges first)."""


class DuplicateEdge(GraphError):
    """An edge that already exists."""


class UnknownEdge(GraphError):
    """An edge the document does not have."""


class WrongNodeType(GraphError):
    """An edit for one kind of node applied to another (e.g. expanding a node that is not a Backbone)."""


class GraphDocument:
    """Ordered nodes and edges with change events.

    The low-level mutators below keep the document consistent but are meant to
    be called by command objects, which make every edit undoable.
    """

    def __init__(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (),
                 extra: dict[str, Any] | None = None) -> None:
        self._nodes: dict[str, Node] = {}
        self._edges: list[Edge] = []
        self._listeners: list[Listener] = []
        self.extra: dict[str, Any] = extra or {}
        for node in nodes:
            self.insert_node(node)
        for edge in edges:
            self.insert_edge(edge)

    # ----------------------------------------------------------------- queries
    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    @property
    def edges(self) -> list[Edge]:
        return list(self._edges)

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise UnknownNode(f"no node with id {node_id!r}") from None

    def has_node(self, node_id: str) -> bool:
        return node_id in self._nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self._nodes.values())

    def __len__(self) -> int:
        return len(self._nodes)

    def in_edges(self, node_id: str) -> list[Edge]:
        return [e for e in self._edges if e.target == node_id]

    def out_edges(self, node_id: str) -> list[Edge]:
        return [e for e in self._edges if e.source == node_id]

    def edges_of(self, node_id: str) -> list[Edge]:
        return [e for e in self._edges if e.source == node_id or e.target == node_id]

    def find_edge(self, key: tuple[str, int, str, int]) -> Edge | None:
        return next((e for e in self._edges if e.key == key), None)

    def unique_id(self, base: str, taken: Collection[str] = ()) -> str:
        """``base`` if free (in the document and in ``taken``), else ``base2``, ``base3``..."""
        def used(name: str) -> bool:
            return name in self._nodes or name in taken

        if not used(base):
            return base
        stem = base.rstrip("0123456789") or base
        n = 2
        while used(f"{stem}{n}"):
            n += 1
        return f"{stem}{n}"

    def snapshot(self) -> tuple[list[Node], list[Edge]]:
        """Deep copies of nodes and edges (for comparing documents in tests and undo)."""
        return [n.clone() for n in self._nodes.values()], [e.clone() for e in self._edges]

    def copy(self) -> GraphDocument:
        nodes, edges = self.snapshot()
        return GraphDocument(nodes, edges, copy.deepcopy(self.extra))

    # ----------------------------------------------------------------- events
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, event: DocEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # ------------------------------------------------- low-level mutators
    def insert_node(self, node: Node, index: int | None = None) -> None:
        if not isinstance(node.id, str) or not node.id:
            raise InvalidNodeId("a node id must be a non-empty string")
        if node.id in self._nodes:
            raise DuplicateNodeId(f"a node with id {node.id!r} already exists")
        items = list(self._nodes.items())
        if index is None or index >= len(items):
            items.append((node.id, node))
        else:
            items.insert(index, (node.id, node))
        self._nodes = dict(items)
        self.emit(DocEvent(NODE_ADDED, node.id))

    def pop_node(self, node_id: str) -> tuple[Node, int]:
        """Remove a node that has no edges; return it with its index."""
        if self.edges_of(node_id):
            raise NodeStillConnected(f"node {node_id!r} still has connections")
        index = list(self._nodes).index(node_id)
        node = self._nodes.pop(node_id)
        self.emit(DocEvent(NODE_REMOVED, node_id))
        return node, index

    def insert_edge(self, edge: Edge, index: int | None = None) -> None:
        for end in (edge.source, edge.target):
            if end not in self._nodes:
                raise UnknownNode(f"edge refers to a missing node {end!r}")
        if self.find_edge(edge.key) is not None:
            raise DuplicateEdge(f"edge {edge.source}:{edge.source_port} → {edge.target}:{edge.target_port} exists")
        if index is None:
            self._edges.append(edge)
        else:
            self._edges.insert(index, edge)
        self.emit(DocEvent(EDGE_ADDED, edge=edge))

    def pop_edge(self, key: tuple[str, int, str, int]) -> tuple[Edge, int]:
        edge = self.find_edge(key)
        if edge is None:
            raise UnknownEdge(f"no edge {key}")
        index = self._edges.index(edge)
        self._edges.pop(index)
        self.emit(DocEvent(EDGE_REMOVED, edge=edge))
        return edge, index

    def set_pos(self, node_id: str, pos: tuple[float, float] | None) -> None:
        self.node(node_id).pos = pos
        self.emit(DocEvent(NODE_MOVED, node_id, detail=pos))

    def set_param(self, node_id: str, name: str, value: Any, present: bool = True) -> None:
        node = self.node(node_id)
        if present:
            node.params[name] = value
        else:
            node.params.pop(name, None)
        self.emit(DocEvent(PARAM_CHANGED, node_id, detail=name))

    def rename_node(self, old: str, new: str) -> None:
        if new in self._nodes:
            raise DuplicateNodeId(f"a node with id {new!r} already exists")
        if not isinstance(new, str) or not new.strip():
            raise InvalidNodeId("a node id must be a non-empty string")
        node = self.node(old)
        node.id = new
        self._nodes = {(new if k == old else k): v for k, v in self._nodes.items()}
        for e in self._edges:
            if e.source == old:
                e.source = new
            if e.target == old:
                e.target = new
        self.emit(DocEvent(NODE_RENAMED, new, detail=old))
