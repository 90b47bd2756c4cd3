"""The inspector: id, doc, and generated parameter editors for the selected node.

Every change goes through the undo stack as ``SetParam`` / ``RenameNode``; the
inspector then re-reads the document (it observes it) rather than trusting its
own widgets.  Inferred parameters read "auto (= 784)" until overridden.

Fine-tuning: every node with parameters shows its trainable / frozen counts (from the
latest analysis) and a learning-rate multiplier (``training.lr_multipliers``, edited
with the dashboard's undoable ``SetSections``); a Backbone adds a per-block freeze
checklist (the ``freeze`` editor), per-block LR multipliers, the epoch each frozen block
unfreezes at (``training.unfreeze``, staged unfreezing) and "Replace head".
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnbuilder.app.undo import push, undo_macro
from nnbuilder.app.window import finetune
from nnbuilder.app.window.summary import shape_text
from nnbuilder.graph.commands import RenameNode, SetParam
from nnbuilder.graph.document import DocEvent, GraphDocument
from nnbuilder.graph.project import Project
from nnbuilder.layers import ParamSpec, UnknownLayerType, get_spec, is_pretrained

if TYPE_CHECKING:
    from nnbuilder.app.window.param_editors import ParamEditor

MAX_ID_LENGTH = 200
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


class ParamRow(QWidget):
    """An editor plus, where the spec allows it, an auto/override switch or a None box."""

    changed = Signal(str, object, bool)  # name, value, remove

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from nnbuilder.app.window.param_editors import make_editor  # loaded with the first selected node

        self.spec = spec
        self.editor: ParamEditor = make_editor(spec)
        self.editor.committed.connect(lambda v: self.changed.emit(spec.name, v, False))
        self._resolved: Any = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor, 1)
        self.auto_label = QLabel()
        self.auto_label.setEnabled(False)
        self.switch: QToolButton | None = None
        self.none_box: QCheckBox | None = None
        if spec.inferred:
            layout.insertWidget(0, self.auto_label, 1)
            self.switch = QToolButton()
            self.switch.clicked.connect(self._toggle_auto)
            layout.addWidget(self.switch)
        elif spec.nullable and not self.editor.handles_none:
            self.none_box = QCheckBox("None")
            self.none_box.setToolTip(f"leave {spec.name} unset (None)")
            self.none_box.toggled.connect(self._toggle_none)
            layout.addWidget(self.none_box)
        self.setToolTip(f"{spec.doc}\n({spec.describe()})" if spec.doc else spec.describe())

    @property
    def is_auto(self) -> bool:
        return self.switch is not None and self.editor.isHidden()

    def show_value(self, raw: Any, resolved: Any) -> None:
        """Display the document value ``raw``; ``resolved`` is the analysed value (for 'auto')."""
        from nnbuilder.app.window.param_editors import format_value, starting_value

        self._resolved = resolved
        if self.switch is not None:
            auto = raw is None
            self.editor.setVisible(not auto)
            self.auto_label.setVisible(auto)
            self.auto_label.setText("auto" if resolved is None else f"auto (= {format_value(resolved)})")
            self.switch.setText("Override" if auto else "Auto")
            self.switch.setToolTip("set this value yourself" if auto else "infer it from the input shape again")
            if not auto:
                self.editor.set_value(raw)
            return
        if self.editor.handles_none:
            self.editor.set_value(raw)
            return
        if self.none_box is not None:
            self.none_box.blockSignals(True)
            self.none_box.setChecked(raw is None)
            self.none_box.blockSignals(False)
            self.editor.setEnabled(raw is not None)
            self.editor.set_value(raw if raw is not None else starting_value(self.spec))
            return
        self.editor.set_value(raw)

    def _toggle_auto(self) -> None:
        from nnbuilder.app.window.param_editors import starting_value

        if self.is_auto:
            self.changed.emit(self.spec.name, starting_value(self.spec, self._resolved), False)
        else:
            self.changed.emit(self.spec.name, None, True)

    def _toggle_none(self, checked: bool) -> None:
        from nnbuilder.app.window.param_editors import starting_value

        self.changed.emit(self.spec.name, None if checked else starting_value(self.spec), False)


class InspectorWidget(QScrollArea):
    """Edits the one selected node; empty when zero or several nodes are selected."""

    sectionsChanged = Signal()  # project.data / project.training changed here (edit, undo or redo)
    message = Signal(str)  # a short note for the status bar

    def __init__(self, doc: GraphDocument, stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self._doc, self._stack = doc, stack
        self.project: Project | None = None
        self.node_id: str | None = None
        self._analysis: Any = None
        self._stale = False  # the document changed since the analysis shown
        self._attrs: dict[str, str] = {}
        self.rows: dict[str, ParamRow] = {}
        self._build_empty()
        doc.subscribe(self._on_event)
        stack.indexChanged.connect(self._on_stack_index)

    def set_document(self, doc: GraphDocument, stack: QUndoStack) -> None:
        self._doc.unsubscribe(self._on_event)
        if stack is not self._stack:
            self._stack.indexChanged.disconnect(self._on_stack_index)
            stack.indexChanged.connect(self._on_stack_index)
        self._doc, self._stack = doc, stack
        doc.subscribe(self._on_event)
        self._analysis = None
        self._attrs = {}
        self.show_node(None)

    def set_project(self, project: Project) -> None:
        """The project whose ``training.lr_multipliers`` the inspector edits (also sets its document)."""
        self.project = project
        self.set_document(project.graph, self._stack)

    # ------------------------------------------------------------------ building
    def _build_empty(self) -> None:
        self.rows = {}
        self.id_edit: QLineEdit | None = None
        self.counts_label: QLabel | None = None
        self.lr_edit: LrMultiplierEdit | None = None
        self.block_lr: BlockMultipliersEdit | None = None
        self.unfreeze: UnfreezeEdit | None = None
        self.head_button: QPushButton | None = None
        label = QLabel("Select one node to edit its parameters.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setEnabled(False)
        self.setWidget(label)

    def show_node(self, node_id: str | None) -> None:
        """Show ``node_id`` (or nothing)."""
        if node_id is None or not self._doc.has_node(node_id):
            self.node_id = None
            self._build_empty()
            return
        node = self._doc.node(node_id)
        self.node_id = node_id
        page = QWidget()
        outer = QVBoxLayout(page)
        self.title = QLabel(f"<b>{node.type}</b>")
        outer.addWidget(self.title)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.id_edit = QLineEdit(node_id)
        self.id_edit.setMaxLength(MAX_ID_LENGTH)
        self.id_edit.setToolTip("the node's name; it becomes the attribute name in exported code")
        self.id_edit.editingFinished.connect(self._rename)
        form.addRow("id", self.id_edit)
        self.id_error = QLabel()
        self.id_error.setStyleSheet("color: #d9534f;")
        self.id_error.hide()
        form.addRow("", self.id_error)
        self.shape_label = QLabel("…")
        form.addRow("output", self.shape_label)
        self.counts_label = QLabel("…")
        self.counts_label.setToolTip("parameters of this node: trainable and frozen (updated after each analysis)")
        form.addRow("parameters", self.counts_label)
        self.lr_edit = LrMultiplierEdit()
        self.lr_edit.committed.connect(self._set_multiplier)
        form.addRow("LR multiplier", self.lr_edit)
        self.lr_label = form.labelForField(self.lr_edit)
        self.rows = {}
        try:
            spec = get_spec(node.type)
        except UnknownLayerType as exc:
            spec = None
            doc_text = str(exc)
        else:
            doc_text = spec.doc
            for pspec in spec.params:
                row = ParamRow(pspec)
                row.changed.connect(self._set_param)
                self.rows[pspec.name] = row
                form.addRow(pspec.name, row)
        self.block_lr = None
        self.unfreeze = None
        if is_pretrained(node.type):
            self.block_lr = BlockMultipliersEdit()
            self.block_lr.committed.connect(self._set_block_multiplier)
            form.addRow("block LR", self.block_lr)
            self.block_lr_label = form.labelForField(self.block_lr)
            self.block_lr_label.setToolTip("per-block learning-rate multipliers (discriminative LR); "
                                           "an empty field inherits the node's multiplier")
            self.unfreeze = UnfreezeEdit()
            self.unfreeze.committed.connect(self._set_unfreeze)
            form.addRow("unfreeze at", self.unfreeze)
            self.unfreeze_label = form.labelForField(self.unfreeze)
            self.unfreeze_label.setToolTip(UNFREEZE_TIP)
        outer.addLayout(form)
        self.head_button = None
        if is_pretrained(node.type):
            self.head_button = QPushButton("Replace head")
            self.head_button.clicked.connect(self.replace_head)
            expand = QPushButton("Expand into layers")
            expand.setToolTip("Replace this node by the backbone's own layers (one undo step) to edit them")
            expand.clicked.connect(self.expand_backbone)
            buttons = QHBoxLayout()
            buttons.addWidget(self.head_button)
            buttons.addWidget(expand)
            buttons.addStretch(1)
            outer.addLayout(buttons)
        self.issue_label = QLabel()
        self.issue_label.setWordWrap(True)
        self.issue_label.setStyleSheet("color: #d9534f;")
        outer.addWidget(self.issue_label)
        self.doc_label = QLabel(doc_text)
        self.doc_label.setWordWrap(True)
        self.doc_label.setTextFormat(Qt.TextFormat.PlainText)
        outer.addWidget(self.doc_label)
        outer.addStretch(1)
        self.setWidget(page)
        self._refresh()

    # ------------------------------------------------------------------ syncing
    def apply_analysis(self, analysis: Any) -> None:
        self._analysis = analysis
        self._stale = False
        try:
            self._attrs = finetune.attribute_names(analysis, self.project.name if self.project else "Model")
        except Exception:  # noqa: BLE001 - keys fall back to node ids
            self._attrs = {}
        self._refresh()

    def _refresh(self) -> None:
        if self.node_id is None or not self._doc.has_node(self.node_id):
            return
        node = self._doc.node(self.node_id)
        info = self._analysis.nodes.get(self.node_id) if self._analysis is not None else None
        for name, row in self.rows.items():
            default = None if row.spec.inferred else row.spec.default
            resolved = info.params.get(name) if info is not None else None
            row.editor.set_context(node.params)
            row.show_value(node.params.get(name, default), resolved)
        self._refresh_finetune(node, info)
        if self._analysis is None:
            self.shape_label.setText("…")
            return
        shape = info.output_shape if info is not None else None
        self.shape_label.setText(shape_text(shape))  # [B, 6, 28, 28], as on the canvas and in the summary
        issues = self._analysis.issues_for(self.node_id)
        self.issue_label.setText("\n".join(("⚠ " if not i.is_error else "✖ ") + i.text() for i in issues))
        self.issue_label.setVisible(bool(issues))

    def _refresh_finetune(self, node: Any, info: Any) -> None:
        """Parameter counts, LR multiplier and the Replace-head button of the shown node."""
        if self.counts_label is None or self.lr_edit is None:
            return
        stale = " (updating…)" if self._stale else ""
        if info is None:
            self.counts_label.setText("…")
        elif not info.param_count:
            self.counts_label.setText("none")
        else:
            frozen = info.param_count - info.trainable
            self.counts_label.setText(f"{info.trainable:,} trainable · {frozen:,} frozen{stale}")
        self.counts_label.setEnabled(not self._stale)
        key = self.multiplier_key()
        value = _multiplier(self.project, key)
        has_params = info is not None and bool(info.param_count)
        visible = self.project is not None and (has_params or value is not None)
        self.lr_edit.setVisible(visible)
        if self.lr_label is not None:
            self.lr_label.setVisible(visible)
        self.lr_edit.set_value(value)
        if key != self.node_id:
            self.lr_edit.setToolTip(f"stored as training.lr_multipliers[{key!r}] (the attribute name in the code)")
        if self.block_lr is not None:
            freeze = self.rows.get("freeze")
            self.block_lr.set_blocks(tuple(getattr(freeze.editor, "blocks", ())) if freeze is not None else ())
            training = self.project.training if self.project is not None else None
            keys = {block: f"{key}.{block}" for block in self.block_lr.blocks}
            self.block_lr.set_values({b: finetune.multiplier_of(training, k) for b, k in keys.items()},
                                     {b: finetune.inherited_multiplier(training, k) for b, k in keys.items()}, key)
            shown = self.project is not None and bool(self.block_lr.blocks)
            self.block_lr.setVisible(shown)
            self.block_lr_label.setVisible(shown)
        if self.unfreeze is not None:
            self._refresh_unfreeze(node, key)
        if self.head_button is not None:
            features = node.params.get("output", "features") == "features"
            self.head_button.setEnabled(features and self.project is not None)
            self.head_button.setToolTip(
                "put a new Linear head after this backbone, sized to the data set's classes, and connect it to "
                "the Output (one undo step)" if features else "set output to 'features' to give it your own head")

    def _refresh_unfreeze(self, node: Any, key: str) -> None:
        """The frozen blocks of the shown Backbone (and any with a step) with the epoch they unfreeze at."""
        assert self.unfreeze is not None
        freeze = self.rows.get("freeze")
        blocks = tuple(getattr(freeze.editor, "blocks", ())) if freeze is not None else ()
        value = node.params.get("freeze", "none")
        frozen = list(blocks) if value == "all" else []
        if isinstance(value, list):
            frozen = [b for b in value if isinstance(b, str)]
        training = self.project.training if self.project is not None else None
        epochs, whole = finetune.unfreeze_epochs(training, key)
        rows: list[tuple[str | None, str]] = []
        if value == "all" or whole is not None:
            rows.append((None, WHOLE))
        rows += [(b, b) for b in frozen]
        rows += [(b, f"{b} (not frozen)") for b in epochs if b not in frozen]
        self.unfreeze.set_rows(tuple(rows))
        last = training.get("epochs") if isinstance(training, dict) else None
        shown: dict[str | None, int] = dict(epochs)
        if whole is not None:
            shown[None] = whole
        self.unfreeze.set_values(shown, last if isinstance(last, int) and not isinstance(last, bool) else 1)
        visible = self.project is not None and bool(rows)
        self.unfreeze.setVisible(visible)
        self.unfreeze_label.setVisible(visible)

    def multiplier_key(self) -> str:
        """The ``training.lr_multipliers`` key of the shown node: its attribute name in the generated code."""
        return self._attrs.get(self.node_id or "", self.node_id or "")

    def _on_stack_index(self, _index: int) -> None:
        # undo/redo of a data/training edit made elsewhere (the dashboard) may change the multiplier shown;
        # the stack also signals while the window is torn down, after the page's widgets are gone
        if self.lr_edit is None or not shiboken6.isValid(self.lr_edit) or not shiboken6.isValid(self.lr_label):
            return
        if self.node_id is not None and self._doc.has_node(self.node_id):
            self._refresh_finetune(self._doc.node(self.node_id), self._node_info())

    def _node_info(self) -> Any:
        return self._analysis.nodes.get(self.node_id) if self._analysis is not None and self.node_id else None

    def _on_event(self, event: DocEvent) -> None:
        if event.kind in ("node_added", "node_removed", "node_renamed", "param_changed", "edge_added",
                          "edge_removed", "reset"):
            self._stale = True
        if self.node_id is None:
            return
        if event.kind == "node_renamed" and event.detail == self.node_id:
            self.node_id = event.node_id
            if self.id_edit is not None:
                self.id_edit.setText(event.node_id)
        elif event.kind in ("node_removed", "reset") and not self._doc.has_node(self.node_id):
            self.show_node(None)
        elif event.kind == "param_changed" and event.node_id == self.node_id:
            self._refresh()

    # ------------------------------------------------------------------ edits
    def _set_param(self, name: str, value: Any, remove: bool) -> None:
        if self.node_id is None:
            return
        params = self._doc.node(self.node_id).params
        if (remove and name not in params) or (not remove and name in params and params[name] == value
                                                and type(params[name]) is type(value)):
            return
        push(self._stack, self._doc, SetParam(self.node_id, name, value, remove=remove))

    def _set_multiplier(self, value: float | None) -> None:
        """Set (None: unset) the shown node's LR multiplier as one undoable project edit."""
        if self.node_id is not None:
            self._push_multiplier(self.multiplier_key(), value, f"'{self.node_id}'")

    def _set_block_multiplier(self, block: str, value: float | None) -> None:
        """Set (None: unset, inherit) the LR multiplier of a Backbone block as one undoable project edit."""
        if self.node_id is not None:
            self._push_multiplier(f"{self.multiplier_key()}.{block}", value, f"'{self.node_id}' block {block}")

    def _push_multiplier(self, key: str, value: float | None, what: str) -> None:
        if self.project is None or value == _multiplier(self.project, key):
            return
        from nnbuilder.app.dashboard.commands import SetSections
        from nnbuilder.app.dashboard.setup_panel import DEFAULT_TRAINING

        training = finetune.with_multiplier(self.project.training, key, value, DEFAULT_TRAINING)
        text = f"LR multiplier of {what}" if value is None else f"LR ×{value:g} for {what}"
        self._stack.push(SetSections(self.project, (self.project.data, training), text, self._sections_changed))

    def _set_unfreeze(self, block: str | None, epoch: int | None) -> None:
        """Make ``block`` of the shown Backbone (None: all of it) unfreeze at ``epoch`` (None: never); one undo step."""
        if self.node_id is None or self.project is None:
            return
        from nnbuilder.app.dashboard.commands import SetSections
        from nnbuilder.app.dashboard.setup_panel import DEFAULT_TRAINING

        key = self.multiplier_key()
        training = finetune.with_unfreeze(self.project.training, key, block, epoch, DEFAULT_TRAINING)
        if training == self.project.training:
            return
        what = f"'{self.node_id}'" if block is None else f"'{self.node_id}' block {block}"
        text = f"never unfreeze {what}" if epoch is None else f"unfreeze {what} at epoch {epoch}"
        self._stack.push(SetSections(self.project, (self.project.data, training), text, self._sections_changed))

    def _sections_changed(self) -> None:
        self._on_stack_index(0)
        self.sectionsChanged.emit()

    def replace_head(self) -> str | None:
        """Give the shown Backbone a Linear head sized to the data set, connected to the Output; the head's id."""
        if self.node_id is None or self.project is None:
            return None
        from nnbuilder.app.window import dialogs

        size, why = finetune.head_size(self.project.data)
        if size is None:
            size = dialogs.ask_classes(self, why)
            if size is None:
                return None
        command, head = finetune.replace_head_command(self._doc, self.node_id, size)
        if command is None:
            self.message.emit(f"'{head}' already has {size} output(s)")
            return head
        push(self._stack, self._doc, command)
        self.message.emit(f"head '{head}': Linear with {size} output(s). {why}")
        return head

    def expand_backbone(self) -> bool:
        """Replace the shown Backbone by its traced layers (torch.fx), as one undoable step."""
        if self.node_id is None:
            return False
        from nnbuilder.backbones.expand import expand_backbone_command
        from nnbuilder.backbones.fx_convert import UnsupportedModel
        from nnbuilder.graph.document import GraphError

        node_id = self.node_id
        try:
            command, _ = expand_backbone_command(self._doc, node_id)
        except (UnsupportedModel, GraphError, ValueError) as exc:
            self.message.emit(f"cannot expand '{node_id}': {exc}")
            return False
        push(self._stack, self._doc, command)
        self.message.emit(f"'{node_id}' expanded into {len(self._doc)} nodes; its freeze setting does not carry over "
                          "to the layers")
        return True

    def _rename(self) -> None:
        if self.node_id is None or self.id_edit is None:
            return
        new = self.id_edit.text().strip()
        error = None
        if new == self.node_id:
            pass
        elif not new:
            error = "a node needs a name"
        elif self._doc.has_node(new):
            error = f"another node is already called “{new}”"
        self.id_error.setText(error or "")
        self.id_error.setVisible(bool(error))
        if error or new == self.node_id:
            return
        self.rename_node(self.node_id, new)

    def rename_node(self, old: str, new: str) -> None:
        """Rename ``old`` to ``new`` (a free id); the ``training.lr_multipliers`` keys (and ``unfreeze`` modules)
        of the attribute names that change follow, in the same undo step."""
        training = None
        if self.project is not None:
            order = [n for n in (self._analysis.order if self._analysis is not None else []) if self._doc.has_node(n)]
            seen = set(order)
            order += [n.id for n in self._doc.nodes if n.id not in seen]
            training, attrs = finetune.renamed_training(self.project.training, order, old, new, self.project.name)
        if training is None:
            push(self._stack, self._doc, RenameNode(old, new))
            return
        from nnbuilder.app.dashboard.commands import SetSections

        with undo_macro(self._stack, f"rename '{old}' to '{new}'"):
            push(self._stack, self._doc, RenameNode(old, new))
            self._attrs = attrs  # the keys the moved multipliers now have, until the next analysis
            self._stack.push(SetSections(self.project, (self.project.data, training),
                                         f"LR multipliers follow '{new}'", self._sections_changed))


def _multiplier(project: Project | None, key: str) -> float | None:
    return finetune.multiplier_of(project.training, key) if project is not None else None
