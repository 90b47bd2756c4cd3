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
