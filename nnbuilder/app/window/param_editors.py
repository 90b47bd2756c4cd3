"""One Qt editor per :class:`ParamSpec` kind (a map from kind to control class).

Each editor shows a value and emits ``committed(value)`` when the user settles
on a new one; it never edits the document itself.  Text editors validate with
``ParamSpec.coerce`` and show the error instead of committing.
"""
from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnbuilder.backbones.blocks import BlockTable, block_table, frozen_blocks, normalised
from nnbuilder.layers import ParamError, ParamSpec
from nnbuilder.layers.spec import DTYPES

INT_LIMIT = 2_000_000_000
FLOAT_LIMIT = 1e12


class ParamEditor(QWidget):
    """Base class: ``set_value`` shows a value without emitting; ``committed`` on user edits."""

    committed = Signal(object)
    handles_none = False  # True: the editor shows and commits None itself (no separate None box)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_context(self, params: dict[str, Any]) -> None:
        """The node's other parameters (before ``set_value``); editors whose choices depend on them rebuild."""

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


class TextEditor(ParamEditor):
    """Free text checked by ``spec.coerce``; for a nullable spec an empty field means None."""

    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
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


class WeightsEditor(TextEditor):
    """Backbone ``weights``: empty (random init), a torchvision weights name, or a local file (… picks one)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit.setPlaceholderText("empty = random init")
        self.browse = QToolButton()
        self.browse.setText("…")
        self.browse.setToolTip("choose a local .safetensors / .pth weights file")
        self.browse.clicked.connect(self._browse)
        self._layout.addWidget(self.browse)

    def set_context(self, params: dict[str, Any]) -> None:
        try:  # the model's own weights names (torchvision is loaded by then: the node was analysed)
            from nnbuilder.backbones.catalog import weights_names

            words = weights_names(params.get("model", "resnet18"))
        except Exception:  # noqa: BLE001 - an unknown model keeps the generic suggestions
            return
        completer = QCompleter(words, self.edit)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.edit.setCompleter(completer)

    def _browse(self) -> None:
        from nnbuilder.app.window import dialogs

        path = dialogs.open_weights_file(self)
        if path:
            self.edit.setText(path)
            self._commit()


class BlocksEditor(ParamEditor):
    """Backbone ``freeze``: one checkbox per block of the model, plus Freeze all / Unfreeze all.

    A block inside a checked block (``features.3`` in ``features``) shows checked and disabled; with ``"all"``
    every box is checked and the top-level ones stay enabled (unticking one keeps the others frozen).
    Each click commits one value normalised as the canvas's locks do (:func:`nnbuilder.backbones.blocks.normalised`):
    ``"all"`` when every block is ticked, ``"none"`` when none is, else the ticked blocks in model order.
    """

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        inner = QWidget()
        self._layout.addWidget(inner, 1)
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.freeze_all = QPushButton("Freeze all")
        self.freeze_all.setToolTip("freeze every parameter of the backbone (train only the layers after it)")
        self.freeze_all.clicked.connect(lambda: self._emit("all"))
        self.unfreeze_all = QPushButton("Unfreeze all")
        self.unfreeze_all.setToolTip("train the whole backbone (full fine-tuning)")
        self.unfreeze_all.clicked.connect(lambda: self._emit("none"))
        buttons.addWidget(self.freeze_all)
        buttons.addWidget(self.unfreeze_all)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(0)
        outer.addLayout(self.grid)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setEnabled(False)
        self.message.hide()
        outer.addWidget(self.message)
        self.blocks: tuple[str, ...] = ()
        self.table: BlockTable | None = None  # the blocks with their parameter counts (None: unknown model)
        self.boxes: dict[str, QCheckBox] = {}
        self._value: Any = "none"
        self._model: tuple[str, str] | None = None

    def set_context(self, params: dict[str, Any]) -> None:
        model = (str(params.get("model", "resnet18")), str(params.get("output", "features")))
        if model == self._model:
            return
        self._model = model
        for box in self.boxes.values():
            self.grid.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        try:
            self.table = block_table(*model)
            self.blocks = self.table.names
        except Exception as exc:  # noqa: BLE001 - an unknown model: the node shows the error itself
            self.table, self.blocks = None, ()
            self.message.setText(f"no blocks to list: {exc}")
            self.message.show()
            return
        self.message.hide()
        columns = 2 if len(self.blocks) > 8 else 1
        rows = -(-len(self.blocks) // columns)
        for i, name in enumerate(self.blocks):
            box = QCheckBox(name)
            box.setToolTip(f"freeze {name!r} (its parameters are not trained)")
            box.toggled.connect(lambda checked, n=name: self._toggle(n, checked))
            self.grid.addWidget(box, i % rows, i // rows)
            self.boxes[name] = box

    def set_value(self, value: Any) -> None:
        self._value = value
        frozen = self.frozen_blocks()
        for name, box in self.boxes.items():
            inherited = value == "all" or any(name.startswith(f"{b}.") for b in frozen)
            box.blockSignals(True)
            box.setChecked(inherited or name in frozen)
            box.setEnabled(not any(name.startswith(f"{b}.") for b in frozen))
            box.blockSignals(False)
        self.freeze_all.setEnabled(value != "all")
        self.unfreeze_all.setEnabled(value != "none")

    def frozen_blocks(self) -> list[str]:
        """The explicitly frozen blocks of the value shown (``"all"``: the top-level blocks)."""
        return frozen_blocks(self._value, self.table) if self.table is not None else []

    def value(self) -> Any:
        return self._value

    def _toggle(self, name: str, checked: bool) -> None:
        frozen = [b for b in self.frozen_blocks() if b != name]
        if checked:  # blocks inside the newly frozen one are covered by it
            frozen = [b for b in frozen if not b.startswith(f"{name}.")] + [name]
        assert self.table is not None  # boxes exist only for a known model
        self._emit(normalised(frozen, self.table))

    def _emit(self, value: Any) -> None:
        self.committed.emit(value)


EDITORS: dict[str, type[ParamEditor]] = {
    "int": IntEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "dtype": ChoiceEditor,
    "ints": TupleEditor,
    "shape": TupleEditor,
    "text": TextEditor,
    "blocks": BlocksEditor,
    "literal": LiteralEditor,
}
# (kind, parameter name) pairs whose editor is more specific than the kind's.
NAMED_EDITORS: dict[tuple[str, str], type[ParamEditor]] = {("text", "weights"): WeightsEditor}


def make_editor(spec: ParamSpec, parent: QWidget | None = None) -> ParamEditor:
    """The control for ``spec.kind`` (a read-only text for a kind without an editor)."""
    cls = NAMED_EDITORS.get((spec.kind, spec.name)) or EDITORS.get(spec.kind, LiteralEditor)
    return cls(spec, parent)


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
