"""The one Qt editor factory: :func:`make_editor` renders any :class:`nnbuilder.schema.Param`.

A map from kind to control class (napari's idea: model type -> Qt control) serves the inspector
(layer parameters) and the run-setup panel (data set parameters, scheduler options) alike.  Each
editor shows a value and emits ``committed(value)`` when the user settles on a new one; it never
edits the project itself.  Text editors validate with ``Param.coerce`` and show the error instead
of committing.  Backbone-only editors (weights, frozen blocks) live in
:mod:`nnbuilder.app.backbone_editors` and register here.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from nnbuilder.schema import DTYPES, ParamError
from nnbuilder.schema import Param as ParamSpec

INT_LIMIT = 2_000_000_000
FLOAT_LIMIT = 1e12


class ParamEditor(QWidget):
    """Base class: ``set_value`` shows a value without emitting; ``committed`` on user edits."""

    committed = Signal(object)
    handles_none = False  # True: the editor shows and commits None itself (no separate None box)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.none_text = none_text  # numbers: the lowest spin value reads this and means None
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_context(self, params: dict[str, Any]) -> None:
        """The node's other parameters (before ``set_value``); editors whose choices depend on them rebuild."""

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def current(self) -> Any:
        """The value shown, or the last valid one while the text does not parse."""
        try:
            return self.value()
        except ValueError:
            return getattr(self, "_shown", None)

    def _commit(self, *_: Any) -> None:
        self.committed.emit(self.value())



class _SpinEditor(ParamEditor):
    """A spin box whose lowest value reads ``none_text`` (None) when the parameter may be unset."""

    _cast: type = int

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        if value is None and self.handles_none:
            self.box.setValue(self.box.minimum())
        else:
            number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
            self.box.setValue(self._cast(number))
        self.box.blockSignals(False)

    def value(self) -> int | float | None:
        return None if self.handles_none and self.box.value() == self.box.minimum() else self.box.value()

