"""Wiring traps between the model's last layer and the loss, each with a one-step fix.

The classic ones: a Softmax or LogSoftmax feeding CrossEntropyLoss (which applies
log-softmax itself) and a Sigmoid feeding BCEWithLogitsLoss (which applies the
sigmoid itself): the model still trains, silently worse or not at all.  BCELoss
needs probabilities, so it is only offered after a Sigmoid.  Linear layers
without activations are *not* flagged: that is a lesson, not a mistake.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nnbuilder.analysis.issues import ERROR, WARNING, Issue, IssueCode
from nnbuilder.graph.document import GraphDocument

CODE = IssueCode.LOSS_ACTIVATION  # Issue.code of every wiring trap
# layers that pass values through unchanged in kind (looked through when finding the output activation)
_TRANSPARENT = {"Flatten", "Reshape", "Dropout", "Identity"}


@dataclass(frozen=True)
class Fix:
    """One edit that removes the trap: ``remove_node`` (reconnecting around it) or ``set_loss``."""

    action: str  # "remove_node" | "set_loss"
    label: str  # button / menu text, e.g. "Remove softmax"
    node: str | None = None
    loss: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"action": self.action, "label": self.label, "node": self.node, "loss": self.loss}


@dataclass(frozen=True)
class WiringWarning:
    issue: Issue
    fix: Fix | None

    def to_json(self) -> dict[str, Any]:
        return {**self.issue.to_json(), "fix": self.fix.to_json() if self.fix else None}


def loss_name(training: Mapping[str, Any] | None) -> str | None:
    """The loss a training section names (``"MSELoss"`` or ``{"type": "MSELoss", ...}``), if any."""
    if not isinstance(training, Mapping):
        return None
    raw = training.get("loss")
    if isinstance(raw, Mapping):
        raw = raw.get("type")
    return raw if isinstance(raw, str) else None


def output_activations(doc: GraphDocument) -> dict[str, tuple[str, str]]:
    """For each Output node: (node id, type) of the layer that produces it, looking through reshapes."""
    by_id = {n.id: n for n in doc.nodes}
    source_of = {(e.target, e.target_port): e.source for e in doc.edges}
    found: dict[str, tuple[str, str]] = {}
    for node in doc.nodes:
        if node.type != "Output":
            continue
        current = source_of.get((node.id, 0))
        seen: set[str] = set()
        while current in by_id and by_id[current].type in _TRANSPARENT and current not in seen:
            seen.add(current)
            current = source_of.get((current, 0))
        if current in by_id:
            found[node.id] = (current, by_id[current].type)
    return found


def wiring_warnings(doc: GraphDocument, training: Mapping[str, Any] | None) -> list[WiringWarning]:
    """The traps between the graph's output layer and the training section's loss."""
    loss = loss_name(training)
    if loss is None:
        return []
    found: list[WiringWarning] = []
    for node_id, kind in output_activations(doc).values():
        if kind == "Softmax" and loss == "CrossEntropyLoss":
            found.append(_warn(node_id, "Softmax feeds CrossEntropyLoss, which applies log-softmax itself: the "
                                        "softmax is applied twice, gradients shrink and learning stalls",
                               "remove the Softmax (CrossEntropyLoss takes raw logits)",
                               Fix("remove_node", f"Remove {node_id}", node=node_id)))
        elif kind == "LogSoftmax" and loss == "CrossEntropyLoss":
            found.append(_warn(node_id, "LogSoftmax feeds CrossEntropyLoss, which applies log-softmax itself "
                                        "(LogSoftmax pairs with NLLLoss)",
                               "use NLLLoss, or remove the LogSoftmax",
                               Fix("set_loss", "Use NLLLoss", loss="NLLLoss")))
        elif kind == "Sigmoid" and loss == "BCEWithLogitsLoss":
            found.append(_warn(node_id, "Sigmoid feeds BCEWithLogitsLoss, which applies the sigmoid itself: "
                                        "outputs are squashed into (0.5, 0.73) and accuracy sticks at 0.5",
                               "use BCELoss (expects probabilities), or remove the Sigmoid",
                               Fix("set_loss", "Use BCELoss", loss="BCELoss")))
        elif kind != "Sigmoid" and loss == "BCELoss":
            found.append(WiringWarning(Issue(
                CODE, f"BCELoss needs probabilities in [0, 1] but the output comes from {kind} "
                                   f"'{node_id}', not a Sigmoid", node_id, ERROR,
                hint="use BCEWithLogitsLoss (numerically safer), or end the model with a Sigmoid"),
                Fix("set_loss", "Use BCEWithLogitsLoss", loss="BCEWithLogitsLoss")))
    return found


def _warn(node_id: str, message: str, hint: str, fix: Fix) -> WiringWarning:
    return WiringWarning(Issue(CODE, message, node_id, WARNING, hint=hint), fix)


def apply_fix(doc: GraphDocument, training: dict[str, Any] | None, fix: Fix) -> tuple[GraphDocument, dict | None]:
    """``doc`` and ``training`` with ``fix`` applied (new objects; the inputs are not changed)."""
    import copy

    training = copy.deepcopy(training) if training is not None else None
    if fix.action == "set_loss":
        training = training or {}
        training["loss"] = fix.loss
        return doc, training
    if fix.action == "remove_node":
        from nnbuilder.graph.document import Edge

        incoming = [e for e in doc.edges if e.target == fix.node]
        source = incoming[0].source if incoming else None
        edges = []
        for e in doc.edges:
            if e.target == fix.node:
                continue
            if e.source == fix.node:
                if source is None:
                    continue
                e = Edge(source, e.target, incoming[0].source_port, e.target_port)
            edges.append(e)
        return GraphDocument([n.clone() for n in doc.nodes if n.id != fix.node], edges), training
    raise ValueError(f"unknown fix action {fix.action!r}")
