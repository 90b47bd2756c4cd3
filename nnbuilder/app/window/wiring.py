"""Loss/output wiring traps in the editor: badges on the canvas, and a question before Start.

The traps and their one-step fixes come from :mod:`nnbuilder.analysis.warnings`; this module
turns a fix into one undoable edit (remove the node and reconnect around it, or change the loss).
"""
from __future__ import annotations

import copy
from typing import Any

from nnbuilder.analysis.warnings import CODE, Fix, WiringWarning, wiring_warnings
from nnbuilder.app.undo import push
from nnbuilder.graph.commands import Connect, Macro, RemoveNodes
from nnbuilder.graph.document import Edge

APPLY, TRAIN, CANCEL = "apply", "train", "cancel"


def add_wiring_issues(analysis: Any, window: Any) -> None:
    """Put the current traps into ``analysis.issues`` (replacing earlier ones), so the canvas badges them."""
    analysis.issues = [i for i in analysis.issues if i.code != CODE]
    analysis.issues.extend(w.issue for w in wiring_warnings(window.doc, window.project.training))


def apply_fix(window: Any, fix: Fix) -> None:
    """One undo step: remove ``fix.node`` reconnecting its input to its consumers, or set the loss."""
    if fix.action == "remove_node":
        doc = window.doc
        incoming = [e for e in doc.edges if e.target == fix.node]
        outgoing = [e for e in doc.edges if e.source == fix.node]
        commands: list[Any] = [RemoveNodes([fix.node])]
        if incoming:
            commands += [Connect(Edge(incoming[0].source, e.target, incoming[0].source_port, e.target_port))
                         for e in outgoing]
        push(window.stack, doc, Macro(fix.label.lower(), commands))
        return
    from nnbuilder.app.dashboard.commands import SetSections

    training = copy.deepcopy(window.project.training) or {}
    training["loss"] = fix.loss
    window.stack.push(SetSections(window.project, (window.project.data, training), fix.label.lower(),
                                  window._on_sections_changed))
    window.runner.schedule()


def confirm_start(window: Any, ask: Any) -> bool:
    """Before Start: name each trap and offer its fix; False when the user cancels."""
    found: list[WiringWarning] = wiring_warnings(window.doc, window.project.training)
    if not found:
        return True
    answer = ask(window, [w.issue.text() for w in found], found[0].fix.label if found[0].fix else None)
    if answer == APPLY and found[0].fix is not None:
        apply_fix(window, found[0].fix)
        return not wiring_warnings(window.doc, window.project.training) or confirm_start(window, ask)
    return answer == TRAIN and not any(w.issue.is_error for w in found)
