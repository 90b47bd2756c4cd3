"""Checks of a prepared run against its data that shapes alone cannot make (before the first step).

An Embedding indexed by a data column must have more rows than the column's largest code, a OneHot more
classes; otherwise training stops after it has started with torch's "index out of range in self"
("Class values must be smaller than num_classes").
"""
from __future__ import annotations

from typing import Any

# Layers that index a table by code, and the parameter that sizes it.
CODE_TABLES = {"Embedding": "num_embeddings", "OneHot": "num_classes"}


def embedding_problems(prepared: Any) -> list[tuple[str, str]]:
    """(where, message) for every Embedding or OneHot fed (directly or through a column Slice) by too large codes."""
    graph, bundle, compiled = prepared.project.graph, prepared.bundle, prepared.compiled
    nodes = {n.id: n for n in graph.nodes}
    sources = {e.target: e.source for e in graph.edges}
    inputs = [n.id for n in graph.nodes if n.type == "Input"]
    problems = []
    for node in graph.nodes:
        if node.type not in CODE_TABLES or node.id not in sources:
            continue
        columns: slice | None = slice(None)
        upstream = nodes.get(sources[node.id])
        if upstream is not None and upstream.type == "Slice":
            p = upstream.params
            if p.get("dim", 1) not in (1, -1) or not isinstance(p.get("start", 0), int):
                continue
            length = p.get("length", 1)
            columns = slice(p.get("start", 0), p.get("start", 0) + length if isinstance(length, int) else None)
            upstream = nodes.get(sources.get(upstream.id))
        if upstream is None or upstream.type != "Input" or upstream.id not in inputs:
            continue
        largest = _largest_code(bundle, inputs.index(upstream.id), columns)
        size = CODE_TABLES[node.type]
        module = getattr(prepared.model, compiled.code.attr_of.get(node.id, ""), None)
        rows = getattr(module, size, None) if node.type == "Embedding" else node.params.get(size)
        if largest is None or rows is None or largest < rows:
            continue
        problems.append((f"graph: {node.id}", (f"{node.type} '{node.id}' has {size} {rows}, but input "
                                               f"'{upstream.id}' holds codes up to {largest} in '{bundle.name}' — "
                                               f"set {size} to at least {largest + 1}")))
    return problems


def _largest_code(bundle: Any, index: int, columns: slice) -> int | None:
    largest = None
    for split in (bundle.train, bundle.val, bundle.test):
        tensors = getattr(split, "inputs", None)
        if tensors is None or index >= len(tensors):
            continue
        values = tensors[index]
        if values.dtype.is_floating_point or values.numel() == 0:
            return None
        if values.dim() > 1:
            values = values[:, columns]
        if values.numel():
            top = int(values.max())
            largest = top if largest is None else max(largest, top)
    return largest
