"""The project's ``data`` and ``training`` sections: their defaults and the task rules, in one place.

The GUI (run setup, inspector) and the CLI (``pipeline.prepare``) both read these, so a project
without a training section trains the same way in either, and a batch size of 32 is written once.

Typed sections: ``data`` parses into :class:`nnbuilder.data.registry.DataConfig`
(``parse_data_section``) and ``training`` into :class:`nnbuilder.training.TrainingConfig`
(``TrainingConfig.from_dict``), both frozen dataclasses checked by the one parameter schema
(:mod:`nnbuilder.schema`).  Dataclasses rather than pydantic models: no new dependency, the
configs already were dataclasses, and every message keeps the schema's wording and JSON paths
(pydantic phrases its own).  The project keeps the raw dicts, so keys the typed view does not
know are preserved on save; edits copy the dict and change only what they set.

The values themselves are in the leaf module :mod:`nnbuilder.defaults` (the data checks and the trainer
read them without importing this one).  This module imports neither torch nor the data sets at import
time (the GUI reads it at start-up).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnbuilder.defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_DATASET,
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_OPTIMIZER,
    DEFAULT_SPLIT,
)


@dataclass(frozen=True)
class TaskRule:
    """What a task implies: the loss a new training section uses, the metric shown, the output size rule."""

    task: str
    loss: str
    metric: str  # the headline metric the dashboard plots (``val_<metric>`` for the validation split)
    outputs: str  # "classes": one logit per class; "one": a single output


TASK_RULES: dict[str, TaskRule] = {
    "classification": TaskRule("classification", "CrossEntropyLoss", "accuracy", "classes"),
    "binary": TaskRule("binary", "BCEWithLogitsLoss", "accuracy", "one"),
    "regression": TaskRule("regression", "MSELoss", "r2", "one"),
}
DEFAULT_LOSS = {task: rule.loss for task, rule in TASK_RULES.items()}


def default_data(dataset: str = DEFAULT_DATASET) -> dict[str, Any]:
    """A new project's data section."""
    return {"dataset": dataset, "params": {}, "split": list(DEFAULT_SPLIT), "batch_size": DEFAULT_BATCH_SIZE}


def default_training(task: str | None = "classification") -> dict[str, Any]:
    """A new training section for ``task`` (its loss, Adam with lr 0.001, 10 epochs)."""
    loss = TASK_RULES.get(task or "classification", TASK_RULES["classification"]).loss
    return {"loss": loss, "optimizer": {"type": DEFAULT_OPTIMIZER, "lr": DEFAULT_LR}, "epochs": DEFAULT_EPOCHS}


def describe_default_training(section: dict[str, Any]) -> str:
    """``"CrossEntropyLoss, Adam (lr 0.001), 10 epochs"`` for a :func:`default_training` section."""
    optimizer = section["optimizer"]
    return f"{section['loss']}, {optimizer['type']} (lr {optimizer['lr']:g}), {section['epochs']} epochs"


def training_or_default(training: Any, data: Any = None) -> dict[str, Any]:
    """A copy of ``training``, or the default section for the data's task when there is none."""
    if isinstance(training, dict):
        return copy.deepcopy(training)
    return default_training(task_of(data))


def with_dataset(data: Any, name: str) -> dict[str, Any]:
    """A copy of ``data`` switched to data set ``name``: its parameters reset, other keys kept, except the
    image preprocessing when the new data set holds no images (it would not apply)."""
    out = copy.deepcopy(data) if isinstance(data, dict) else default_data(name)
    out["dataset"], out["params"] = name, {}
    info = _dataset(out)
    if info is not None and info.kind != "images":
        out.pop("preprocess", None)
    return out


def data_batch_size(data: Any) -> int:
    """``data.batch_size`` when it is a positive int, else the default."""
    size = data.get("batch_size") if isinstance(data, dict) else None
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 1 else DEFAULT_BATCH_SIZE


def task_of(data: Any) -> str | None:
    """The task of the data section's data set ("classification", "binary", "regression"); None: unknown.

    A ``params.task`` of "regression" or "classification" (tabular, csv) overrides the data set's own.
    """
    info = _dataset(data)
    if info is None:
        return None
    task = (data.get("params") or {}).get("task") if isinstance(data.get("params"), dict) else None
    return task if task in TASK_RULES else info.task


def output_size(data: Any) -> tuple[int | None, str]:
    """``(outputs, why)``: the size of the model's last layer for the data section; None when only the user knows."""
    from nnbuilder.data import DataError, get_dataset

    if not isinstance(data, dict) or not data.get("dataset"):
        return None, "The project has no data set yet."
    try:
        info = get_dataset(data["dataset"])
    except DataError:
        return None, f"The data set {data['dataset']!r} is unknown."
    params = {**info.defaults(), **(data.get("params") or {})}
    task = task_of(data)
    if task == "regression":
        return 1, f"{info.name} is a regression: one output."
    if task == "binary":
        return 1, f"{info.name} has two classes: one logit ({TASK_RULES['binary'].loss})."
    classes = params.get("classes")
    if isinstance(classes, int) and not isinstance(classes, bool):
        return classes, f"{info.name}: {classes} classes."
    if isinstance(classes, (list, tuple)) and classes:
        return len(classes), f"{info.name}: {len(classes)} classes."
    if info.name == "image_folder":
        folder = Path(str(params.get("path") or "")).expanduser()
        if str(params.get("path") or "") and folder.is_dir():
            count = sum(1 for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
            if count >= 2:
                return count, f"{folder.name}: {count} class folders."
        return None, "The image folder is not set or has fewer than two class folders."
    if task == "classification" and info.class_names:
        return len(info.class_names), f"{info.name}: {len(info.class_names)} classes."
    return None, f"{info.name} decides its classes when the file is read."


def _dataset(data: Any) -> Any:
    from nnbuilder.data import DataError, get_dataset

    if not isinstance(data, dict) or not isinstance(data.get("dataset"), str):
        return None
    try:
        return get_dataset(data["dataset"])
    except DataError:
        return None
