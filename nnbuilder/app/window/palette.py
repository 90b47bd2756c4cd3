"""The layer palette: registry categories as a tree, a search box, drag sources.

Dragging an item carries the mime type :data:`LAYER_MIME` with the layer type
name as text; the canvas view accepts it.  Double-click asks the window to add
the layer at the centre of the view.
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from nnbuilder.layers import LayerSpec, registry

LAYER_MIME = "application/x-nnbuilder-layer"
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


def layer_mime(type_name: str) -> QMimeData:
    """The drag payload for one layer type."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_name.encode("utf-8"))
    mime.setText(type_name)
    return mime


class _LayerTree(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        names = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        return layer_mime(names[0]) if names else QMimeData()


class PaletteWidget(QWidget):
    """Search box over a category tree of every registered layer."""

    addRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first_visible)
        layout.addWidget(self.search)
        self.tree = _LayerTree()
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        layout.addWidget(self.tree)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._specs: dict[str, LayerSpec] = {}
        layer_flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        for category, specs in registry().palette().items():
            parent_item = QTreeWidgetItem(self.tree, [category])
            parent_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = parent_item.font(0)
            font.setBold(True)
            parent_item.setFont(0, font)
            for spec in specs:
                item = QTreeWidgetItem(parent_item, [spec.type])
                item.setData(0, TYPE_ROLE, spec.type)
                item.setToolTip(0, f"<b>{spec.type}</b><br>{spec.doc}")
                item.setFlags(layer_flags)
                self._items[spec.type] = item
                self._specs[spec.type] = spec
        self.tree.expandAll()

    def item(self, type_name: str) -> QTreeWidgetItem:
        return self._items[type_name]

    def visible_types(self) -> list[str]:
        return [t for t, item in self._items.items() if not item.isHidden()]

    def filter(self, text: str) -> None:
        """Show layers whose name or doc contains every word of ``text``."""
        words = text.lower().split()
        for type_name, item in self._items.items():
            haystack = f"{type_name} {self._specs[type_name].doc} {self._specs[type_name].category}".lower()
            item.setHidden(not all(w in haystack for w in words))
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            top.setHidden(all(top.child(j).isHidden() for j in range(top.childCount())))

    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.addRequested.emit(type_name)

    def _add_first_visible(self) -> None:
        visible = self.visible_types()
        if visible:
            self.addRequested.emit(visible[0])
