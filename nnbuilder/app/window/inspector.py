"""The inspector: id, doc, and generated parameter editors for the selected node.

Every change goes through the undo stack as ``SetParam`` / ``RenameNode``; the
inspector then re-reads the document (it observes it) rather than trusting its
own widgets.  Inferred parameters read "auto (= 784)" until overridden.  The
editors come from the one factory (:func:`nnbuilder.app.param_form.make_editor`);
the fine-tuning rows (counts, LR multipliers, unfreeze epochs, Replace head) are
:class:`nnbuilder.app.window.finetune_section.FineTuningSection`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnbuilder import finetune_edits as finetune
from nnbuilder.app.undo import push
from nnbuilder.app.window.finetune_section import (  # noqa: F401 - re-exported: the inspector's public names
    LR_DEFAULT_TEXT,
    MAX_LR_MULTIPLIER,
    UNFREEZE_TIP,
    WHOLE,
    BlockMultipliersEdit,
    FineTuningSection,
    LrMultiplierEdit,
    UnfreezeEdit,
    parse_multiplier,
)
from nnbuilder.app.window.summary import shape_text
from nnbuilder.graph.blocks import BLOCK_HELP, BLOCK_TYPE
from nnbuilder.graph.commands import SetParam
from nnbuilder.graph.document import DocEvent, GraphDocument
from nnbuilder.graph.project import Project
from nnbuilder.layers import ParamSpec, UnknownLayerType, get_spec

if TYPE_CHECKING:
    from nnbuilder.app.param_form import ParamEditor

MAX_ID_LENGTH = 200


class ParamRow(QWidget):
    """An editor plus, where the spec allows it, an auto/override switch or a None box."""

    changed = Signal(str, object, bool)  # name, value, remove

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from nnbuilder.app.param_form import make_editor  # loaded with the first selected node

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
        from nnbuilder.app.param_form import format_value, starting_value

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
        from nnbuilder.app.param_form import starting_value

        if self.is_auto:
            self.changed.emit(self.spec.name, starting_value(self.spec, self._resolved), False)
        else:
            self.changed.emit(self.spec.name, None, True)

    def _toggle_none(self, checked: bool) -> None:
        from nnbuilder.app.param_form import starting_value

        self.changed.emit(self.spec.name, None if checked else starting_value(self.spec), False)


class InspectorWidget(FineTuningSection, QScrollArea):
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
        self._add_finetune_rows(form)
        self.rows = {}
        try:
            spec = get_spec(node.type)
        except UnknownLayerType as exc:
            spec = None
            doc_text = BLOCK_HELP if node.type == BLOCK_TYPE else str(exc)
        else:
            doc_text = spec.doc
            for pspec in spec.params:
                row = ParamRow(pspec)
                row.changed.connect(self._set_param)
                self.rows[pspec.name] = row
                form.addRow(pspec.name, row)
        self._add_backbone_rows(form, node)
        outer.addLayout(form)
        self._add_backbone_buttons(outer, node)
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

