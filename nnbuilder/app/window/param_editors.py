"""One Qt editor per :class:`ParamSpec` kind (a map from kind to control class).

Each editor shows a value and emits ``committed(value)`` when the user settles
on a new one; it never edits the document itself.  Text editors validate with
``ParamSpec.coerce`` and show the error instead of committing.
"""
from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLineEdit, QSpinBox, QWidget

from nnbuilder.layers import ParamError, ParamSpec
from nnbuilder.layers.spec import DTYPES

INT_LIMIT = 2_000_000_000
FLOAT_LIMIT = 1e12


class ParamEditor(QWidget):
    """Base class: ``set_value`` shows a value without emitting; ``committed`` on user edits."""

    committed = Signal(object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def _commit(self, *_: Any) -> None:
        self.committed.emit(self.value())


class IntEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QSpinBox()
        lo = int(spec.minimum) if spec.minimum is not None else -INT_LIMIT
        hi = int(spec.maximum) if spec.maximum is not None else INT_LIMIT
        self.box.setRange(max(lo, -INT_LIMIT), min(hi, INT_LIMIT))
        self.box.setKeyboardTracking(False)  # commit on Enter / focus out / arrows, not per keystroke
        self.box.setGroupSeparatorShown(True)
        self.box.valueChanged.connect(self._commit)
        self._layout.addWidget(self.box)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setValue(int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0)
        self.box.blockSignals(False)

    def value(self) -> int:
        return self.box.value()


class FloatEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QDoubleSpinBox()
        self.box.setDecimals(6)
        lo = spec.minimum if spec.minimum is not None else -FLOAT_LIMIT
        hi = spec.maximum if spec.maximum is not None else FLOAT_LIMIT
        self.box.setRange(lo, hi)
        self.box.setSingleStep(0.01 if hi <= 1.0 else 0.1)
        self.box.setKeyboardTracking(False)
        self.box.valueChanged.connect(self._commit)
        self._layout.addWidget(self.box)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setValue(float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0)
        self.box.blockSignals(False)

    def value(self) -> float:
        return self.box.value()


class BoolEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox()
        self.box.toggled.connect(self._commit)
        self._layout.addWidget(self.box)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)

    def value(self) -> bool:
        return self.box.isChecked()


class ChoiceEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QComboBox()
        for choice in (DTYPES if spec.kind == "dtype" else spec.choices):
            self.box.addItem("None" if choice is None else str(choice), choice)
        self.box.activated.connect(self._commit)
        self._layout.addWidget(self.box)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        index = next((i for i in range(self.box.count()) if self.box.itemData(i) == value), -1)
        self.box.setCurrentIndex(index)
        self.box.blockSignals(False)

    def value(self) -> Any:
        return self.box.currentData()


class TupleEditor(ParamEditor):
    """``ints`` (``3`` or ``3, 5`` or a word choice such as ``same``) and ``shape`` (``1, 28, 28``)."""

    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit()
        hint = "e.g. 1, 28, 28" if spec.kind == "shape" else "e.g. 3 or 3, 5"
        if spec.choices:
            hint += " or " + " / ".join(str(c) for c in spec.choices)
        self.edit.setPlaceholderText(hint)
        self.edit.editingFinished.connect(self._commit)
        self.edit.textEdited.connect(lambda _: self._mark(None))
        self._layout.addWidget(self.edit)
        self._shown: Any = None

    def set_value(self, value: Any) -> None:
        self._shown = value
        self._mark(None)
        self.edit.setText(", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value))

    def parse(self, text: str) -> Any:
        """Text → canonical value; raises ParamError naming what is wrong."""
        text = text.strip()
        if text in {str(c) for c in self.spec.choices if isinstance(c, str)}:
            return self.spec.coerce(text)
        parts = [p for p in re.split(r"[\s,x×()\[\]]+", text) if p]
        if not parts:
            raise ParamError("enter a number" + (" or numbers separated by commas" if self.spec.kind else ""))
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            raise ParamError(f"{text!r} is not a list of whole numbers") from None
        if self.spec.kind == "shape":
            return self.spec.coerce(numbers)
        return self.spec.coerce(numbers[0] if len(numbers) == 1 else numbers)

    def value(self) -> Any:
        return self.parse(self.edit.text())

    def _commit(self, *_: Any) -> None:
        try:
            value = self.parse(self.edit.text())
        except ParamError as exc:
            self._mark(str(exc))
            self.invalid.emit(str(exc))
            return
        if value != self._shown:
            self._shown = value
            self.committed.emit(value)

    def _mark(self, error: str | None) -> None:
        self.edit.setStyleSheet("QLineEdit { border: 2px solid #d9534f; }" if error else "")
        self.edit.setToolTip(error or self.spec.doc)


EDITORS: dict[str, type[ParamEditor]] = {
    "int": IntEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "dtype": ChoiceEditor,
    "ints": TupleEditor,
    "shape": TupleEditor,
}


def make_editor(spec: ParamSpec, parent: QWidget | None = None) -> ParamEditor:
    """The control for ``spec.kind``."""
    return EDITORS[spec.kind](spec, parent)


def format_value(value: Any) -> str:
    """How a value reads in the inspector and summary: ``(1, 28, 28)`` → ``1, 28, 28``."""
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def starting_value(spec: ParamSpec, inferred: Any = None) -> Any:
    """A valid value to begin from when the user overrides 'auto' or un-sets 'None'."""
    for candidate in (inferred, spec.default, spec.minimum, 1):
        if candidate is None:
            continue
        try:
            return spec.coerce(int(candidate) if spec.kind in ("int", "ints") and isinstance(candidate, float)
                               else candidate)
        except (ParamError, TypeError, ValueError):
            continue
    return None
