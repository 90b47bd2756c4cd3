"""Torch-free graphs for the editor benchmark: a two-dimensional layout (parallel branches), not one long chain."""
from __future__ import annotations

from nnbuilder.graph.document import Edge, GraphDocument, Node

BRANCHES = 8  # Concat takes at most 8 inputs


def branched_mlp(n_nodes: int, width: int = 32) -> GraphDocument:
    """Input → 8 parallel Linear/ReLU chains → Concat → Linear → Output: exactly ``n_nodes`` nodes (n ≥ 12).

    Auto-laid-out it is about ``n / 8`` columns wide and 8 rows tall, so a node in the middle has
    neighbours on every side, as in a real editing session.
    """
    chain = (n_nodes - 4) // BRANCHES
    extra = (n_nodes - 4) - chain * BRANCHES
    nodes = [Node("x", "Input", {"shape": [width]})]
    edges: list[Edge] = []
    for b in range(BRANCHES):
        prev = "x"
        for i in range(chain + (extra if b == 0 else 0)):
            nid = f"br{b}_{i}"
            if i % 2 == 0:
                nodes.append(Node(nid, "Linear", {"out_features": width}))
            else:
                nodes.append(Node(nid, "ReLU"))
            edges.append(Edge(prev, nid))
            prev = nid
        edges.append(Edge(prev, "cat", 0, b))
    nodes += [Node("cat", "Concat", {"inputs": BRANCHES, "dim": 1}), Node("head", "Linear", {"out_features": 10}),
              Node("y", "Output")]
    edges += [Edge("cat", "head"), Edge("head", "y")]
    return GraphDocument(nodes, edges)
