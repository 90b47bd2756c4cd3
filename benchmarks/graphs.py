"""Synthetic graphs for benchmarks: residual MLP blocks of five nodes each."""
from __future__ import annotations

import torch
from torch import nn

from nnbuilder.graph.document import Edge, GraphDocument, Node


def residual_mlp(n_nodes: int, width: int = 64) -> GraphDocument:
    """Input → blocks of (Linear, ReLU, Linear, Add(skip), LayerNorm) → Linear → Output, about n_nodes nodes."""
    blocks = max(1, (n_nodes - 3) // 5)
    nodes = [Node("x", "Input", {"shape": [width]}, (0.0, 0.0))]
    edges: list[Edge] = []
    prev = "x"
    for b in range(blocks):
        ids = [f"b{b}_fc1", f"b{b}_relu", f"b{b}_fc2", f"b{b}_add", f"b{b}_norm"]
        nodes += [Node(ids[0], "Linear", {"out_features": width}), Node(ids[1], "ReLU"),
                  Node(ids[2], "Linear", {"out_features": width}), Node(ids[3], "Add"), Node(ids[4], "LayerNorm")]
        edges += [Edge(prev, ids[0]), Edge(ids[0], ids[1]), Edge(ids[1], ids[2]), Edge(ids[2], ids[3], 0, 0),
                  Edge(prev, ids[3], 0, 1), Edge(ids[3], ids[4])]
        prev = ids[4]
    nodes += [Node("head", "Linear", {"out_features": 10}), Node("y", "Output")]
    edges += [Edge(prev, "head"), Edge("head", "y")]
    return GraphDocument(nodes, edges)


class HandWritten(nn.Module):
    """The same network as :func:`residual_mlp`, written the way a person would."""

    def __init__(self, n_nodes: int, width: int = 64) -> None:
        super().__init__()
        blocks = max(1, (n_nodes - 3) // 5)
        self.fc1 = nn.ModuleList(nn.Linear(width, width) for _ in range(blocks))
        self.fc2 = nn.ModuleList(nn.Linear(width, width) for _ in range(blocks))
        self.norm = nn.ModuleList(nn.LayerNorm(width) for _ in range(blocks))
        self.head = nn.Linear(width, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for fc1, fc2, norm in zip(self.fc1, self.fc2, self.norm):
            x = norm(fc2(torch.relu(fc1(x))) + x)
        return self.head(x)


class Block(nn.Module):
    """One residual block, written the idiomatic way (named submodules, ``self.fc1(x)``)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.fc2(self.relu(self.fc1(x))) + x)


def idiomatic(n_nodes: int, width: int = 64) -> nn.Module:
    """The same network as :func:`residual_mlp` as blocks in an ``nn.Sequential``."""
    blocks = max(1, (n_nodes - 3) // 5)
    return nn.Sequential(*(Block(width) for _ in range(blocks)), nn.Linear(width, 10))
