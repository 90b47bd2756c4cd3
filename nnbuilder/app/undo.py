"""QUndoStack adapter: every core edit command becomes one QUndoCommand."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QUndoCommand, QUndoStack

from nnbuilder.graph.commands import Command
from nnbuilder.graph.document import GraphDocument

_MERGE_IDS: dict[object, int] = {}


class DocCommand(QUndoCommand):
    """Runs a core :class:`Command` on ``redo`` and reverts it on ``undo``."""

    def __init__(self, doc: GraphDocument, command: Command) -> None:
        super().__init__(command.text)
        self.doc = doc
        self.command = command

    def redo(self) -> None:
        self.command.do(self.doc)

    def undo(self) -> None:
        self.command.undo(self.doc)

    def id(self) -> int:
        key = self.command.merge_key
        if key is None:
            return -1
        return _MERGE_IDS.setdefault(key, len(_MERGE_IDS) + 1)

    def mergeWith(self, other: QUndoCommand) -> bool:
        return isinstance(other, DocCommand) and self.command.merge(other.command)


def push(stack: QUndoStack, doc: GraphDocument, command: Command) -> None:
    """Run ``command`` through ``stack`` so it can be undone."""
    stack.push(DocCommand(doc, command))


@contextmanager
def undo_macro(stack: QUndoStack, text: str) -> Iterator[None]:
    """Everything pushed inside the ``with`` block becomes one undo step named ``text``."""
    stack.beginMacro(text)
    try:
        yield
    finally:
        stack.endMacro()
