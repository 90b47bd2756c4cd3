"""The fine-tuning section's controls: an LR multiplier field, per-block multipliers, unfreeze epochs."""
from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QToolButton, QWidget

MAX_LR_MULTIPLIER = 1000.0
LR_DEFAULT_TEXT = "×1 (default)"


class LrMultiplierEdit(QWidget):
    """``×`` factor on the optimizer's learning rate for one node; empty = unset (×1)."""

    committed = Signal(object)  # float, or None to unset

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(LR_DEFAULT_TEXT)
        self.edit.setToolTip("discriminative learning rate: this layer trains with lr × this factor "
                             "(e.g. 0.1 for a pretrained backbone, 0 = no updates); empty = ×1")
        self.edit.editingFinished.connect(self._commit)
        self.edit.textEdited.connect(lambda _: self._mark(None))
        layout.addWidget(self.edit, 1)
        self.reset = QToolButton()
        self.reset.setText("×1")
        self.reset.setToolTip("back to the default (the optimizer's learning rate)")
        self.reset.clicked.connect(lambda: self._emit(None))
        layout.addWidget(self.reset)
        self._shown: float | None = None

    def set_value(self, value: float | None) -> None:
        self._shown = value
        self._mark(None)
        self.edit.setText("" if value is None else f"×{value:g}")
        self.reset.setEnabled(value is not None)

    def text(self) -> str:
        """What the field reads, the placeholder when unset."""
        return self.edit.text() or self.edit.placeholderText()

    def parse(self, text: str) -> float | None:
        return parse_multiplier(text)

    def _commit(self) -> None:
        try:
            value = self.parse(self.edit.text())
        except ValueError as exc:
            self._mark(str(exc))
            return
        self._emit(value)

    def _emit(self, value: float | None) -> None:
        if value != self._shown:
            self._shown = value
            self.committed.emit(value)

    def _mark(self, error: str | None) -> None:
        self.edit.setStyleSheet("QLineEdit { border: 2px solid #d9534f; }" if error else "")
        if error:
            self.edit.setToolTip(error)


def parse_multiplier(text: str) -> float | None:
    """``"×0.1"``, ``"0.1"`` -> 0.1; empty -> None (unset); ValueError for anything else or out of range."""
    text = text.strip().lstrip("×xX*").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not 0.0 <= value <= MAX_LR_MULTIPLIER:
        raise ValueError(f"the multiplier must be between 0 and {MAX_LR_MULTIPLIER:g}")
    return value


class BlockMultipliersEdit(QWidget):
    """A Backbone's per-block LR multipliers: a compact grid of block name + factor; empty = inherit the node's."""

    committed = Signal(str, object)  # block, float or None to unset

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(0)
        self.blocks: tuple[str, ...] = ()
        self.edits: dict[str, QLineEdit] = {}
        self._shown: dict[str, float | None] = {}

    def set_blocks(self, blocks: tuple[str, ...]) -> None:
        """One row per block (two blocks a row when there are many); rebuilt only when the list changes."""
        if blocks == self.blocks:
            return
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.blocks, self.edits, self._shown = blocks, {}, {}
        columns = 2 if len(blocks) > 8 else 1
        rows = -(-len(blocks) // columns) if blocks else 0
        for i, block in enumerate(blocks):
            edit = QLineEdit()
            edit.setMaximumWidth(90)
            edit.editingFinished.connect(lambda b=block: self._commit(b))
            edit.textEdited.connect(lambda _, e=edit: e.setStyleSheet(""))
            row, column = i % rows, 2 * (i // rows)
            self.grid.addWidget(QLabel(block), row, column)
            self.grid.addWidget(edit, row, column + 1)
            self.edits[block] = edit

    def set_values(self, values: dict[str, float | None], inherited: dict[str, float | None], attr: str) -> None:
        """Show each block's own factor, the one it inherits as the placeholder."""
        for block, edit in self.edits.items():
            value, parent = values.get(block), inherited.get(block)
            self._shown[block] = value
            edit.setStyleSheet("")
            edit.setText("" if value is None else f"×{value:g}")
            edit.setPlaceholderText(f"×{1.0 if parent is None else parent:g}")
            edit.setToolTip(f"LR multiplier of {block!r}, stored as training.lr_multipliers['{attr}.{block}']; "
                            f"empty = inherit (×{1.0 if parent is None else parent:g})")

    def _commit(self, block: str) -> None:
        edit = self.edits[block]
        try:
            value = parse_multiplier(edit.text())
        except ValueError as exc:
            edit.setStyleSheet("QLineEdit { border: 2px solid #d9534f; }")
            edit.setToolTip(str(exc))
            return
        if value != self._shown.get(block):
            self._shown[block] = value
            self.committed.emit(block, value)


UNFREEZE_TIP = ("the block becomes trainable at the start of that epoch (staged unfreezing); "
               "never = it stays frozen. Stored in training.unfreeze")
WHOLE = "whole backbone"


class UnfreezeEdit(QWidget):
    """The epoch each frozen block of a Backbone unfreezes at: a compact grid of block name + epoch spin box.

    A row's block is a block name, or None for the whole backbone; 0 reads "never".
    """

    committed = Signal(object, object)  # block (None: whole backbone), epoch or None for never

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(0)
        self.rows: tuple[tuple[str | None, str], ...] = ()
        self.spins: dict[str | None, QSpinBox] = {}
        self.setToolTip(UNFREEZE_TIP)

    def set_rows(self, rows: tuple[tuple[str | None, str], ...]) -> None:
        """``(block, label)`` rows (two a row when there are many); rebuilt only when they change."""
        if rows == self.rows:
            return
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # gone at once, not when the deferred delete runs
                item.widget().deleteLater()
        self.rows, self.spins = rows, {}
        columns = 2 if len(rows) > 8 else 1
        per_column = -(-len(rows) // columns) if rows else 0
        for i, (block, label) in enumerate(rows):
            spin = QSpinBox()
            spin.setSpecialValueText("never")
            spin.setKeyboardTracking(False)  # typed numbers commit on Enter / focus out, arrows on each click
            spin.setMaximumWidth(90)
            spin.setToolTip(UNFREEZE_TIP)
            spin.valueChanged.connect(lambda value, b=block: self.committed.emit(b, value or None))
            name = QLabel(label)
            name.setToolTip(UNFREEZE_TIP)
            row, column = i % per_column, 2 * (i // per_column)
            self.grid.addWidget(name, row, column)
            self.grid.addWidget(spin, row, column + 1)
            self.spins[block] = spin

    def set_values(self, epochs: dict[str | None, int], last: int) -> None:
        """Show each row's epoch (absent: never); the spin boxes go up to ``last`` (the training's epochs)."""
        for block, spin in self.spins.items():
            epoch = epochs.get(block)
            spin.blockSignals(True)
            spin.setRange(0, max(last, epoch or 0, 1))
            spin.setValue(epoch or 0)
            spin.blockSignals(False)