class IntEditor(_SpinEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(spec, parent, none_text)
        self.box = QSpinBox()
        lo = int(spec.minimum) + (1 if spec.lo_open else 0) if spec.minimum is not None else -INT_LIMIT
        hi = int(spec.maximum) - (1 if spec.hi_open else 0) if spec.maximum is not None else INT_LIMIT
        if none_text is not None:
            self.handles_none = True
            lo -= 1
            self.box.setSpecialValueText(none_text)
        self.box.setRange(max(lo, -INT_LIMIT - 1), min(hi, INT_LIMIT))
        self.box.setKeyboardTracking(False)  # commit on Enter / focus out / arrows, not per keystroke
        self.box.setGroupSeparatorShown(True)
        self.box.valueChanged.connect(self._commit)
        self._layout.addWidget(self.box)

    _cast = int


class _CompactSpinBox(QDoubleSpinBox):
    """Six decimals of precision, shown without trailing zeros (``0.05``, not ``0.050000``)."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.6f}".rstrip("0").rstrip(".") if value != 0 else "0"


class FloatEditor(_SpinEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(spec, parent, none_text)
        self.box = _CompactSpinBox()
        self.box.setDecimals(6)
        lo = spec.minimum + (1e-6 if spec.lo_open else 0) if spec.minimum is not None else -FLOAT_LIMIT
        hi = spec.maximum - (1e-6 if spec.hi_open else 0) if spec.maximum is not None else FLOAT_LIMIT
        if none_text is not None:  # the lowest value reads none_text
            self.handles_none = True
            self.box.setSpecialValueText(none_text)
        self.box.setRange(lo, hi)
        self.box.setSingleStep(0.01 if hi <= 1.0 else 0.1)
        self.box.setKeyboardTracking(False)
        self.box.valueChanged.connect(self._commit)
        self._layout.addWidget(self.box)

    _cast = float


class BoolEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(spec, parent, none_text)
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
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(spec, parent, none_text)
        self.box = QComboBox()
        for choice in (DTYPES if spec.kind == "dtype" else spec.choices):  # choice, dtype, str with choices
            self.box.addItem("None" if choice is None else str(choice), choice)
        self.box.activated.connect(self._commit)
        self._layout.addWidget(self.box)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        index = next((i for i in range(self.box.count()) if self.box.itemData(i) == value), -1)
        self.box.setCurrentIndex(index)  # a value not offered shows no choice
        self.box.blockSignals(False)

    def value(self) -> Any:
        return self.box.currentData()


class TupleEditor(ParamEditor):
    """``ints`` (``3`` or ``3, 5`` or a word choice such as ``same``) and ``shape`` (``1, 28, 28``)."""

    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(spec, parent, none_text)
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


class TextEditor(ParamEditor):
    """Free text checked by ``spec.coerce``; for a nullable spec an empty field means None."""

    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(spec, parent, none_text)
        self.handles_none = spec.nullable
        self.edit = QLineEdit()
        if spec.nullable:
            self.edit.setPlaceholderText("empty = None")
        words = [str(c) for c in spec.choices if c is not None]
        if words:
            completer = QCompleter(words, self.edit)
            completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
            self.edit.setCompleter(completer)
        self.edit.editingFinished.connect(self._commit)
        self.edit.textEdited.connect(lambda _: self._mark(None))
        self._layout.addWidget(self.edit, 1)
        self._shown: Any = None

    def set_value(self, value: Any) -> None:
        self._shown = value
        self._mark(None)
        self.edit.setText("" if value is None else self.to_text(value))

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def value(self) -> Any:
        text = self.edit.text().strip()
        if not text and self.spec.nullable:
            return None
        return self.spec.coerce(self.from_text(text))

    def _commit(self, *_: Any) -> None:
        try:
            value = self.value()
        except (ParamError, ValueError) as exc:
            self._mark(str(exc))
            self.invalid.emit(str(exc))
            return
        if value != self._shown:
            self._shown = value
            self.committed.emit(value)

    def _mark(self, error: str | None) -> None:
        self.edit.setStyleSheet("QLineEdit { border: 2px solid #d9534f; }" if error else "")
        self.edit.setToolTip(error or self.spec.doc)


class LiteralEditor(TextEditor):
    """Encoded literals (imported nodes) as JSON text."""

    def to_text(self, value: Any) -> str:
        return json.dumps(value)

    def from_text(self, text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParamError(f"not valid JSON: {exc.msg}") from None


class JsonEditor(TextEditor):
    """Columns, ranges, pairs, lists of names: JSON text, or the plain word typed (``auto``, ``plus, star``)."""

    def to_text(self, value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(list(value) if isinstance(value, tuple) else value)

    def from_text(self, text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            return text



EDITORS: dict[str, type[ParamEditor]] = {
    "int": IntEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "dtype": ChoiceEditor,
    "ints": TupleEditor,
    "shape": TupleEditor,
    "str": TextEditor,
    "path": TextEditor,
    "text": TextEditor,
    "literal": LiteralEditor,
}
# (kind, parameter name) pairs whose editor is more specific than the kind's (registered by add-on modules).
NAMED_EDITORS: dict[tuple[str, str], type[ParamEditor]] = {}


def register_editor(kind: str, cls: type[ParamEditor], name: str | None = None) -> None:
    """Render ``kind`` (only parameter ``name`` of it, when given) with ``cls``."""
    if name is None:
        EDITORS[kind] = cls
    else:
        NAMED_EDITORS[(kind, name)] = cls


def make_editor(spec: ParamSpec, parent: QWidget | None = None, *, none_text: str | None = None) -> ParamEditor:
    """The control for ``spec``: by kind (a choice box for any kind with choices, JSON text for the rest).

    ``none_text``: number editors show None as that word at the bottom of their range (the run setup's
    "default"); without it the inspector offers a separate None box.
    """
    from nnbuilder.app import backbone_editors  # noqa: F401 - registers the backbone's editors

    cls = NAMED_EDITORS.get((spec.kind, spec.name))
    if cls is None:
        cls = ChoiceEditor if spec.kind == "str" and spec.choices else EDITORS.get(spec.kind, JsonEditor)
    return cls(spec, parent, none_text)


@dataclass
class Field:
    """An editor in a form with its getter; ``get()`` returns the JSON value (None: the default)."""

    widget: ParamEditor
    get: Callable[[], Any]


def make_field(spec: ParamSpec, value: Any, on_change: Callable[[], None], none_text: str = "default") -> Field:
    """:func:`make_editor` showing ``value`` and calling ``on_change`` on each commit (run-setup forms)."""
    editor = make_editor(spec, none_text=none_text if spec.nullable else None)
    editor.set_value(value)
    editor.committed.connect(lambda _value: on_change())
    editor.setToolTip(spec.doc)
    return Field(editor, editor.current)


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
