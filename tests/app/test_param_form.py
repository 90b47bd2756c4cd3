"""The one editor factory renders layer, data and training parameters; the run setup uses the core defaults."""
from __future__ import annotations

import pytest

from nnbuilder.app.param_form import (
    ChoiceEditor,
    FloatEditor,
    IntEditor,
    JsonEditor,
    TextEditor,
    make_editor,
    make_field,
)
from nnbuilder.data import get_dataset
from nnbuilder.graph.document import GraphDocument
from nnbuilder.graph.project import Project
from nnbuilder.layers import get_spec
from nnbuilder.pipeline import training_section
from nnbuilder.sections import default_data
from nnbuilder.training.registry import OPTIMIZERS
from nnbuilder.training.schedulers import SCHEDULERS


def _data_param(dataset: str, name: str):
    return next(p for p in get_dataset(dataset).params if p.name == name)


@pytest.mark.parametrize("spec, cls", [
    (get_spec("Linear").param("out_features"), IntEditor),
    (_data_param("ratings", "factors"), IntEditor),
    (SCHEDULERS["StepLR"].params["step_size"], IntEditor),
    (get_spec("Dropout").param("p"), FloatEditor),
    (_data_param("spirals", "noise"), FloatEditor),
    (OPTIMIZERS["SGD"].params["momentum"], FloatEditor),
    (_data_param("tabular", "task"), ChoiceEditor),
    (SCHEDULERS["OneCycleLR"].params["anneal_strategy"], ChoiceEditor),
    (_data_param("csv", "path"), TextEditor),
    (_data_param("csv", "categorical"), JsonEditor),
])
def test_one_factory_renders_every_kind(qtbot, spec, cls) -> None:
    editor = make_editor(spec)
    qtbot.addWidget(editor)
    assert type(editor) is cls


def test_open_bounds_and_none_in_number_editors(qtbot) -> None:
    momentum = make_editor(OPTIMIZERS["SGD"].params["momentum"])  # [0, 1)
    qtbot.addWidget(momentum)
    assert momentum.box.maximum() < 1.0 and momentum.box.minimum() == 0.0
    field = make_field(SCHEDULERS["CosineAnnealingLR"].params["T_max"], None, lambda: None)  # optional int ≥ 1
    qtbot.addWidget(field.widget)
    assert field.get() is None and field.widget.box.text() == "default"
    field.widget.box.setValue(5)
    assert field.get() == 5


def test_text_editor_refuses_what_the_schema_refuses(qtbot) -> None:
    editor = make_editor(_data_param("csv", "path"))
    qtbot.addWidget(editor)
    seen: list = []
    editor.committed.connect(seen.append)
    editor.edit.setText("  ")
    editor.edit.editingFinished.emit()
    assert seen == [] and "expected a non-empty path" in editor.edit.toolTip()
    editor.edit.setText("table.csv")
    editor.edit.editingFinished.emit()
    assert seen == ["table.csv"]


@pytest.mark.parametrize("dataset", ["spirals", "moons", "seed_regression"])
def test_run_setup_and_cli_start_from_the_same_training_section(qtbot, dataset) -> None:
    from nnbuilder.app.dashboard.setup_panel import SetupPanel

    panel = SetupPanel()
    qtbot.addWidget(panel)
    data = default_data(dataset)
    panel.load(data, None)
    project = Project("p", GraphDocument(), data=data, training=None)
    task = {"spirals": "classification", "moons": "binary", "seed_regression": "regression"}[dataset]
    assert panel.training == training_section(project, task)[0]
    assert panel.loss.currentData() == panel.training["loss"]
