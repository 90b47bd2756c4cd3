"""Small dashboard controls: the setup problems' fix buttons and the "watch" speed for toy runs."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget


class FixBar(QWidget):
    """One button per fix of the problems found before Start ("Use MSELoss", "Set 'fc3' out_features = 1")."""

    def __init__(self, dashboard: Any) -> None:
        super().__init__(dashboard)
        self.dashboard = dashboard
        self.buttons: list[QPushButton] = []
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addStretch(1)
        self.hide()

    def show_fixes(self, fixes: list[tuple[Any, ...]]) -> None:
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        for fix in fixes:
            label = (f"Use {fix[1]}" if fix[0] == "loss" else f"Set '{fix[1]}' {fix[2]} = {fix[3]}")
            button = QPushButton(label)
            button.clicked.connect(lambda _c=False, f=fix: self.apply(f))
            self._layout.insertWidget(len(self.buttons), button)
            self.buttons.append(button)
        self.setVisible(bool(fixes))

    def apply(self, fix: tuple[Any, ...]) -> None:
        """Apply one fix as one undo step (a setup edit, or a graph parameter)."""
        dash = self.dashboard
        if fix[0] == "loss":
            box = dash.setup.loss
            box.setCurrentIndex(max(0, box.findData(fix[1])))
        else:
            from nnbuilder.app.undo import push
            from nnbuilder.graph.commands import SetParam

            push(dash.stack, dash.project.graph, SetParam(fix[1], fix[2], fix[3]))
        remaining = [b for b in self.buttons if b.isVisible() and b is not self.sender()]
        self.sender().hide() if self.sender() is not None else None
        if not remaining:
            dash.say("")
