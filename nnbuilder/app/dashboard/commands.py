"""Undoable edits of the project's ``data`` and ``training`` sections."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from nnbuilder.graph.project import Project

Sections = tuple[dict[str, Any] | None, dict[str, Any] | None]


class SetSections(QUndoCommand):
    """Replace ``project.data`` and ``project.training``; ``refresh`` shows the sections after (un)do."""

    def __init__(self, project: Project, new: Sections, text: str, refresh: Callable[[], None]) -> None:
        super().__init__(text)
        self.project = project
        self.old: Sections = (copy.deepcopy(project.data), copy.deepcopy(project.training))
        self.new: Sections = (copy.deepcopy(new[0]), copy.deepcopy(new[1]))
        self.refresh = refresh

    def _apply(self, sections: Sections) -> None:
        self.project.data, self.project.training = copy.deepcopy(sections[0]), copy.deepcopy(sections[1])
        self.refresh()

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


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
