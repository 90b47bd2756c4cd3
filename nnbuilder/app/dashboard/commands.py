"""Undoable edits of the project's ``data`` and ``training`` sections in a ``QUndoStack``.

The command itself is the core :class:`nnbuilder.graph.section_commands.SetSections`; this helper wraps it
for callers that push a ``QUndoCommand`` directly (``stack.push(SetSections(project, new, text, refresh))``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from nnbuilder.app.undo import DocCommand
from nnbuilder.graph import section_commands
from nnbuilder.graph.project import Project
from nnbuilder.graph.section_commands import Sections

__all__ = ["Sections", "SetSections"]


def SetSections(project: Project, new: Sections, text: str, refresh: Callable[[], None]) -> QUndoCommand:
    """The core ``SetSections`` as a ``QUndoCommand`` (``refresh`` shows the sections after undo and redo)."""
    return DocCommand(project.graph, section_commands.SetSections(project, new, text, refresh))


def follow_data_set(dashboard: Any, info: Any, data: dict[str, Any], training: dict[str, Any]) -> None:
    """Pick ``info``'s data set with the loss and output size its task needs, as one undo step, and say so."""
    from nnbuilder.app.dashboard.task_defaults import propose
    from nnbuilder.app.undo import push
    from nnbuilder.graph.commands import SetParam

    proposal = propose(info, training, dashboard.project.graph)
    text = f"Change data set to {info.name}"
    stack = dashboard.stack
    stack.beginMacro(text)
    try:
        stack.push(SetSections(dashboard.project, (data, proposal.training), text, dashboard._refresh))
        if proposal.set_param is not None:
            push(stack, dashboard.project.graph, SetParam(*proposal.set_param))
    finally:
        stack.endMacro()
    dashboard.tell(f"'{info.name}' is a {info.task} task: {proposal.text}. Edit ▸ Undo takes the change back."
                   if proposal.changes else "")
