"""The undoable edit of the project's ``data`` and ``training`` sections (a core :class:`Command`)."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from nnbuilder.graph.commands import Command
from nnbuilder.graph.document import GraphDocument
from nnbuilder.graph.project import Project

Sections = tuple[dict[str, Any] | None, dict[str, Any] | None]


class SetSections(Command):
    """Replace ``project.data`` and ``project.training`` as one step; ``on_change`` runs after do and undo.

    The sections are whole dicts (unknown keys kept by whoever built them), deep-copied in and out so later
    edits of the caller's dicts cannot reach the history.  It runs in a :class:`History` or, in the GUI,
    through ``nnbuilder.app.undo.push`` like every other command.
    """

    def __init__(self, project: Project, new: Sections, text: str = "change the run setup",
                 on_change: Callable[[], None] | None = None) -> None:
        self.project = project
        self.text = text
        self.old: Sections = (copy.deepcopy(project.data), copy.deepcopy(project.training))
        self.new: Sections = (copy.deepcopy(new[0]), copy.deepcopy(new[1]))
        self.on_change = on_change

    def _apply(self, sections: Sections) -> None:
        self.project.data, self.project.training = copy.deepcopy(sections[0]), copy.deepcopy(sections[1])
        if self.on_change is not None:
            self.on_change()

    def do(self, doc: GraphDocument) -> None:
        self._apply(self.new)

    def undo(self, doc: GraphDocument) -> None:
        self._apply(self.old)
