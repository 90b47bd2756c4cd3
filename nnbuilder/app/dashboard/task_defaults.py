"""Settings that follow the data: the loss, metric and output size a data set's task asks for.

Picking a data set proposes them (:func:`propose`); Start is checked first (:func:`preflight`).
Both are Qt-free and read the core's task → default-loss rule through :func:`default_loss` only,
so that moving that rule to another core module is a one-line change here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnbuilder.graph.document import GraphDocument

# Losses that need integer class labels / 0-1 targets / real-valued targets.
CLASS_LOSSES = ("CrossEntropyLoss", "NLLLoss")
BINARY_LOSSES = ("BCEWithLogitsLoss", "BCELoss")
METRIC_NAMES = {"classification": "accuracy", "binary": "accuracy", "regression": "R²"}


def default_loss(task: str) -> str | None:
    """The core's default loss for ``task`` (None for a task it does not know, e.g. "auto")."""
    from nnbuilder.sections import DEFAULT_LOSS

    return DEFAULT_LOSS.get(task)


def loss_fits(task: str, loss: str | None) -> bool:
    """Whether ``loss`` can train on ``task``'s targets."""
    if task == "classification":
        return loss in CLASS_LOSSES
    if task == "binary":
        return loss in BINARY_LOSSES
    if task == "regression":
        return loss is not None and loss not in CLASS_LOSSES + BINARY_LOSSES
    return True


def output_size(info: Any) -> int | None:
    """Units the last layer needs for a data set (a ``DatasetInfo``); None when only the file knows."""
    if info.task == "classification":
        return len(info.class_names) if info.class_names else None
    if info.task in ("binary", "regression"):
        return 1  # one logit / one value: every registered regression set has scalar targets
    return None


def last_linear(doc: GraphDocument) -> tuple[str, int | None] | None:
    """The Linear feeding the (single) Output node and its out_features, if the graph ends that way."""
    outputs = [n for n in doc.nodes if n.type == "Output"]
    if len(outputs) != 1:
        return None
    edges = doc.in_edges(outputs[0].id)
    if len(edges) != 1:
        return None
    node = doc.node(edges[0].source)
    if node.type != "Linear":
        return None
    value = node.params.get("out_features")
    return node.id, value if isinstance(value, int) else None


@dataclass
class Proposal:
    """What a data set change brings along: a new training section, a graph parameter, and the wording."""

    training: dict[str, Any]
    set_param: tuple[str, str, int] | None = None  # (node id, parameter, value)
    changes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "; ".join(self.changes)


def propose(info: Any, training: dict[str, Any], doc: GraphDocument) -> Proposal:
    """The settings ``info``'s task asks for, from the current training section and graph."""
    out = dict(training)
    proposal = Proposal(out)
    loss = training.get("loss")
    loss_name = loss.get("type") if isinstance(loss, dict) else loss
    wanted = default_loss(info.task)
    if wanted is not None and not loss_fits(info.task, loss_name):
        out["loss"] = wanted
        proposal.changes.append(f"loss {loss_name} → {wanted}")
    if info.task in METRIC_NAMES:
        proposal.changes.append(f"metric: {METRIC_NAMES[info.task]}")
    size, last = output_size(info), last_linear(doc)
    if size is not None and last is not None and last[1] != size:
        proposal.set_param = (last[0], "out_features", size)
        proposal.changes.append(f"'{last[0]}' out_features {last[1]} → {size}")
    return proposal


def preflight(info: Any, training: dict[str, Any] | None, doc: GraphDocument) -> list[str]:
    """Problems that would stop a run, each naming its fix (checked before Start)."""
    return [text for text, _fix in preflight_fixes(info, training, doc)]


def preflight_fixes(info: Any, training: dict[str, Any] | None,
                    doc: GraphDocument) -> list[tuple[str, tuple[str, ...]]]:
    """:func:`preflight`'s problems with their one-click fix: ("loss", name) or ("param", node, name, value)."""
    if info is None or not training:
        return []
    problems: list[tuple[str, tuple[Any, ...]]] = []
    loss = training.get("loss")
    loss_name = loss.get("type") if isinstance(loss, dict) else loss
    if not loss_fits(info.task, loss_name):
        targets = {"classification": "integer class labels", "binary": "0/1 targets",
                   "regression": "real-valued targets"}[info.task]
        problems.append(((f"Loss: '{info.name}' has {targets}, which {loss_name} cannot train on — "
                          f"choose {default_loss(info.task)} in the Loss box."), ("loss", default_loss(info.task))))
    size, last = output_size(info), last_linear(doc)
    if size is not None and last is not None and last[1] is not None and last[1] != size:
        needs = f"has {size} classes" if info.task == "classification" else f"needs {size} output value"
        problems.append(((f"Output size: the model outputs [{last[1]}] per sample but '{info.name}' {needs} — "
                          f"set '{last[0]}' out_features to {size}."), ("param", last[0], "out_features", size)))
    return problems
