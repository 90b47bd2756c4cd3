"""Run setup: data set, split, batch size and every training option, read from and written to the project.

The panel never owns the sections: :meth:`SetupPanel.load` shows them and every edit emits
``edited(data, training, what)`` with whole new sections (unknown keys kept), which the
dashboard turns into an undoable command.

When the graph holds a Backbone with pretrained weights the data box says what preprocessing the
weights expect and offers a button writing it into ``data.preprocess`` (one ``edited`` signal, so
one undoable step).  The graph comes from :meth:`SetupPanel.set_project`; the offer is re-read
whenever the undo stack given to :meth:`SetupPanel.watch` changes (graph edits go through it).
"""
from __future__ import annotations

import copy
import dataclasses
import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnbuilder.app.param_form import Field, make_field
from nnbuilder.app.sci_spinbox import SciSpinBox
from nnbuilder.graph.project import Project
from nnbuilder.layers import is_pretrained
from nnbuilder.schema import Param
from nnbuilder.sections import (
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_SPLIT,
    data_batch_size,
    default_data,
    default_training,
    task_of,
    with_dataset,
)

NO_SCHEDULER = "none"
DEFAULT_INIT = "(layer defaults)"
DEFAULT_DATA = default_data()  # kept importable; the defaults live in nnbuilder.sections
DEFAULT_TRAINING = default_training()
USE_WEIGHTS_TEXT = "Use the weights' preprocessing"


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _type_of(value: Any) -> str | None:
    return value.get("type") if isinstance(value, dict) else value if isinstance(value, str) else None


