"""The main window's block actions: Make Block from the selection, Expand Block, double-click to expand."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit

from nnbuilder.app.undo import push
from nnbuilder.graph.block_commands import ExpandBlock, MakeBlock, SetRepeat
from nnbuilder.graph.blocks import BLOCK_TYPE, MAX_REPEAT, BlockError, library
from nnbuilder.graph.document import GraphError


class _BlockActions:
    """Mixin of :class:`~nnbuilder.app.window.main_window.MainWindow`: make and expand blocks (undoable)."""

    def _install_block_ui(self) -> None:
        """Right-click on the canvas lists its actions (Make Block, Expand Block, cut, copy...)."""
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def make_block(self, name: str | None = None) -> bool:
        """Replace the selected layers by one Block node; asks for the block's name."""
        ids = self.scene.selected_node_ids()
        if not ids:
            self.statusBar().showMessage("Select the layers to make a block from", 6000)
            return False
        if name is None:
            taken = set(library(self.doc))
            default = next(f"Block{i}" for i in range(1, 1000) if f"Block{i}" not in taken)
            name, ok = QInputDialog.getText(self, "Make Block", "Block name (becomes the class name in exported code):",
                                            QLineEdit.EchoMode.Normal, default)
            if not ok:
                return False
        try:
            MakeBlock(ids, name).do(self.doc.copy())  # a dry run: QUndoStack.push cannot report a refusal
            push(self.stack, self.doc, MakeBlock(ids, name))
        except (GraphError, BlockError) as exc:
            self.statusBar().showMessage(f"Cannot make a block: {exc}", 8000)
            return False
        self.statusBar().showMessage(f"Made block {name!r} from {len(ids)} layer(s)", 6000)
        return True

    def expand_block(self, node_id: str | None = None) -> bool:
        """Replace a Block node (the selected one) by its copies' layers."""
        node_id = node_id or self._selected_block()
        if node_id is None:
            return False
        try:
            ExpandBlock(node_id).do(self.doc.copy())
            push(self.stack, self.doc, ExpandBlock(node_id))
        except (GraphError, BlockError) as exc:
            self.statusBar().showMessage(f"Cannot expand '{node_id}': {exc}", 8000)
            return False
        return True

    def _selected_block(self) -> str | None:
        blocks = [i for i in self.scene.selected_node_ids() if self.doc.node(i).type == BLOCK_TYPE]
        if len(blocks) != 1:
            self.statusBar().showMessage("Select one Block node", 6000)
            return None
        return blocks[0]

    def repeat_block(self, repeat: int | None = None, node_id: str | None = None) -> bool:
        """Set how many chained copies the selected Block node places (one undo step); asks when not given."""
        node_id = node_id or self._selected_block()
        if node_id is None:
            return False
        if repeat is None:
            current = self.doc.node(node_id).params.get("repeat", 1)
            repeat, ok = QInputDialog.getInt(self, "Block Repeat", f"Copies of '{node_id}', chained output → input:",
                                             current if isinstance(current, int) else 1, 1, MAX_REPEAT)
            if not ok:
                return False
        try:
            SetRepeat(node_id, repeat).do(self.doc.copy())
            push(self.stack, self.doc, SetRepeat(node_id, repeat))
        except (GraphError, BlockError) as exc:
            self.statusBar().showMessage(f"Cannot repeat '{node_id}': {exc}", 8000)
            return False
        return True

    def _activate_block(self, node_id: str) -> None:
        """Double-click on a Block node expands it, so its layers can be edited (undo collapses it again)."""
        if self.doc.has_node(node_id) and self.doc.node(node_id).type == BLOCK_TYPE:
            self.expand_block(node_id)
