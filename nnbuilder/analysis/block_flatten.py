"""Expand every Block node into its copies' layers: one plain graph that ordinary analysis checks.

Each copy's layers get ids ``<block node>/<copy>/<inner id>`` (nested blocks add more levels);
the copies of a repeat are chained output → input.  :class:`Flat` remembers where each expanded
node came from, so issues, shapes and parameter counts are reported on the block node that holds
it, and code generation can find every copy of a block.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from nnbuilder.analysis.issues import Issue, IssueCode
from nnbuilder.graph.blocks import BLOCK_TYPE, BlockDef, BlockError, library, placement
from nnbuilder.graph.document import Edge, GraphDocument, Node

Endpoint = tuple[str, int]  # (expanded node id, output port)


@dataclass
class Instance:
    """One copy of a block: its expanded ids start with ``prefix``."""

    block: str
    prefix: str  # "layer1/0/"
    top: str  # the top-level node holding it
    trail: tuple[tuple[str, str, int, int], ...]  # (block node id, block name, copy, repeat), outermost first
    inputs: list[Endpoint | None] = field(default_factory=list)
    output: Endpoint | None = None


@dataclass
class Flat:
    """The expanded graph, where its nodes came from, and every block copy."""

    doc: GraphDocument | None
    blocks: dict[str, BlockDef] = field(default_factory=dict)
    origin: dict[str, tuple[str, Instance | None]] = field(default_factory=dict)  # expanded id -> (inner id, copy)
    instances: dict[str, Instance] = field(default_factory=dict)  # prefix -> copy
    order: list[str] = field(default_factory=list)  # the top level's node order (topological)
    outputs: dict[str, Endpoint | None] = field(default_factory=dict)  # top-level Block node -> its output
    inputs: dict[str, list[Endpoint | None]] = field(default_factory=dict)  # top-level Block node -> its inputs
    issues: list[Issue] = field(default_factory=list)


def flatten(doc: GraphDocument) -> Flat:
    """The expanded graph of ``doc``; problems that stop the expansion are in ``issues`` (``doc`` is then None)."""
    try:
        blocks = library(doc)
    except BlockError as exc:
        return Flat(None, issues=[Issue(IssueCode.BLOCK, str(exc), None, hint="fix the project's graph.blocks")])
    flat = Flat(None, blocks)
    nodes: list[Node] = []
    edges: list[Edge] = []
    try:
        _expand(doc.nodes, doc.edges, "", None, {}, None, (), flat, nodes, edges)
    except _Stop:
        return flat
    ids = [n.id for n in nodes]
    if len(set(ids)) != len(ids):
        clash = next(i for i in ids if ids.count(i) > 1)
        flat.issues.append(Issue(IssueCode.BLOCK, f"the expanded layer id {clash!r} is used twice", clash.split("/")[0],
                                 hint="node ids containing '/' can clash with block copies; rename the node"))
        return flat
    flat.doc = GraphDocument(nodes, edges)
    return flat


class _Stop(Exception):
    """Expansion cannot go on (a cycle through a block, a bad placement); the issue is recorded."""


def _expand(nodes: list[Node], edges: list[Edge], prefix: str, inputs: list[Endpoint | None] | None,
            overrides: dict[str, dict], inst: Instance | None, trail: tuple, flat: Flat,
            out_nodes: list[Node], out_edges: list[Edge]) -> Endpoint | None:
    """Append the expansion of one graph level; returns the endpoint feeding its Output (inside a block)."""
    by_id = {n.id: n for n in nodes}
    top = inst.top if inst else None
    where = _where(inst)
    graph = nx.DiGraph()
    graph.add_nodes_from(by_id)
    graph.add_edges_from((e.source, e.target) for e in edges if e.source in by_id and e.target in by_id)
    index = {n.id: i for i, n in enumerate(nodes)}
    try:
        order = list(nx.lexicographical_topological_sort(graph, key=lambda n: index[n]))
    except nx.NetworkXUnfeasible:
        cycle = [a for a, _ in nx.find_cycle(graph)]
        loop = " → ".join(cycle + [cycle[0]])
        for name in ([top] if top else cycle):
            flat.issues.append(Issue(IssueCode.CYCLE, f"{where}is part of a cycle: {loop}", name,
                                     hint="remove one connection of the loop; networks here are acyclic"))
        raise _Stop from None
    if inst is None:
        flat.order = order
    into: dict[str, dict[int, Edge]] = {}
    for e in edges:
        into.setdefault(e.target, {}).setdefault(e.target_port, e)
    ports = [n.id for n in nodes if n.type == "Input"]
    ends: dict[str, Endpoint | None] = {}

    def source(e: Edge) -> Endpoint | None:
        node = by_id[e.source]
        if node.type == BLOCK_TYPE or (inputs is not None and node.type == "Input"):
            return ends.get(node.id)
        return (prefix + node.id, e.source_port)

    result: Endpoint | None = None
    for node_id in order:
        node = by_id[node_id]
        if inputs is not None and node.type == "Input":
            ends[node_id] = inputs[ports.index(node_id)]
        elif inputs is not None and node.type == "Output":
            edge = into.get(node_id, {}).get(0)
            result = source(edge) if edge is not None else None
            if edge is None:
                flat.issues.append(Issue(IssueCode.UNCONNECTED, f"{where}its Output is not connected", top,
                                         hint="connect the block's last layer to its Output"))
        elif node.type == BLOCK_TYPE:
            params = {**node.params, **overrides.get(node_id, {})}
            try:
                pl = placement(Node(node.id, node.type, params), flat.blocks)
            except BlockError as exc:
                flat.issues.append(Issue(IssueCode.BLOCK, f"{where}{node_id}: {exc}", top or node_id))
                raise _Stop from None
            first = flat.blocks[pl.blocks[0]]
            current: list[Endpoint | None] = []
            for port, port_id in enumerate(first.inputs):
                edge = into.get(node_id, {}).get(port)
                current.append(source(edge) if edge is not None else None)
                if edge is None:
                    flat.issues.append(Issue(IssueCode.UNCONNECTED, f"{where}input '{port_id}' of block "
                                             f"'{node_id}' is not connected", top or node_id,
                                             hint="drag a connection into it from an earlier layer"))
            if inst is None:
                flat.inputs[node_id] = list(current)
            for k, name in enumerate(pl.blocks):
                child = Instance(name, f"{prefix}{node_id}/{k}/", top or node_id,
                                 (*trail, (node_id, name, k, pl.repeat)), list(current))
                flat.instances[child.prefix] = child
                block = flat.blocks[name]
                child.output = _expand(block.nodes, block.edges, child.prefix, current, pl.overrides[k], child,
                                       child.trail, flat, out_nodes, out_edges)
                current = [child.output]
            ends[node_id] = current[0]
            if inst is None:
                flat.outputs[node_id] = current[0]
        else:
            params = {**node.params, **overrides.get(node_id, {})}
            extra = {k: v for k, v in node.extra.items() if inst is None or k != "module"}
            out_nodes.append(Node(prefix + node_id, node.type, params, node.pos if inst is None else None, extra))
            flat.origin[prefix + node_id] = (node_id, inst)
    for e in edges:
        target = by_id.get(e.target)
        if target is None or target.type == BLOCK_TYPE or (inputs is not None and target.type == "Output"):
            continue
        src = source(e)
        if src is not None:
            out_edges.append(Edge(src[0], prefix + e.target, src[1], e.target_port))
    return result


def _where(inst: Instance | None) -> str:
    """``"block BasicBlock (copy 2 of 2 in 'layer1'): "`` for messages about a node inside a copy."""
    if inst is None:
        return ""
    parts = [f"{name} copy {k + 1}/{n} in '{node}'" for node, name, k, n in inst.trail]
    return "in block " + " › ".join(parts) + ": "


def describe(flat: Flat, expanded_id: str) -> tuple[str, str]:
    """The top-level node an expanded node belongs to, and the prefix naming its place in the blocks."""
    inner, inst = flat.origin.get(expanded_id, (expanded_id, None))
    if inst is None:
        return expanded_id, ""
    return inst.top, f"{_where(inst)}layer '{inner}' "
