"""Analysis of a graph with blocks: expand, analyse the plain graph, report on the top-level nodes.

Shapes are inferred per copy (a repeat's copies chained output → input) by ordinary shape
inference on the expanded graph; a Block node then reports its input and output shapes, its
parameter count (the sum of its copies') and each copy's shapes in :attr:`BlockAnalysis.copies`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import networkx as nx

from nnbuilder.analysis.block_flatten import Flat, describe, flatten
from nnbuilder.analysis.issues import Issue
from nnbuilder.analysis.module_paths import path_issues
from nnbuilder.analysis.report import Analysis, analyze
from nnbuilder.analysis.shapes import NodeShape
from nnbuilder.analysis.structure import Structure
from nnbuilder.graph.blocks import BLOCK_TYPE
from nnbuilder.graph.document import GraphDocument
from nnbuilder.layers import LayerSpec, PortSpec


@dataclass
class CopyShape:
    """One copy of a block as analysed: which block, its shapes and its parameter count."""

    block: str
    input_shapes: list[tuple[int, ...] | None]
    output_shape: tuple[int, ...] | None
    params: int


@dataclass
class BlockAnalysis(Analysis):
    """An :class:`Analysis` of the top-level nodes, plus the expanded graph's own analysis."""

    expanded: Analysis | None = None
    flat: Flat | None = None
    copies: dict[str, list[CopyShape]] = field(default_factory=dict)  # Block node id -> its copies


def block_spec(name: str, inputs: list[str]) -> LayerSpec:
    """The stand-in spec of a Block node placing ``name`` (ports from its Input nodes)."""
    return LayerSpec(type=BLOCK_TYPE, category="Blocks", doc=f"block {name}",
                     inputs=tuple(PortSpec(i) for i in inputs), outputs=(PortSpec("out"),), forward=_call_block)


def _call_block(attr: str, inputs, params) -> str:
    """``self.layer1(x)``; a block with several inputs gets them all."""
    return f"self.{attr}({', '.join(i for i in inputs if i)})"


def analyze_blocks(doc: GraphDocument) -> BlockAnalysis:
    """Validate and infer shapes through every block copy; never raises for graph problems."""
    flat = flatten(doc)
    top = _top_structure(doc, flat)
    result = BlockAnalysis(structure=top, issues=list(flat.issues), flat=flat)
    if flat.doc is None:
        top.issues = list(result.issues)
        return result
    expanded = analyze(flat.doc)
    result.expanded = expanded
    for block in flat.blocks.values():  # module paths inside a block ("downsample.0") are checked per block
        for issue in path_issues(GraphDocument(block.nodes, block.edges)):
            users = sorted({i.top for i in flat.instances.values() if i.block == block.name})
            result.issues.append(replace(issue, node=users[0] if users else None,
                                         message=f"in block {block.name}: layer '{issue.node}': {issue.message}"))
    for issue in expanded.issues:
        result.issues.append(_lift(flat, issue))
    top.issues = list(result.issues)
    for node in doc.nodes:
        if node.type != BLOCK_TYPE:
            if node.id in expanded.nodes:
                result.nodes[node.id] = expanded.nodes[node.id]
            continue
        summary = _block_shape(node.id, flat, expanded)
        if summary is not None:
            result.nodes[node.id] = summary
            result.copies[node.id] = _copies(node.id, flat, expanded)
    return result


def _lift(flat: Flat, issue: Issue) -> Issue:
    if issue.node is None or issue.node not in flat.origin:
        return issue
    top, where = describe(flat, issue.node)
    return replace(issue, node=top, message=f"{where}{issue.message}" if where else issue.message)


def _top_structure(doc: GraphDocument, flat: Flat) -> Structure:
    """The top level as code generation reads it: Block nodes carry a stand-in spec."""
    from nnbuilder.layers import UnknownLayerType, get_spec

    st = Structure(order=list(flat.order) if flat.doc is not None else [])
    for node in doc.nodes:
        st.graph.add_node(node.id)
        st.inputs_of[node.id] = {}
        if node.type == BLOCK_TYPE:
            name = node.params.get("block")
            if name in flat.blocks:
                st.specs[node.id] = block_spec(name, flat.blocks[name].inputs)
                st.params[node.id] = dict(node.params)
            continue
        try:
            spec = get_spec(node.type)
        except UnknownLayerType:
            continue
        st.specs[node.id] = spec
        st.params[node.id] = spec.normalize(node.params if isinstance(node.params, dict) else {})[0]
    for edge in doc.edges:
        st.inputs_of.setdefault(edge.target, {}).setdefault(edge.target_port, edge)
        st.graph.add_edge(edge.source, edge.target, key=(edge.source_port, edge.target_port))
    if not flat.order:
        try:
            st.order = list(nx.topological_sort(st.graph))
        except nx.NetworkXUnfeasible:
            st.order = []
    return st


def _members(node_id: str, flat: Flat) -> list[str]:
    return [fid for fid, (_, inst) in flat.origin.items() if inst is not None and inst.top == node_id]


def _shape_of(expanded: Analysis, end) -> tuple[int, ...] | None:
    info = expanded.nodes.get(end[0]) if end else None
    return info.output_shape if info else None


def _block_shape(node_id: str, flat: Flat, expanded: Analysis) -> NodeShape | None:
    """The Block node's summary: inputs, final output, summed counts (None if a copy failed)."""
    out = flat.outputs.get(node_id)
    shape = _shape_of(expanded, out)
    members = _members(node_id, flat)
    if shape is None or any(m not in expanded.nodes for m in members):
        return None
    info = NodeShape(input_shapes=[_shape_of(expanded, e) or () for e in flat.inputs.get(node_id, [])],
                     output_shape=shape, dtype=expanded.nodes[out[0]].dtype)
    for m in members:
        n = expanded.nodes[m]
        info.param_count += n.param_count
        info.trainable += n.trainable
        info.macs += n.macs
    return info


def _copies(node_id: str, flat: Flat, expanded: Analysis) -> list[CopyShape]:
    out = []
    for inst in flat.instances.values():
        if inst.top != node_id or len(inst.trail) != 1:
            continue
        count = sum(expanded.nodes[m].param_count for m, (_, i) in flat.origin.items()
                    if i is not None and (i.prefix.startswith(inst.prefix)) and m in expanded.nodes)
        out.append(CopyShape(inst.block, [_shape_of(expanded, e) for e in inst.inputs],
                             _shape_of(expanded, inst.output), count))
    return out

