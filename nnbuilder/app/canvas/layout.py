"""Layered left-to-right layout from the graph's topological generations (Qt-free).

networkx is imported on first use, not with the canvas: it costs ~0.2 s, and the window is shown before
anything here runs (the seed project and saved projects carry positions).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from nnbuilder.graph.document import GraphDocument

if TYPE_CHECKING:
    import networkx as nx

LAYER_DX = 290.0
ROW_DY = 130.0


def to_digraph(doc: GraphDocument, skip: tuple[str, int, str, int] | None = None) -> nx.DiGraph:
    """The document as a networkx graph (optionally without the edge ``skip``)."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(n.id for n in doc.nodes)
    graph.add_edges_from((e.source, e.target) for e in doc.edges if e.key != skip)
    return graph


def layers(doc: GraphDocument) -> list[list[str]]:
    """Node ids grouped by topological generation; a cycle's members share one layer."""
    import networkx as nx

    graph = to_digraph(doc)
    order = {n: i for i, n in enumerate(graph.nodes)}
    try:
        gens = [sorted(g, key=order.__getitem__) for g in nx.topological_generations(graph)]
    except nx.NetworkXUnfeasible:
        cond = nx.condensation(graph)
        gens = [sorted((m for c in g for m in cond.nodes[c]["members"]), key=order.__getitem__)
                for g in nx.topological_generations(cond)]
    # One barycentre pass: order each layer by the mean row of its predecessors to cut crossings.
    row: dict[str, float] = {}
    for gen in gens:
        def key(n: str) -> tuple[float, int]:
            preds = [row[p] for p in graph.predecessors(n) if p in row]
            return (sum(preds) / len(preds) if preds else float(order[n]), order[n])
        gen.sort(key=key)
        for i, n in enumerate(gen):
            row[n] = i - (len(gen) - 1) / 2
    return gens


def layered_positions(doc: GraphDocument, origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[float, float]]:
    """Top-left positions: one column per layer, each column centred on ``origin``'s y."""
    out: dict[str, tuple[float, float]] = {}
    for x, gen in enumerate(layers(doc)):
        for i, node_id in enumerate(gen):
            y = (i - (len(gen) - 1) / 2) * ROW_DY
            out[node_id] = (origin[0] + x * LAYER_DX, origin[1] + y)
    return out
