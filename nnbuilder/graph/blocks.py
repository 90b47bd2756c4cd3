"""Blocks: named sub-graphs placed as one node, repeated ×N, each copy with its own parameter overrides.

A project's ``graph.blocks`` maps a block name to its own ``nodes`` and ``edges``.  Inside a
block, ``Input`` nodes are its input ports and its single ``Output`` node is its output (in
document order, as for the model).  A node ``{"type": "Block", "params": {"block": "BasicBlock",
"repeat": 2, "overrides": [{"params": {"conv1": {"stride": 2}}, "block": "DownBlock"}, {}]}}``
places ``repeat`` copies chained output → input; ``overrides[k]`` changes copy ``k``: inner
nodes' parameters and, optionally, which block that copy uses (the first block of a ResNet stage
downsamples).  Blocks may place other blocks; cycles between blocks are refused.
Qt-free; the definitions stay plain JSON in ``GraphDocument.extra["blocks"]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nnbuilder.graph.document import Edge, GraphDocument, Node

BLOCK_TYPE = "Block"
BLOCKS_KEY = "blocks"
MAX_BLOCKS = 200
MAX_REPEAT = 1000
MAX_EXPANDED = 20_000  # primitive nodes after expanding every block copy (the project file's own node limit)
BLOCK_HELP = ("A block: a named sub-graph placed here 'repeat' times, each copy feeding the next. Double-click it "
              "(or Edit › Expand Block) to edit its layers; undo collapses it again. Edit › Block Repeat… sets "
              "the number of copies; Edit › Make Block (Ctrl+B) makes a block from selected layers.")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")
_BLOCK_PARAMS = {"block", "repeat", "overrides"}


class BlockError(ValueError):
    """Block data that cannot be used; the message names where."""


@dataclass
class BlockDef:
    """One block: its nodes and edges; ``inputs`` are its Input nodes' ids in port order."""

    name: str
    nodes: list[Node]
    edges: list[Edge]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def inputs(self) -> list[str]:
        return [n.id for n in self.nodes if n.type == "Input"]

    @property
    def output(self) -> str:
        return next(n.id for n in self.nodes if n.type == "Output")

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def to_json(self) -> dict[str, Any]:
        from nnbuilder.graph.project import graph_to_json

        return {**graph_to_json(GraphDocument(self.nodes, self.edges)), **self.extra}


@dataclass(frozen=True)
class Placement:
    """What a Block node places: the block of each copy and each copy's parameter overrides."""

    blocks: tuple[str, ...]  # one per copy
    overrides: tuple[dict[str, dict[str, Any]], ...]  # inner node id -> params, one per copy

    @property
    def repeat(self) -> int:
        return len(self.blocks)


def uses_blocks(doc: GraphDocument) -> bool:
    return bool(doc.extra.get(BLOCKS_KEY)) or any(n.type == BLOCK_TYPE for n in doc.nodes)


def library(doc: GraphDocument) -> dict[str, BlockDef]:
    """The document's block definitions (assumed checked: a project that loaded, or built by commands)."""
    from nnbuilder.graph.project import _read_edges, _read_nodes

    raw = doc.extra.get(BLOCKS_KEY) or {}
    if not isinstance(raw, dict):
        raise BlockError("graph.blocks must be an object mapping block names to sub-graphs")
    out: dict[str, BlockDef] = {}
    for name, body in raw.items():
        problems: list[tuple[str, str]] = []
        body = body if isinstance(body, dict) else {}
        nodes = _read_nodes(body.get("nodes"), problems, {}, f"blocks.{name}")
        edges = _read_edges(body.get("edges", []), {n.id for n in nodes}, problems, f"blocks.{name}")
        if problems:
            raise BlockError("; ".join(f"{at}: {what}" for at, what in problems[:5]))
        out[name] = BlockDef(name, nodes, edges, {k: v for k, v in body.items() if k not in ("nodes", "edges")})
    return out


def set_library(doc: GraphDocument, blocks: dict[str, BlockDef]) -> None:
    """Store ``blocks`` as the document's JSON block definitions (an empty library removes the key)."""
    if blocks:
        doc.extra[BLOCKS_KEY] = {name: b.to_json() for name, b in blocks.items()}
    else:
        doc.extra.pop(BLOCKS_KEY, None)


