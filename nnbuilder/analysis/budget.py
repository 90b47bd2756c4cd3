"""Budgets of validation, per node and per project; what exceeds one is refused, naming the node.

Shape inference runs on meta tensors, so any size "validates"; the per-node limits turn a file's absurd
numbers (an Input of 2³¹ values per sample, a Linear of 10¹⁴ weights) into an error before training.
:class:`ProjectBudget` bounds a whole project: the seconds shape inference may take (a file chooses
how much work validating it costs) and the memory its weights and one sample's activations need.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from nnbuilder.analysis.issues import Issue, IssueCode

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


VALIDATION_SECONDS = 10.0  # shape inference of one project; checked after each node
PROJECT_BYTES = 64 * 2**30  # float32 weights plus one sample's activations of every node
# CPU seconds of the validating thread (replaceable in tests): a busy machine or a GUI thread holding the GIL
# slows the wall clock, not the work a file asks for, so a valid project is not refused under load.
CLOCK = time.thread_time


@dataclass
class ProjectBudget:
    """Time and estimated memory of validating one project, charged node by node in topological order."""

    seconds: float = field(default_factory=lambda: VALIDATION_SECONDS)
    max_bytes: int = field(default_factory=lambda: PROJECT_BYTES)
    started: float = field(default_factory=lambda: CLOCK())
    used_bytes: int = 0
    exceeded: bool = False

    def charge(self, node_id: str, type_name: str, shape: tuple[int, ...], params: int) -> Issue | None:
        """Add ``node_id``'s weights and per-sample output; an error naming it when the project is over budget."""
        self.used_bytes += 4 * (params + math.prod(shape))
        if self.used_bytes > self.max_bytes:
            self.exceeded = True
            return Issue(IssueCode.BUDGET, (f"the model needs about {self.used_bytes / 2**30:,.0f} GiB (float32 weights "
                                            f"and one sample's activations) once {type_name} '{node_id}' is added, over "
                                            f"the project budget of {self.max_bytes / 2**30:,.0f} GiB"), node_id,
                         hint="use smaller layers or inputs")
        elapsed = CLOCK() - self.started
        if elapsed > self.seconds:
            self.exceeded = True
            return Issue(IssueCode.BUDGET, (f"validation stopped at {type_name} '{node_id}': shape inference took "
                                            f"{elapsed:.1f} CPU seconds, over the project budget of {self.seconds:g} s"), node_id,
                         hint="use shorter sequences or fewer, smaller layers; the nodes after it are not checked")
        return None
