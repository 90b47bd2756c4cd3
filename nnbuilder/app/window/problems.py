"""The problems panel: every validation issue; clicking one selects its node."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QStyle, QWidget

NODE_ROLE = Qt.ItemDataRole.UserRole + 1


class ProblemsPanel(QListWidget):
    """Errors first, then warnings, each reading "node: message — hint"."""

    nodeRequested = Signal(str)
    fixRequested = Signal(object)  # a core Command that fixes the problem (pushed as one undo step)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.itemClicked.connect(self._activate)
        self.itemActivated.connect(self._activate)

    def apply_analysis(self, analysis: Any, doc: Any = None) -> None:
        """List ``analysis``'s issues; with ``doc``, problems that have a one-click fix get its buttons."""
        from nnbuilder.app.window.problem_actions import fixes_for

        self.clear()
        self.fix_buttons: list[QPushButton] = []
        style = self.style()
        error_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for issue in sorted(analysis.issues, key=lambda i: not i.is_error):
            item = QListWidgetItem(error_icon if issue.is_error else warning_icon, issue.text())
            item.setData(NODE_ROLE, issue.node)
            item.setToolTip(issue.text())
            self.addItem(item)
            fixes = fixes_for(issue, doc) if doc is not None else []
            if fixes:
                self._add_buttons(item, fixes)
        if not analysis.issues:
            item = QListWidgetItem(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                                   "No problems: the network is valid.")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.addItem(item)

    def _add_buttons(self, item: QListWidgetItem, fixes: list) -> None:
        """The problem's text stays the item's; its fix buttons sit at the right end of the row."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addStretch(1)
        for label, command in fixes:
            button = QPushButton(label)
            button.setToolTip(f"Fix: {label} (one undo step)")
            button.clicked.connect(lambda _c=False, cmd=command, b=button: (b.setEnabled(False),
                                                                            self.fixRequested.emit(cmd)))
            layout.addWidget(button)
            self.fix_buttons.append(button)
        row.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        row.setStyleSheet("background: transparent;")
        self.setItemWidget(item, row)
        item.setSizeHint(item.sizeHint().expandedTo(row.sizeHint()))

    def _activate(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.nodeRequested.emit(node_id)
