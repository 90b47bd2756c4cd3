"""A spin box for learning rates: scientific notation and log steps."""
from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QWidget


class SciSpinBox(QDoubleSpinBox):
    """A positive float shown as ``3e-04``; the arrows multiply or divide by about 2 (log steps)."""

    def __init__(self, value: float = 1e-3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(1e-9, 100.0)
        self.setValue(value)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.3g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value() * (2.0 ** steps)
        mantissa = value / 10 ** math.floor(math.log10(value))
        nice = min((1, 2, 3, 5, 10), key=lambda m: abs(math.log(m / mantissa)))
        self.setValue(nice * 10 ** math.floor(math.log10(value)))
