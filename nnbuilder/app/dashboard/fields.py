"""Editors for typed options (data set parameters, scheduler options) and a scientific-notation spin box."""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

INT_LIMIT = 10**9


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


@dataclass
class Field:
    """One editor with a getter; ``get()`` returns the JSON value (None: the default)."""

    widget: QWidget
    get: Callable[[], Any]


def make_field(kind: str, value: Any, on_change: Callable[[], None], *, lo: float | None = None,
               hi: float | None = None, choices: tuple = (), nullable: bool = False, doc: str = "") -> Field:
    """An editor for one option of ``kind`` (int, float, bool, choice/str with choices, or free text)."""
    if choices:
        box = QComboBox()
        for choice in choices:
            box.addItem(str(choice), choice)
        index = box.findData(value)
        box.setCurrentIndex(max(0, index))
        box.currentIndexChanged.connect(lambda _i: on_change())
        field = Field(box, box.currentData)
    elif kind == "bool":
        check = QCheckBox()
        check.setChecked(bool(value))
        check.toggled.connect(lambda _c: on_change())
        field = Field(check, check.isChecked)
    elif kind in ("int", "float"):
        field = _number(kind, value, on_change, lo, hi, nullable)
    else:
        edit = QLineEdit("" if value is None else value if isinstance(value, str) else json.dumps(value))
        edit.editingFinished.connect(on_change)
        field = Field(edit, lambda: _parse_text(edit.text()))
    field.widget.setToolTip(doc)
    return field


def _number(kind: str, value: Any, on_change: Callable[[], None], lo: float | None, hi: float | None,
            nullable: bool) -> Field:
    is_int = kind == "int"
    spin: QSpinBox | QDoubleSpinBox = QSpinBox() if is_int else QDoubleSpinBox()
    if not is_int:
        spin.setDecimals(4)
        spin.setSingleStep(0.05)
    low = lo if lo is not None else (-INT_LIMIT if is_int else -1e6)
    high = hi if hi is not None else (INT_LIMIT if is_int else 1e6)
    if nullable:
        low = (low - 1) if is_int else low
        spin.setSpecialValueText("default")
    spin.setRange(int(low) if is_int else low, int(high) if is_int else high)
    spin.setValue(low if value is None else (int(value) if is_int else float(value)))
    spin.setKeyboardTracking(False)
    spin.valueChanged.connect(lambda _v: on_change())

    def get() -> Any:
        if nullable and spin.value() == spin.minimum():
            return None
        return spin.value()
    return Field(spin, get)


def _parse_text(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
