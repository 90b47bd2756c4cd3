"""Editors for a Backbone's parameters, registered with the one factory (:mod:`nnbuilder.app.param_form`).

``weights`` is text with the model's weights names offered and a file picker; ``freeze`` (kind
``blocks``) is one checkbox per block of the model.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnbuilder.app.param_form import ParamEditor, TextEditor, register_editor
from nnbuilder.backbones.blocks import BlockTable, block_table, frozen_blocks, normalised
from nnbuilder.schema import Param as ParamSpec


class WeightsEditor(TextEditor):
    """Backbone ``weights``: empty (random init), a torchvision weights name, or a local file (… picks one)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(spec, parent, none_text)
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

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None, none_text: str | None = None) -> None:
        super().__init__(spec, parent, none_text)
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


register_editor("blocks", BlocksEditor)
register_editor("text", WeightsEditor, name="weights")
