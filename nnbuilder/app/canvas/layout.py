"""Layered left-to-right layout from the graph's topological generations (Qt-free).

networkx is imported on first use, not with the canvas: it costs ~0.2 s, and the window is shown before
anything here runs (the seed project and saved projects carry positions).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from nnbuilder.graph.document import GraphDocument

if TYPE_CHECKING:
    import networkx as nx

LAYER_DX = 240.0
ROW_DY = 130.0
BAND_GAP = 40.0  # between the bands of a wrapped chain
WRAP_COLUMNS = 5  # files without positions: columns per band (fits a 1280×720 window at the readable zoom)


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


def layered_positions(doc: GraphDocument, origin: tuple[float, float] = (0.0, 0.0),
                      max_columns: int | None = None) -> dict[str, tuple[float, float]]:
    """Top-left positions: one column per layer, each column centred on ``origin``'s y.

    With ``max_columns``, a long chain wraps like text: every ``max_columns`` layers start a new band
    below the previous one, so that the graph keeps a readable size in a view of that many columns.
    """
    gens = layers(doc)
    width = max(1, max_columns or len(gens) or 1)
    out: dict[str, tuple[float, float]] = {}
    band_top = origin[1]
    for start in range(0, len(gens), width):
        band = gens[start:start + width]
        rows = max(len(gen) for gen in band)
        centre = band_top + (rows - 1) / 2 * ROW_DY
        for x, gen in enumerate(band):
            for i, node_id in enumerate(gen):
                y = (i - (len(gen) - 1) / 2) * ROW_DY
                out[node_id] = (origin[0] + x * LAYER_DX, centre + y)
        band_top += rows * ROW_DY + BAND_GAP
    return out


def columns_for(width: float, node_width: float) -> int:
    """How many layer columns of ``node_width`` nodes fit in ``width`` scene units (at least two)."""
    return max(2, int((width - node_width) // LAYER_DX) + 1)
