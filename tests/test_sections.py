"""The data/training sections' defaults and task rules (one place, shared by GUI and CLI); SetSections."""
from __future__ import annotations

import pytest

from nnbuilder.graph.commands import History
from nnbuilder.graph.document import GraphDocument
from nnbuilder.graph.project import Project, load_project, save_project
from nnbuilder.graph.section_commands import SetSections
from nnbuilder.pipeline import training_section
from nnbuilder.sections import (
    DEFAULT_BATCH_SIZE,
    TASK_RULES,
    data_batch_size,
    default_data,
    default_training,
    output_size,
    task_of,
    with_dataset,
)


@pytest.mark.parametrize("dataset, task, loss, size", [
    ("spirals", "classification", "CrossEntropyLoss", 2), ("moons", "binary", "BCEWithLogitsLoss", 1),
    ("seed_regression", "regression", "MSELoss", 1),
])
def test_task_rules_give_loss_and_output_size(dataset: str, task: str, loss: str, size: int) -> None:
    data = default_data(dataset)
    assert task_of(data) == task and TASK_RULES[task].loss == loss
    assert default_training(task)["loss"] == loss
    assert output_size(data)[0] == size
    assert TASK_RULES[task].metric == ("r2" if task == "regression" else "accuracy")  # what the dashboard plots


def test_a_task_parameter_overrides_the_data_sets_task() -> None:
    data = {"dataset": "tabular", "params": {"task": "regression"}}
    assert task_of(data) == "regression" and output_size(data)[0] == 1
    assert default_training(task_of(data))["loss"] == "MSELoss"


def test_the_cli_default_training_section_is_the_core_default() -> None:
    project = Project("p", GraphDocument(), data=default_data("moons"), training=None)
    section, notes = training_section(project, "binary")
    assert section == default_training("binary")
    assert notes == ["the project has no training section: using BCEWithLogitsLoss, Adam (lr 0.001), 10 epochs"]


def test_batch_size_default_is_written_once() -> None:
    assert default_data()["batch_size"] == DEFAULT_BATCH_SIZE == data_batch_size({}) == data_batch_size(None)
    assert data_batch_size({"batch_size": 8}) == 8 and data_batch_size({"batch_size": True}) == DEFAULT_BATCH_SIZE


def test_switching_data_set_resets_params_and_drops_image_preprocessing_only_for_non_images() -> None:
    data = {"dataset": "shapes28", "params": {"noise": 0.2}, "preprocess": {"resize": 32}, "mine": 1}
    assert with_dataset(data, "spirals") == {"dataset": "spirals", "params": {}, "mine": 1}
    assert with_dataset(data, "cifar10")["preprocess"] == {"resize": 32}
    assert data["dataset"] == "shapes28"  # a copy


def test_set_sections_undoes_and_keeps_unknown_keys_through_a_save(tmp_path) -> None:
    project = Project("p", GraphDocument(), data={"dataset": "spirals", "extra": [1]},
                      training={"loss": "MSELoss", "optimizer": {"type": "SGD", "lr": 0.1}, "note": "keep"})
    calls: list[int] = []
    history = History(project.graph)
    new_training = {**project.training, "epochs": 3}
    history.push(SetSections(project, (project.data, new_training), "epochs", on_change=lambda: calls.append(1)))
    assert project.training["epochs"] == 3 and project.training["note"] == "keep" and calls == [1]
    new_training["epochs"] = 99  # the caller's dict cannot reach the history
    saved = load_project(save_project(project, tmp_path / "p.nnb.json"))
    assert saved.training["note"] == "keep" and saved.data["extra"] == [1] and saved.training["epochs"] == 3
    assert history.undo() and "epochs" not in project.training and calls == [1, 1]
    assert history.redo() and project.training["epochs"] == 3