def placement(node: Node, blocks: dict[str, BlockDef]) -> Placement:
    """The copies a Block node places; raises :class:`BlockError` naming the problem."""
    p = node.params
    unknown = sorted(set(p) - _BLOCK_PARAMS)
    if unknown:
        raise BlockError(f"unknown parameter {unknown[0]!r}; a Block node has 'block', 'repeat' and 'overrides'")
    name = p.get("block")
    if not isinstance(name, str) or name not in blocks:
        known = ", ".join(sorted(blocks)[:10]) or "none defined"
        raise BlockError(f"'block' must name a block of the project (known: {known}), got {str(name)[:60]!r}")
    repeat = p.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        raise BlockError(f"'repeat' must be a whole number from 1 to {MAX_REPEAT}, got {str(repeat)[:40]!r}")
    raw = p.get("overrides", [])
    if not isinstance(raw, list) or len(raw) > repeat:
        raise BlockError(f"'overrides' must be a list of at most {repeat} objects (one per copy)")
    names, overrides = [], []
    for k in range(repeat):
        item = raw[k] if k < len(raw) else {}
        if not isinstance(item, dict) or set(item) - {"block", "params"}:
            raise BlockError(f"overrides[{k}] must be an object with 'block' and/or 'params'")
        copy_name = item.get("block", name)
        if not isinstance(copy_name, str) or copy_name not in blocks:
            raise BlockError(f"overrides[{k}].block must name a block of the project, got {str(copy_name)[:60]!r}")
        first, other = blocks[name], blocks[copy_name]
        if len(other.inputs) != len(first.inputs):
            raise BlockError(f"overrides[{k}].block {copy_name!r} has {len(other.inputs)} inputs, "
                             f"{name!r} has {len(first.inputs)}; copies must have the same ports")
        params = item.get("params", {})
        inner = {n.id: n for n in other.nodes}
        if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
            raise BlockError(f"overrides[{k}].params must map inner node ids to parameter objects")
        for node_id in params:
            if node_id not in inner or inner[node_id].type in ("Input", "Output"):
                raise BlockError(f"overrides[{k}].params names {str(node_id)[:60]!r}, which is not a layer "
                                 f"of block {copy_name!r}")
        names.append(copy_name)
        overrides.append(params)
    if repeat > 1 and len(blocks[name].inputs) != 1:
        raise BlockError(f"block {name!r} has {len(blocks[name].inputs)} inputs; only a one-input block can "
                         f"repeat (each copy feeds the next)")
    return Placement(tuple(names), tuple(overrides))


def check_blocks(raw: Any, top_nodes: list[Node], at_of: dict[str, str]) -> list[tuple[str, str]]:
    """Every problem of ``graph.blocks`` and of the Block nodes, with JSON paths."""
    from nnbuilder.graph.project import _check_params, _read_edges, _read_nodes

    problems: list[tuple[str, str]] = []
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        return [("$.graph.blocks", "expected an object mapping block names to sub-graphs")]
    if len(raw) > MAX_BLOCKS:
        return [("$.graph.blocks", f"{len(raw)} blocks; at most {MAX_BLOCKS} are supported")]
    blocks: dict[str, BlockDef] = {}
    for name, body in raw.items():
        at = f"$.graph.blocks.{name}"
        if not _NAME.match(name) or name == BLOCK_TYPE:
            problems.append((at, ("a block name is a letter followed by letters, digits or '_' (≤ 60 characters), "
                                 "and not 'Block'")))
            continue
        if not isinstance(body, dict):
            problems.append((at, "expected an object with 'nodes' and 'edges'"))
            continue
        inner_at: dict[str, str] = {}
        before = len(problems)
        nodes = _read_nodes(body.get("nodes"), problems, inner_at, at)
        edges = _read_edges(body.get("edges", []), {n.id for n in nodes}, problems, at)
        problems.extend(_check_params([n for n in nodes if n.type not in ("Input", "Output")], inner_at))
        ports = [n for n in nodes if n.type == "Input"]
        outs = [n for n in nodes if n.type == "Output"]
        if not ports:
            problems.append((f"{at}.nodes", "a block needs at least one Input node (its input ports)"))
        if len(outs) != 1:
            problems.append((f"{at}.nodes", f"a block has exactly one Output node, this one has {len(outs)}"))
        if len(problems) == before:
            blocks[name] = BlockDef(name, nodes, edges)
            for node in nodes:
                if node.type == BLOCK_TYPE:
                    at_of[f"\0{name}\0{node.id}"] = inner_at[node.id]
    if problems:
        return problems
    import networkx as nx  # here, not at the top: opening a project must not pay for it before the first frame

    graph = nx.DiGraph()
    places = [(f"\0{b.name}\0{n.id}", n, b.name) for b in blocks.values() for n in b.nodes if n.type == BLOCK_TYPE]
    places += [(n.id, n, None) for n in top_nodes if n.type == BLOCK_TYPE]
    for key, node, owner in places:
        try:
            p = placement(node, blocks)
        except BlockError as exc:
            problems.append((f"{at_of[key]}.params", f"Block '{node.id}': {exc}"))
            continue
        if owner is not None:
            graph.add_edges_from((owner, used) for used in set(p.blocks))
    if problems:
        return problems
    try:
        cycle = nx.find_cycle(graph)
        loop = " → ".join([a for a, _ in cycle] + [cycle[0][0]])
        return [(f"$.graph.blocks.{cycle[0][0]}", (f"blocks place each other in a cycle: {loop}; "
                                                  "a block cannot contain itself"))]
    except nx.NetworkXNoCycle:
        pass
    size = expanded_size([n for n in top_nodes], blocks)
    if size > MAX_EXPANDED:
        problems.append(("$.graph", (f"the blocks expand to {size:,} layers; at most {MAX_EXPANDED:,} are supported "
                                    "(lower a 'repeat')")))
    return problems


def expanded_size(nodes: list[Node], blocks: dict[str, BlockDef], _memo: dict[str, int] | None = None) -> int:
    """How many primitive nodes ``nodes`` become once every block copy is expanded (blocks are acyclic)."""
    memo = {} if _memo is None else _memo
    total = 0
    for node in nodes:
        if node.type != BLOCK_TYPE:
            total += 1
            continue
        for name in placement(node, blocks).blocks:
            if name not in memo:
                memo[name] = 0  # guards a cycle that slipped through: counted as empty, never recursed
                memo[name] = expanded_size(blocks[name].nodes, blocks, memo)
            total += memo[name]
        if total > MAX_EXPANDED:
            return total
    return total
