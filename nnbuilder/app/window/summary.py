"""The model summary table: node, type, output shape, parameters, trainable, totals."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from nnbuilder.formatting import batch_shape

COLUMNS = ("Node", "Type", "Output shape", "Params", "Trainable")
NODE_ROLE = Qt.ItemDataRole.UserRole + 1


def shape_text(shape: tuple[int, ...] | None) -> str:
    """Batch-first, as on the canvas and in exported code: ``[B, 6, 28, 28]``."""
    return "—" if shape is None else batch_shape(shape)


class SummaryTable(QTableWidget):
    """One row per node in topological order, then a bold totals row."""

    nodeClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.cellClicked.connect(self._clicked)

    def apply_analysis(self, analysis: Any, types: dict[str, str]) -> None:
        """Fill from an analysis; ``types`` maps node id → layer type (for nodes analysis skipped)."""
        order = [n for n in analysis.order if n in types] or list(types)
        order += [n for n in types if n not in order]
        header = self.horizontalHeader()
        # Resize-to-contents re-measures a whole column on every setItem (seconds for 300 rows):
        # fill with fixed columns and without repaints, then size the columns once.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setUpdatesEnabled(False)
        try:
            self._fill(analysis, types, order)
        finally:
            self.resizeColumnsToContents()
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setStretchLastSection(True)
            self.setUpdatesEnabled(True)

    def _fill(self, analysis: Any, types: dict[str, str], order: list[str]) -> None:
        self.setRowCount(len(order) + 1)
        for row, node_id in enumerate(order):
            info = analysis.nodes.get(node_id)
            count = info.param_count if info is not None else None
            if info is None:
                trainable = ""
            elif not info.param_count:
                trainable = "—"
            elif info.trainable == info.param_count:
                trainable = "trainable"
            elif info.trainable == 0:
                trainable = "frozen"
            else:
                trainable = f"{info.trainable:,} trainable"
            cells = (node_id, types[node_id], shape_text(info.output_shape if info else None),
                     "" if count is None else f"{count:,}", trainable)
            self._set_row(row, cells, node_id)
        total, trainable_total = analysis.total_params, analysis.trainable_params
        frozen = total - trainable_total
        self._set_row(len(order), ("Total", f"{len(order)} nodes", "", f"{total:,}",
                                   f"{trainable_total:,} trainable" + (f", {frozen:,} frozen" if frozen else "")),
                      None, bold=True)

    def _set_row(self, row: int, cells: tuple[str, ...], node_id: str | None, bold: bool = False) -> None:
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(NODE_ROLE, node_id)
            if col == 3:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.setItem(row, col, item)

    def row_of(self, node_id: str) -> int:
        for row in range(self.rowCount()):
            item = self.item(row, 0)
            if item is not None and item.data(NODE_ROLE) == node_id:
                return row
        return -1

    def cell_text(self, node_id: str, column: str) -> str:
        item = self.item(self.row_of(node_id), COLUMNS.index(column))
        return item.text() if item is not None else ""

    def _clicked(self, row: int, _col: int) -> None:
        item = self.item(row, 0)
        node_id = item.data(NODE_ROLE) if item is not None else None
        if node_id:
            self.nodeClicked.emit(node_id)