class SetupPanel(QWidget):
    """Editors for the project's ``data`` and ``training`` sections."""

    edited = Signal(object, object, str)  # data, training, what changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from nnbuilder.app.dashboard.devices import detect_devices
        from nnbuilder.data import list_datasets
        from nnbuilder.training.config import PRECISIONS
        from nnbuilder.training.registry import LOSSES, OPTIMIZERS
        from nnbuilder.training.schedulers import SCHEDULERS
        from nnbuilder.training.weight_init import INIT_SCHEMES

        self.datasets = {info.name: info for info in list_datasets()}
        self.optimizers, self.schedulers = OPTIMIZERS, SCHEDULERS
        self.data: dict[str, Any] = default_data()
        self.training: dict[str, Any] = default_training(task_of(self.data))
        self._loading = False
        self.param_fields: dict[str, Field] = {}
        self.sched_fields: dict[str, Field] = {}

        self.dataset = self._combo([(n, n) for n in self.datasets], "dataset")
        for i, info in enumerate(self.datasets.values()):
            self.dataset.setItemData(i, f"{info.doc} ({info.task})", 3)  # tooltip role
        self.params_form = QFormLayout()
        self.split = [self._spin(QDoubleSpinBox(), 0.0, 1.0, "split", step=0.05) for _ in range(3)]
        self.batch = self._spin(QSpinBox(), 1, 65536, "batch size")
        self.loss = self._combo([(n, n) for n in LOSSES], "loss")
        self.optimizer = self._combo([(n, n) for n in OPTIMIZERS], "optimizer")
        self.lr = SciSpinBox()
        self.lr.valueChanged.connect(lambda _v: self._emit("learning rate"))
        self.momentum = self._spin(QDoubleSpinBox(), 0.0, 0.999, "momentum", step=0.05)
        self.weight_decay = self._spin(QDoubleSpinBox(), 0.0, 1.0, "weight decay", step=1e-4, decimals=5)
        self.scheduler = self._combo([(NO_SCHEDULER, NO_SCHEDULER)] + [(n, n) for n in SCHEDULERS], "scheduler")
        self.sched_form = QFormLayout()
        self.epochs = self._spin(QSpinBox(), 1, 100000, "epochs")
        self.patience = self._spin(QSpinBox(), 0, 10000, "early stopping")
        self.patience.setSpecialValueText("off")
        self.init = self._combo([(DEFAULT_INIT, "")] + [(n, n) for n in INIT_SCHEMES if n != "default"], "init")
        self.device = self._combo([(label, value) for value, label in detect_devices()], "device")
        self.precision = self._combo([(p, p) for p in PRECISIONS], "precision")
        self.preprocess_label = QLabel("")
        self.preprocess_label.setWordWrap(True)
        self.offer_label = QLabel("")
        self.offer_label.setWordWrap(True)
        self.offer_label.setTextFormat(Qt.TextFormat.RichText)
        self.offer_button = QPushButton(USE_WEIGHTS_TEXT)
        self.offer_button.setToolTip("Write the resize, crop and mean/std the backbone's weights were trained with "
                                     "into the data section (data.preprocess); undo restores it")
        self.offer_button.clicked.connect(self.use_weights_preprocessing)
        self.offers: list[Any] = []  # nnbuilder.backbones.preprocess_offer.PreprocessOffer
        self._project: Project | None = None
        self._stack: QUndoStack | None = None
        self._offer_timer = QTimer(self)
        self._offer_timer.setSingleShot(True)
        self._offer_timer.setInterval(0)
        self._offer_timer.timeout.connect(self.refresh_offer)
        self._layout()

    # ------------------------------------------------------------------ building
    def _combo(self, items: list[tuple[str, Any]], what: str) -> QComboBox:
        box = QComboBox()
        for label, value in items:
            box.addItem(label, value)
        box.currentIndexChanged.connect(lambda _i: self._emit(what))
        return box

    def _spin(self, spin: Any, low: float, high: float, what: str, step: float = 1, decimals: int = 2) -> Any:
        if isinstance(spin, QDoubleSpinBox):
            spin.setDecimals(decimals)
            spin.setSingleStep(step)
        spin.setRange(low, high)
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(lambda _v: self._emit(what))
        return spin

    def _layout(self) -> None:
        data_box, train_box = QGroupBox("Data"), QGroupBox("Training")
        data_form, train_form = QFormLayout(data_box), QFormLayout(train_box)
        data_form.addRow("Data set", self.dataset)
        data_form.addRow(self.params_form)
        split_row = QHBoxLayout()
        for spin in self.split:
            split_row.addWidget(spin)
        data_form.addRow("Split (train/val/test)", split_row)
        data_form.addRow("Batch size", self.batch)
        data_form.addRow("Preprocessing", self.preprocess_label)
        data_form.addRow(self.offer_label)
        data_form.addRow(self.offer_button)
        for label, widget in (("Loss", self.loss), ("Optimizer", self.optimizer), ("Learning rate", self.lr),
                              ("Momentum", self.momentum), ("Weight decay", self.weight_decay),
                              ("LR schedule", self.scheduler)):
            train_form.addRow(label, widget)
        train_form.addRow(self.sched_form)
        for label, widget in (("Epochs", self.epochs), ("Early stop patience", self.patience),
                              ("Weight init", self.init), ("Device", self.device), ("Precision", self.precision)):
            train_form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(data_box)
        layout.addWidget(train_box)
        layout.addStretch(1)

    def _rebuild_form(self, form: QFormLayout, fields: dict[str, Field], specs: list[Param], values: dict) -> None:
        while form.rowCount():
            form.removeRow(0)
        fields.clear()
        for spec in specs:
            value = values.get(spec.name, spec.default)
            if value is None and not spec.nullable:
                spec = dataclasses.replace(spec, nullable=True)  # shown as "default"
            fields[spec.name] = make_field(spec, value, lambda n=spec.name: self._emit(n))
            form.addRow(f"  {spec.name}", fields[spec.name].widget)

    def _data_specs(self, name: str) -> list[Param]:
        info = self.datasets.get(name)
        return list(info.params if info else ())

    def _sched_specs(self, name: str) -> list[Param]:
        spec = self.schedulers.get(name)
        out = []
        for key, p in (spec.params.items() if spec else ()):
            if p.kind == "pair":
                continue
            default = (1 if p.kind == "int" else 0.9) if p.required else p.default  # a required option's start
            out.append(dataclasses.replace(p, name=key, default=default, required=False))
        return out

    # ------------------------------------------------------------------ sections ↔ widgets
    def load(self, data: dict[str, Any] | None, training: dict[str, Any] | None) -> None:
        """Show the project's sections (defaults where absent) without emitting ``edited``."""
        self._loading = True
        try:
            self.data = copy.deepcopy(data) if data else default_data()
            self.training = copy.deepcopy(training) if training else default_training(task_of(self.data))
            d, t = self.data, self.training
            self._select(self.dataset, d.get("dataset"))
            self._rebuild_form(self.params_form, self.param_fields, self._data_specs(d.get("dataset", "")),
                               d.get("params") or {})
            split = list(d.get("split") or DEFAULT_SPLIT) + [0.0, 0.0]
            for spin, value in zip(self.split, split[:3]):
                spin.setValue(float(value))
            self.batch.setValue(data_batch_size(d))
            self._select(self.loss, _type_of(t.get("loss")))
            opt = t.get("optimizer") if isinstance(t.get("optimizer"), dict) else {"type": t.get("optimizer")}
            self._select(self.optimizer, opt.get("type"))
            self.lr.setValue(float(opt.get("lr") or DEFAULT_LR))
            self.momentum.setValue(float(opt.get("momentum") or 0.0))
            self.weight_decay.setValue(float(opt.get("weight_decay") or 0.0))
            self._sync_enabled()
            sched = t.get("scheduler")
            self._select(self.scheduler, _type_of(sched) or NO_SCHEDULER)
            self._rebuild_form(self.sched_form, self.sched_fields, self._sched_specs(_type_of(sched) or ""),
                               sched if isinstance(sched, dict) else {})
            self.epochs.setValue(int(t.get("epochs") or DEFAULT_EPOCHS))
            early = t.get("early_stopping")
            self.patience.setValue(int(early.get("patience", 0)) if isinstance(early, dict) else 0)
            init = t.get("init")
            self._select(self.init, _type_of(init.get("default") if isinstance(init, dict) and "default" in init
                                             else init) or "")
            self._select(self.device, t.get("device", "auto"))
            self._select(self.precision, t.get("precision", "fp32"))
        finally:
            self._loading = False
        self.refresh_offer()

    # ------------------------------------------------------------------ the weights' preprocessing
    def set_project(self, project: Project | None) -> None:
        """The project whose graph is searched for backbones with weights (else: the dashboard's)."""
        self._project = project
        self.refresh_offer()

    def _current_project(self) -> Project | None:
        return self._project

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_offer()

    def watch(self, stack: QUndoStack) -> None:
        """Re-read the offer after every change on ``stack`` (a Backbone added, its weights changed...)."""
        if stack is not self._stack:
            self._stack = stack
            stack.indexChanged.connect(lambda _i: self._offer_timer.start())

    def refresh_offer(self) -> None:
        """Show the data's preprocessing and what the graph's pretrained backbones expect."""
        from nnbuilder.data.preprocess import check_preprocess

        pre, problems = check_preprocess(self.data.get("preprocess"))
        if problems:
            self.preprocess_label.setText("invalid: " + "; ".join(f"{w}: {m}" for w, m in problems))
        elif pre is not None:
            self.preprocess_label.setText(pre.describe() if pre.mean is not None or self.data.get("normalize") is False
                                          else pre.describe() + ", standardise with training-split statistics")
        else:
            self.preprocess_label.setText("standardised with the training split's statistics (no fixed preprocessing)"
                                          if self.data.get("normalize", True) is not False else "none")
        self.offers = self._compute_offers()
        offer = next((o for o in self.offers if o.applicable), self.offers[0] if self.offers else None)
        self.offer_label.setVisible(offer is not None)
        self.offer_button.setVisible(offer is not None)
        if offer is None:
            return
        more = len(self.offers) - 1
        lines = []
        if offer.expected is not None:
            exp = offer.expected
            lines.append(f"<b>{escape(exp.model)} {escape(exp.weights)}</b> expects: "
                         f"{escape(exp.preprocess.describe())}")
            if exp.detail:
                lines.append(f"<i>({escape(exp.detail)})</i>")
        if offer.problem:
            lines.append(f"<span style='color:#b00020'>{escape(offer.problem)}</span>")
        elif offer.matches:
            then = f" Then {escape(offer.input_fix)}." if offer.input_fix else ""
            lines.append(f"<span style='color:#2e7d32'>✓ The data section already uses it.</span>{then}")
        else:
            lines.append("The data is " + escape("; ".join(offer.differences)) + ".")
            if offer.input_fix:
                lines.append(f"After using it, {escape(offer.input_fix)}.")
        if more:
            lines.append(f"(+{more} more backbone{'s' if more > 1 else ''} with weights: see nnbuilder validate)")
        self.offer_label.setText("<br>".join(lines))
        self.offer_button.setEnabled(offer.applicable and not offer.matches)

    def _compute_offers(self) -> list[Any]:
        project = self._current_project()
        if project is None or not any(is_pretrained(n.type) and n.params.get("weights") for n in project.graph.nodes):
            return []
        from nnbuilder.backbones.preprocess_offer import preprocess_offers

        view = Project(project.name, project.graph, self.data, self.training)
        try:
            return preprocess_offers(view)
        except Exception as exc:  # noqa: BLE001 - shown, never raised into Qt
            from nnbuilder.backbones.preprocess_offer import PreprocessOffer

            return [PreprocessOffer("?", None, problem=f"cannot compare the weights' preprocessing: {exc}")]

    def use_weights_preprocessing(self) -> bool:
        """Write the first applicable offer's spec into ``data.preprocess`` as one edit; False if none."""
        offer = next((o for o in self.offers if o.applicable and not o.matches), None)
        if offer is None:
            return False
        self.data = offer.apply(self.data)
        self.edited.emit(copy.deepcopy(self.data), copy.deepcopy(self.training), "data preprocessing")
        self.refresh_offer()
        return True

    @staticmethod
    def _select(box: QComboBox, value: Any) -> None:
        index = box.findData(value) if value is not None else -1
        box.setCurrentIndex(max(index, 0))

    def _sync_enabled(self) -> None:
        spec = self.optimizers.get(self.optimizer.currentData())
        self.momentum.setEnabled(bool(spec and "momentum" in spec.params))

    def _emit(self, what: str) -> None:
        if self._loading:
            return
        data, training = self.sections(what)
        self.edited.emit(data, training, what)

    def sections(self, what: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
        """New data and training sections from the widgets (keys the panel does not edit are kept)."""
        d, t = copy.deepcopy(self.data), copy.deepcopy(self.training)
        name = self.dataset.currentData()
        if name != d.get("dataset"):
            d = with_dataset(d, name)
            self._loading = True
            self._rebuild_form(self.params_form, self.param_fields, self._data_specs(name), {})
            self._loading = False
        else:
            info = self.datasets.get(name)
            defaults = info.defaults() if info else {}
            params = {k: f.get() for k, f in self.param_fields.items()}
            d["params"] = {k: v for k, v in params.items() if v is not None and v != defaults.get(k)}
        d["split"] = [round(s.value(), 4) for s in self.split if s.value() > 0 or s is self.split[0]]
        d["batch_size"] = self.batch.value()
        t["loss"] = t["loss"] if _type_of(t.get("loss")) == self.loss.currentData() else self.loss.currentData()
        opt_type = self.optimizer.currentData()
        old_opt = t.get("optimizer") if isinstance(t.get("optimizer"), dict) else {}
        opt = dict(old_opt) if old_opt.get("type") == opt_type else {}
        opt.update({"type": opt_type, "lr": float(f"{self.lr.value():.6g}")})
        self._sync_enabled()
        for key, spin in (("momentum", self.momentum), ("weight_decay", self.weight_decay)):
            opt.pop(key, None)
            if spin.isEnabled() and spin.value() > 0:
                opt[key] = round(spin.value(), 6)
        t["optimizer"] = opt
        self._write_scheduler(t)
        t["epochs"] = self.epochs.value()
        if self.patience.value() > 0:
            early = t.get("early_stopping") if isinstance(t.get("early_stopping"), dict) else {}
            t["early_stopping"] = {**early, "patience": self.patience.value()}
        else:
            t.pop("early_stopping", None)
        if not self.init.currentData():
            t.pop("init", None)
        elif _type_of(t.get("init")) != self.init.currentData():
            t["init"] = self.init.currentData()
        for key, box, default in (("device", self.device, "auto"), ("precision", self.precision, "fp32")):
            if box.currentData() == default:
                t.pop(key, None)
            else:
                t[key] = box.currentData()
        self.data, self.training = d, t
        return copy.deepcopy(d), copy.deepcopy(t)

    def _write_scheduler(self, t: dict[str, Any]) -> None:
        name = self.scheduler.currentData()
        if name == NO_SCHEDULER:
            t.pop("scheduler", None)
            self.sched_fields.clear()
            while self.sched_form.rowCount():
                self.sched_form.removeRow(0)
            return
        if _type_of(t.get("scheduler")) != name:
            self._loading = True
            self._rebuild_form(self.sched_form, self.sched_fields, self._sched_specs(name), {})
            self._loading = False
        values = {k: f.get() for k, f in self.sched_fields.items()}
        t["scheduler"] = {"type": name, **{k: v for k, v in values.items() if v is not None}}
