"""The problems panel: every validation issue; clicking one selects its node."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

NODE_ROLE = Qt.ItemDataRole.UserRole + 1


class ProblemsPanel(QListWidget):
    """Errors first, then warnings, each reading "node: message — hint"."""

    nodeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.itemClicked.connect(self._activate)
        self.itemActivated.connect(self._activate)

    def apply_analysis(self, analysis: Any) -> None:
        self.clear()
        style = self.style()
        error_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for issue in sorted(analysis.issues, key=lambda i: not i.is_error):
            item = QListWidgetItem(error_icon if issue.is_error else warning_icon, issue.text())
            item.setData(NODE_ROLE, issue.node)
            item.setToolTip(issue.text())
            self.addItem(item)
        if not analysis.issues:
            item = QListWidgetItem(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                                   "No problems: the network is valid.")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.addItem(item)

    def _activate(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.nodeRequested.emit(node_id)
