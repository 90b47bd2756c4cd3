"""The table comparing checked runs: final metrics and settings, one column per run, differences in bold."""
from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from nnbuilder.run_compare import CompareRow, compare_rows, run_label
from nnbuilder.runs import RunSummary


class CompareTable(QTableWidget):
    """Rows: metrics, then data/training settings; columns: the runs. Rows whose values differ stand out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.rows: list[CompareRow] = []
        self.only_differences = False
        self.runs: list[RunSummary] = []
        self.set_runs([])

    def set_only_differences(self, on: bool) -> None:
        self.only_differences = on
        self.set_runs(self.runs)

    def set_runs(self, runs: list[RunSummary]) -> None:
        """Show ``runs`` side by side (an empty table says to tick runs)."""
        self.runs = list(runs)
        self.rows = compare_rows(self.runs) if self.runs else []
        shown = [r for r in self.rows if r.differs or r.key == "status"] if self.only_differences else self.rows
        if len(self.runs) < 2:  # one run has nothing to differ from: show all of it
            shown = self.rows
        self.clear()
        self.setColumnCount(len(self.runs) or 1)
        self.setHorizontalHeaderLabels([run_label(r) for r in self.runs] or ["Tick runs in the list to compare them"])
        self.setRowCount(len(shown))
        self.setVerticalHeaderLabels([r.key for r in shown])
        highlight = QColor(self.palette().highlight().color())
        highlight.setAlpha(70)
        bold = QFont(self.font())
        bold.setBold(True)
        for i, row in enumerate(shown):
            for j, value in enumerate(row.values):
                item = QTableWidgetItem(value)
                item.setToolTip(f"{row.key} = {value}")
                if row.differs:
                    item.setFont(bold)
                    item.setBackground(QBrush(highlight))
                self.setItem(i, j, item)
            header = self.verticalHeaderItem(i)
            if header is not None and row.differs:
                header.setFont(bold)
        self.resizeColumnsToContents()

    def differing_keys(self) -> list[str]:
        """The rows whose values differ between the runs shown (what the highlight marks)."""
        return [r.key for r in self.rows if r.differs]
