"""Undoable edits of the project's ``data`` and ``training`` sections in a ``QUndoStack``.

The command itself is the core :class:`nnbuilder.graph.section_commands.SetSections`; this helper wraps it
for callers that push a ``QUndoCommand`` directly (``stack.push(SetSections(project, new, text, refresh))``).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from nnbuilder.app.undo import DocCommand
from nnbuilder.graph import section_commands
from nnbuilder.graph.project import Project
from nnbuilder.graph.section_commands import Sections

__all__ = ["Sections", "SetSections"]


def SetSections(project: Project, new: Sections, text: str, refresh: Callable[[], None]) -> QUndoCommand:
    """The core ``SetSections`` as a ``QUndoCommand`` (``refresh`` shows the sections after undo and redo)."""
    return DocCommand(project.graph, section_commands.SetSections(project, new, text, refresh))
