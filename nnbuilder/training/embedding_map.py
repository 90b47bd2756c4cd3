"""Embedding projector: the rows of an Embedding layer's weight projected to 2-D by PCA, with labels.

PCA is a thin SVD of the centred weight (``torch.linalg.svd``); the coordinates are the rows'
scores on the first two principal axes. Each axis's sign is fixed (its largest score is positive)
so that the picture does not flip between epochs. Labels are the category names when the graph
feeds the layer from one categorical column the data set names (an Input, or a ``Slice`` of one
column of it), else ``"<column or input> <index>"``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

PASS_THROUGH = ("Flatten", "Identity", "Reshape")  # nodes between an Input and its Embedding that keep the codes
MAX_ROWS = 5000  # larger tables show (and are projected on) their first MAX_ROWS rows: cheap to send and draw


@dataclass
class EmbeddingProjection:
    """One Embedding layer's rows in 2-D: ``points`` (rows, 2), their ``labels`` and the share of variance shown."""

    layer: str  # the node id (or the module path when no node owns it)
    points: np.ndarray
    labels: list[str]
    explained: tuple[float, float]  # share of the rows' variance along each axis
    dim: int  # the embedding dimension
    rows: int  # rows of the whole table (``points`` holds at most MAX_ROWS of them)
    step: int = 0
    epoch: int = 0  # the 1-based epoch of that step (0 before the first step)


def pca_2d(weight: torch.Tensor) -> tuple[torch.Tensor, tuple[float, float]]:
    """Scores (rows, 2) of ``weight``'s rows on its first two principal axes and their variance shares.

    A 1-D embedding (or a single row) gets zeros for the missing axis.
    """
    w = weight.detach().to(torch.float64).cpu()
    centred = w - w.mean(0, keepdim=True)
    u, s, _ = torch.linalg.svd(centred, full_matrices=False)
    k = min(2, len(s))
    scores = torch.zeros(len(w), 2, dtype=torch.float64)
    scores[:, :k] = u[:, :k] * s[:k]
    for axis in range(k):  # a fixed sign: the largest-magnitude score (the first of near-ties) is positive
        column = scores[:, axis]
        size = column.abs()
        first = int(torch.nonzero(size >= size.max() * (1 - 1e-6))[0])
        if column[first] < 0:
            scores[:, axis] = -column
    total = float((s ** 2).sum())
    shares = [float(s[i] ** 2) / total if i < k and total > 0 else 0.0 for i in range(2)]
    return scores.float(), (shares[0], shares[1])


def embedding_modules(model: nn.Module, attr_of: dict[str, str] | None = None) -> list[tuple[str, nn.Embedding]]:
    """(layer name, module) of every ``nn.Embedding`` in ``model``; the name is the graph node id where known."""
    node_of = {attr: node for node, attr in (attr_of or {}).items()}
    return [(node_of.get(name, name), module) for name, module in model.named_modules()
            if isinstance(module, nn.Embedding)]


def category_labels(graph: Any, bundle: Any, node_id: str, count: int) -> list[str]:
    """A label for each of ``count`` rows of Embedding ``node_id`` (see the module's docstring)."""
    column, input_id = _source_column(graph, node_id)
    inputs = [n.id for n in graph.nodes if n.type == "Input"]  # matched to the data's inputs in document order
    if input_id is None or input_id not in inputs or inputs.index(input_id) >= len(bundle.inputs):
        return [str(i) for i in range(count)]
    info = bundle.inputs[inputs.index(input_id)]
    columns = bundle.meta.get(f"{info.name}_columns") or []
    if column is None:
        column = 0 if tuple(info.shape) == (1,) else None
    name = str(columns[column]) if column is not None and column < len(columns) else info.name
    names = (bundle.meta.get("categories") or {}).get(name)
    if names:
        return [str(names[i]) if i < len(names) else f"{name} {i} (unused)" for i in range(count)]
    return [f"{name} {i}" for i in range(count)]


def row_labels(layers: list[tuple[str, nn.Embedding]], graph: Any, bundle: Any) -> dict[str, list[str]]:
    """Layer name → the labels of the rows a projection shows: category names where the graph and data name
    them (:func:`category_labels`), else the row numbers."""
    labels: dict[str, list[str]] = {}
    for name, module in layers:
        count = min(int(module.weight.shape[0]), MAX_ROWS)
        labels[name] = (category_labels(graph, bundle, name, count)
                        if graph is not None and bundle is not None and graph.has_node(name)
                        else [str(i) for i in range(count)])
    return labels


def project_embeddings(model: nn.Module, layers: list[tuple[str, nn.Embedding]], labels: dict[str, list[str]],
                       step: int = 0, epoch: int = 0, max_rows: int = MAX_ROWS) -> list[EmbeddingProjection]:
    """The 2-D projection of each layer's first ``max_rows`` weight rows (plain numpy, cheap to send)."""
    out = []
    for name, module in layers:
        rows, dim = module.weight.shape
        scores, explained = pca_2d(module.weight[:max_rows])
        names = labels.get(name) or [str(i) for i in range(len(scores))]
        out.append(EmbeddingProjection(name, scores.numpy(), list(names[:len(scores)]), explained, int(dim),
                                       int(rows), step, epoch))
    return out


def _source_column(graph: Any, node_id: str) -> tuple[int | None, str | None]:
    """(column taken by a ``Slice`` on the way, or None; the Input node) feeding ``node_id``'s indices.

    A ``Slice`` of several columns (one table shared by them) leaves the column unknown (None)."""
    column: int | None = None
    several = False
    current = node_id
    for _ in range(len(graph.nodes)):
        edges = [e for e in graph.in_edges(current) if e.target_port == 0]
        if not edges:
            return None, None
        node = graph.node(edges[0].source)
        if node.type == "Input":
            return (None if several else column), node.id
        if node.type == "Slice":
            p = node.params
            if p.get("dim", 1) not in (1, -1) or column is not None:
                return None, None
            several = several or p.get("length", 1) != 1
            column = int(p.get("start", 0))
        elif node.type not in PASS_THROUGH:
            return None, None
        current = node.id
    return None, None
