"""Undoable block edits: make a block from selected nodes, expand a Block node, set its repeat.

Each command swaps the document's whole content (nodes, edges in order, block definitions)
between the state before and after, so undo restores the document exactly.  Qt-free.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from nnbuilder.graph.blocks import (
    BLOCK_TYPE,
    BLOCKS_KEY,
    MAX_REPEAT,
    BlockDef,
    BlockError,
    library,
    placement,
    set_library,
)
from nnbuilder.graph.commands import Command
from nnbuilder.graph.document import RESET, DocEvent, Edge, GraphDocument, GraphError, Node, WrongNodeType

_NAME_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")
Content = tuple[list[Node], list[Edge], Any]


class BlockSelectionError(GraphError):
    """A selection that cannot become a block (no input, several outputs, a path leaving and re-entering it)."""


def _content(doc: GraphDocument) -> Content:
    nodes, edges = doc.snapshot()
    blocks = doc.extra.get(BLOCKS_KEY, _ABSENT)
    return nodes, edges, blocks if blocks is _ABSENT else copy.deepcopy(blocks)


_ABSENT = object()


def _restore(doc: GraphDocument, content: Content) -> None:
    nodes, edges, blocks = content
    for edge in doc.edges:
        doc.pop_edge(edge.key)
    for node in doc.nodes:
        doc.pop_node(node.id)
    for node in nodes:
        doc.insert_node(node.clone())
    for edge in edges:
        doc.insert_edge(edge.clone())
    if blocks is _ABSENT:
        doc.extra.pop(BLOCKS_KEY, None)
    else:
        doc.extra[BLOCKS_KEY] = copy.deepcopy(blocks)
    doc.emit(DocEvent(RESET))


class _SwapCommand(Command):
    """Computes the new content once (``build``); do/undo swap between the two contents."""

    def __init__(self) -> None:
        self._before: Content | None = None
        self._after: Content | None = None

    def build(self, doc: GraphDocument) -> None:
        raise NotImplementedError

    def do(self, doc: GraphDocument) -> None:
        self._before = _content(doc)
        if self._after is None:
            try:
                self.build(doc)
            except (GraphError, BlockError):
                _restore(doc, self._before)
                raise
            self._after = _content(doc)
            doc.emit(DocEvent(RESET))  # the block definitions changed too
        else:
            _restore(doc, self._after)

    def undo(self, doc: GraphDocument) -> None:
        assert self._before is not None
        _restore(doc, self._before)


class MakeBlock(_SwapCommand):
    """Replace the selected nodes by one Block node placing a new block ``name`` made of them.

    Every distinct tensor flowing in becomes an input port (in order of first use); exactly one
    tensor may flow out.  No path may leave the selection and come back into it.
    """

    def __init__(self, node_ids: Sequence[str], name: str, node_id: str | None = None) -> None:
        super().__init__()
        self.node_ids, self.name, self.node_id = list(dict.fromkeys(node_ids)), name, node_id
        self.text = f"make block {name!r} from {len(self.node_ids)} node(s)"

    def build(self, doc: GraphDocument) -> None:
        chosen = set(self.node_ids)
        blocks = library(doc)
        _check_name(self.name, blocks)
        for node_id in self.node_ids:
            node = doc.node(node_id)
            if node.type in ("Input", "Output"):
                raise BlockSelectionError(f"'{node_id}' is a model {node.type}; a block holds layers only")
        if not chosen:
            raise BlockSelectionError("select the layers to make a block from")
        incoming = [e for e in doc.edges if e.target in chosen and e.source not in chosen]
        outgoing = [e for e in doc.edges if e.source in chosen and e.target not in chosen]
        sources = list(dict.fromkeys((e.source, e.source_port) for e in incoming))
        exits = list(dict.fromkeys((e.source, e.source_port) for e in outgoing))
        if not sources:
            raise BlockSelectionError("nothing flows into the selection; a block needs at least one input")
        _check_convex(doc, chosen)
        if len(exits) != 1:
            names = ", ".join(f"'{s}'" for s, _ in exits) or "none"
            raise BlockSelectionError(f"the selection has {len(exits)} outputs ({names}); a block has exactly one")
        taken = set(chosen)
        port_ids = [_fresh("x" if len(sources) == 1 else f"x{i + 1}", taken) for i in range(len(sources))]
        out_id = _fresh("out", taken)
        inner = [n.clone() for n in doc.nodes if n.id in chosen]
        xs = [n.pos[0] for n in inner if n.pos] or [0.0]
        ys = [n.pos[1] for n in inner if n.pos] or [0.0]
        ports = [Node(p, "Input", {}, (min(xs) - 180.0, min(ys) + 100.0 * i)) for i, p in enumerate(port_ids)]
        edges = [e.clone() for e in doc.edges if e.source in chosen and e.target in chosen]
        for e in incoming:
            edges.append(Edge(port_ids[sources.index((e.source, e.source_port))], e.target, 0, e.target_port))
        edges.append(Edge(exits[0][0], out_id, exits[0][1], 0))
        body = BlockDef(self.name, [*ports, *inner, Node(out_id, "Output", {}, (max(xs) + 180.0, min(ys)))], edges)
        first = next(i for i, n in enumerate(doc.nodes) if n.id in chosen)
        pos = next((n.pos for n in inner if n.pos), None)
        for e in doc.edges:
            if e.source in chosen or e.target in chosen:
                doc.pop_edge(e.key)
        for node_id in self.node_ids:
            doc.pop_node(node_id)
        block_id = doc.unique_id(self.node_id or _snake(self.name))  # after the removal: 'residual' may be free again
        set_library(doc, {**blocks, self.name: body})  # first: views of the new node read its block
        doc.insert_node(Node(block_id, BLOCK_TYPE, {"block": self.name, "repeat": 1}, pos), first)
        for i, (src, port) in enumerate(sources):
            doc.insert_edge(Edge(src, block_id, port, i))
        for e in outgoing:
            doc.insert_edge(Edge(block_id, e.target, 0, e.target_port, copy.deepcopy(e.extra)))
        self.node_id = block_id


class ExpandBlock(_SwapCommand):
    """Replace a Block node by its copies' layers (one level: inner Block nodes stay blocks).

    Expanded layers keep their place in the module tree (``"module": "layer1.0.conv1"``), so the
    model's state-dict keys do not change; a block no node uses any more leaves the library.
    """

    def __init__(self, node_id: str) -> None:
        super().__init__()
        self.node_id = node_id
        self.text = f"expand block '{node_id}'"

    def build(self, doc: GraphDocument) -> None:
        node = doc.node(self.node_id)
        if node.type != BLOCK_TYPE:
            raise WrongNodeType(f"'{self.node_id}' is a {node.type}, not a Block")
        blocks = library(doc)
        pl = placement(node, blocks)
        index = list(doc.nodes).index(node)
        into = {e.target_port: e for e in doc.in_edges(self.node_id)}
        outs = [e.clone() for e in doc.out_edges(self.node_id)]
        for e in doc.edges_of(self.node_id):
            doc.pop_edge(e.key)
        doc.pop_node(self.node_id)
        base = node.extra.get("module", self.node_id)
        current: list[tuple[str, int] | None] = [(into[p].source, into[p].source_port) if p in into else None
                                                 for p in range(len(blocks[pl.blocks[0]].inputs))]
        new_nodes: list[Node] = []
        new_edges: list[Edge] = []
        ox, oy = node.pos or (0.0, 0.0)
        for k, name in enumerate(pl.blocks):
            body = blocks[name]
            prefix = f"{base}.{k}" if pl.repeat > 1 else base
            ids: dict[str, str] = {}
            taken = {n.id for n in new_nodes}
            for inner in body.nodes:
                if inner.type in ("Input", "Output"):
                    continue
                ids[inner.id] = doc.unique_id(inner.id if pl.repeat == 1 else f"{self.node_id}_{k}_{inner.id}", taken)
                taken.add(ids[inner.id])
                params = {**inner.params, **copy.deepcopy(pl.overrides[k].get(inner.id, {}))}
                extra = {**copy.deepcopy(inner.extra), "module": f"{prefix}.{inner.extra.get('module', inner.id)}"}
                px, py = inner.pos or (0.0, 0.0)
                new_nodes.append(Node(ids[inner.id], inner.type, params, (ox + px + 1400.0 * k, oy + py), extra))
            ends: dict[str, tuple[str, int] | None] = {p: current[i] for i, p in enumerate(body.inputs)}
            result: tuple[str, int] | None = None
            for e in body.edges:
                src = ends.get(e.source) if e.source not in ids else (ids[e.source], e.source_port)
                if e.target == body.output:
                    result = src
                elif e.target in ids and src is not None:
                    new_edges.append(Edge(src[0], ids[e.target], src[1], e.target_port))
            current = [result]
        for n in new_nodes:
            doc.insert_node(n, index)
            index += 1
        for e in new_edges:
            doc.insert_edge(e)
        if current[0] is not None:
            for e in outs:
                doc.insert_edge(Edge(current[0][0], e.target, current[0][1], e.target_port, e.extra))
        set_library(doc, {k: v for k, v in blocks.items() if k in _used(doc.nodes, blocks)})


class SetRepeat(_SwapCommand):
    """Set how many chained copies a Block node places (overrides past the new count are dropped)."""

    def __init__(self, node_id: str, repeat: int) -> None:
        super().__init__()
        self.node_id, self.repeat = node_id, repeat
        self.text = f"repeat '{node_id}' ×{repeat}"

    def build(self, doc: GraphDocument) -> None:
        node = doc.node(self.node_id)
        if node.type != BLOCK_TYPE:
            raise WrongNodeType(f"'{self.node_id}' is a {node.type}, not a Block")
        if isinstance(self.repeat, bool) or not isinstance(self.repeat, int) or not 1 <= self.repeat <= MAX_REPEAT:
            raise GraphError(f"repeat must be a whole number from 1 to {MAX_REPEAT}, got {self.repeat!r}")
        params = {**node.params, "repeat": self.repeat}
        if isinstance(params.get("overrides"), list):
            params["overrides"] = params["overrides"][: self.repeat]
            if not params["overrides"]:
                del params["overrides"]
        placement(Node(node.id, node.type, params), library(doc))  # refuses e.g. a repeated two-input block
        for name in list(node.params):
            doc.set_param(self.node_id, name, None, present=False)
        for name, value in params.items():
            doc.set_param(self.node_id, name, value)


def _check_name(name: str, blocks: dict[str, BlockDef]) -> None:
    if not isinstance(name, str) or not _NAME_OK.match(name) or name == BLOCK_TYPE:
        raise BlockSelectionError(f"{str(name)[:60]!r} is not a block name: a letter, then letters, digits or '_'")
    if name in blocks:
        raise BlockSelectionError(f"a block named {name!r} exists already; choose another name")


def _check_convex(doc: GraphDocument, chosen: set[str]) -> None:
    """Refuse a selection that a path leaves and re-enters (the block would feed itself)."""
    import networkx as nx  # on use: the editor imports this module before its first frame

    graph = nx.DiGraph()
    graph.add_nodes_from(n.id for n in doc.nodes)
    graph.add_edges_from((e.source, e.target) for e in doc.edges)
    after: set[str] = set()
    for n in chosen:
        after |= nx.descendants(graph, n)
    for outside in after - chosen:
        back = nx.descendants(graph, outside) & chosen
        if back:
            raise BlockSelectionError(f"a path leaves the selection through '{outside}' and comes back into "
                                      f"'{min(back)}'; select '{outside}' too, or fewer nodes")


def _fresh(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _used(nodes: list[Node], blocks: dict[str, BlockDef]) -> set[str]:
    """Blocks placed by ``nodes``, directly or inside other blocks."""
    used: set[str] = set()
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if node.type != BLOCK_TYPE:
            continue
        for name in placement(node, blocks).blocks:
            if name not in used:
                used.add(name)
                todo.extend(blocks[name].nodes)
    return used


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() or "block"

