"""A budget per node: shapes and parameter counts that no machine could train are refused, naming the node.

Shape inference runs on meta tensors, so any size "validates"; these limits turn a file's absurd
numbers (an Input of 2³¹ values per sample, a Linear of 10¹⁴ weights) into an error before training.
"""
from __future__ import annotations

import math

from nnbuilder.analysis.issues import Issue

MAX_ELEMENTS_PER_SAMPLE = 2**31  # 8 GiB of float32 activations for one sample
MAX_PARAMS_PER_NODE = 2**34  # 64 GiB of float32 weights


def budget_issue(node_id: str, type_name: str, shape: tuple[int, ...], params: int) -> Issue | None:
    """An error when ``node_id``'s per-sample output or its parameters exceed the budget."""
    elements = math.prod(shape)
    if elements > MAX_ELEMENTS_PER_SAMPLE:
        return Issue("shape", (f"{type_name} outputs {list(shape)} per sample: {elements:,} values "
                               f"({elements * 4 / 2**30:,.0f} GiB in float32 for one sample)"), node_id,
                     hint="use smaller sizes; no machine trains this")
    if params > MAX_PARAMS_PER_NODE:
        return Issue("param", (f"{type_name} has {params:,} parameters ({params * 4 / 2**30:,.0f} GiB in float32)"),
                     node_id, hint="use smaller sizes; no machine trains this")
    return None
