"""The main window's Edit menu and canvas commands: undo/redo, clipboard, selection, framing, adding layers."""
from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QCursor


class _EditActions:
    """Mixin of :class:`~nnbuilder.app.window.main_window.MainWindow`: the edit actions on its scene and view."""

    # ------------------------------------------------------------------ edit actions
    def undo(self) -> None:
        self.stack.undo()

    def redo(self) -> None:
        self.stack.redo()

    def copy(self) -> None:
        self.scene.copy_selected()

    def cut(self) -> None:
        self.scene.copy_selected()
        self.scene.delete_selected()

    def paste(self) -> None:
        self.scene.paste()

    def duplicate(self) -> None:
        self.scene.duplicate_selected()

    def delete(self) -> None:
        self.scene.delete_selected()

    def select_all(self) -> None:
        self.scene.select_nodes([n.id for n in self.doc.nodes])

    def frame_all(self) -> None:
        self.view.frame_all()

    def auto_layout(self) -> None:
        self.scene.auto_layout(self.view.layout_columns())
        self.frame_all()

    def view_center(self) -> QPointF:
        return self.view.mapToScene(self.view.viewport().rect().center())

    def add_at_center(self, type_name: str) -> None:
        """Add a layer at the centre of the view, nudged down past nodes already there."""
        pos = self.view_center()
        taken = [n.pos for n in self.doc.nodes if n.pos is not None]
        while any(abs(x - pos.x()) < 40 and abs(y - pos.y()) < 40 for x, y in taken):
            pos += QPointF(0, 60)
        self.scene.add_node_at(type_name, pos)

    def quick_add(self) -> None:
        """Open the canvas's layer search under the cursor (or at the view centre)."""
        cursor = self.view.viewport().mapFromGlobal(QCursor.pos())
        inside = self.view.viewport().rect().contains(cursor)
        self.view.quickAddRequested.emit(self.view.mapToScene(cursor) if inside else self.view_center())
