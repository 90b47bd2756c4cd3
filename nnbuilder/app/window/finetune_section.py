"""The inspector's fine-tuning section: trainable/frozen counts, LR multipliers, staged unfreezing, new head.

Every node with parameters shows its trainable / frozen counts (from the latest analysis) and a
learning-rate multiplier (``training.lr_multipliers``); a Backbone adds per-block LR multipliers,
the epoch each frozen block unfreezes at (``training.unfreeze``) and "Replace head" / "Expand into
layers".  Section edits are the core's undoable :class:`~nnbuilder.graph.section_commands.SetSections`;
the edits themselves are Qt-free (:mod:`nnbuilder.finetune_edits`).
:class:`FineTuningSection` is mixed into :class:`nnbuilder.app.window.inspector.InspectorWidget`.
"""
from __future__ import annotations

__all__ = ["LR_DEFAULT_TEXT", "MAX_LR_MULTIPLIER", "UNFREEZE_TIP", "WHOLE", "BlockMultipliersEdit",
           "FineTuningSection", "LrMultiplierEdit", "UnfreezeEdit", "parse_multiplier"]

from typing import Any

import shiboken6
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from nnbuilder import finetune_edits as finetune
from nnbuilder.app.undo import push, undo_macro
from nnbuilder.app.window.finetune_widgets import (
    LR_DEFAULT_TEXT,
    MAX_LR_MULTIPLIER,
    UNFREEZE_TIP,
    WHOLE,
    BlockMultipliersEdit,
    LrMultiplierEdit,
    UnfreezeEdit,
    parse_multiplier,
)
from nnbuilder.graph.commands import RenameNode
from nnbuilder.graph.project import Project
from nnbuilder.graph.section_commands import SetSections
from nnbuilder.layers import is_pretrained
from nnbuilder.sections import default_training, output_size, task_of


class FineTuningSection:
    """The fine-tuning rows and edits of the inspector (a mixin: the inspector holds the document, the stack,
    the project, the shown node and the analysis)."""

    def _add_finetune_rows(self, form: QFormLayout) -> None:
        """Parameter counts and the LR multiplier, shown for every node."""
        self.counts_label = QLabel("…")
        self.counts_label.setToolTip("parameters of this node: trainable and frozen (updated after each analysis)")
        form.addRow("parameters", self.counts_label)
        self.lr_edit = LrMultiplierEdit()
        self.lr_edit.committed.connect(self._set_multiplier)
        form.addRow("LR multiplier", self.lr_edit)
        self.lr_label = form.labelForField(self.lr_edit)

    def _add_backbone_rows(self, form: QFormLayout, node: Any) -> None:
        """A Backbone's per-block LR multipliers and unfreeze epochs."""
        self.block_lr = None
        self.unfreeze = None
        if not is_pretrained(node.type):
            return
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

    def _add_backbone_buttons(self, outer: QVBoxLayout, node: Any) -> None:
        """A Backbone's "Replace head" and "Expand into layers"."""
        self.head_button = None
        if not is_pretrained(node.type):
            return
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
        training = finetune.with_multiplier(self.project.training, key, value, self._default_training())
        text = f"LR multiplier of {what}" if value is None else f"LR ×{value:g} for {what}"
        self._push_sections(training, text)

    def _set_unfreeze(self, block: str | None, epoch: int | None) -> None:
        """Make ``block`` of the shown Backbone (None: all of it) unfreeze at ``epoch`` (None: never); one undo step."""
        if self.node_id is None or self.project is None:
            return
        key = self.multiplier_key()
        training = finetune.with_unfreeze(self.project.training, key, block, epoch, self._default_training())
        if training == self.project.training:
            return
        what = f"'{self.node_id}'" if block is None else f"'{self.node_id}' block {block}"
        text = f"never unfreeze {what}" if epoch is None else f"unfreeze {what} at epoch {epoch}"
        self._push_sections(training, text)

    def _default_training(self) -> dict[str, Any]:
        """The training section a first fine-tuning edit starts from: the default for the data's task."""
        return default_training(task_of(self.project.data if self.project is not None else None))

    def _push_sections(self, training: dict[str, Any], text: str) -> None:
        assert self.project is not None
        push(self._stack, self._doc, SetSections(self.project, (self.project.data, training), text,
                                                 self._sections_changed))

    def _sections_changed(self) -> None:
        self._on_stack_index(0)
        self.sectionsChanged.emit()

    def replace_head(self) -> str | None:
        """Give the shown Backbone a Linear head sized to the data set, connected to the Output; the head's id."""
        if self.node_id is None or self.project is None:
            return None
        from nnbuilder.app.window import dialogs

        size, why = output_size(self.project.data)
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
        with undo_macro(self._stack, f"rename '{old}' to '{new}'"):
            push(self._stack, self._doc, RenameNode(old, new))
            self._attrs = attrs  # the keys the moved multipliers now have, until the next analysis
            self._push_sections(training, f"LR multipliers follow '{new}'")


def _multiplier(project: Project | None, key: str) -> float | None:
    return finetune.multiplier_of(project.training, key) if project is not None else None
