"""``nnbuilder export PROJECT --script DIR``: model.py + train.py in plain PyTorch, runnable under torchrun.

DIR gets ``model.py`` (the module nnbuilder trains, preprocessing included), ``train.py`` (the loop,
loss, optimizer with parameter groups, scheduler, L1/L2 penalty, gradient clipping, staged unfreezing,
early stopping and seed of the project: :mod:`nnbuilder.export.script_parts`; data augmentation:
:mod:`~nnbuilder.export.script_augment`; ``training.init``: :mod:`~nnbuilder.export.script_init`) and the
starting weights as ``initial.safetensors`` (before ``training.init``, which train.py redraws as the app
does).  The user's CSV, image folders and torchvision sets are
read by train.py itself through their usual loaders; built-in sets travel as ``data.pt``
(:mod:`nnbuilder.export.script_data`).  What the script does not reproduce is listed in its header
and returned, so the CLI can say it.
"""
from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from nnbuilder.export.script_augment import augment_parts
from nnbuilder.export.script_init import init_parts
from nnbuilder.export.script_parts import SCHEDULERS, plateau_monitor, scheduler_body, training_parts
from nnbuilder.export.script_template import TRAIN_PY


class ScriptExportError(ValueError):
    """The project cannot become a training script; the message says why."""


@dataclass
class ScriptExport:
    folder: Path
    files: list[Path]
    notes: list[str] = field(default_factory=list)  # what train.py does not reproduce


def export_script(project: Any, folder: str | os.PathLike[str], *, epochs: int | None = None) -> ScriptExport:
    """Write model.py, train.py, initial.safetensors (and data.pt for built-in sets) for ``project`` (a Project or a path)."""
    from safetensors.torch import save_file

    from nnbuilder.compile import write_source
    from nnbuilder.data.bundle import TensorSplit
    from nnbuilder.export.script_data import data_code
    from nnbuilder.fileio import atomic_write_text
    from nnbuilder.graph.project import Project, load_project
    from nnbuilder.pipeline import prepare
    from nnbuilder.training.errors import ConfigError
    from nnbuilder.training.metrics import metric_kind
    from nnbuilder.training.registry import LOSSES, OPTIMIZERS

    project = project if isinstance(project, Project) else load_project(project)
    prepared = prepare(project, epochs=epochs)
    cfg, bundle = prepared.config, prepared.bundle
    notes = _unsupported(cfg, bundle)
    splits = {"train": bundle.train, "val": bundle.val, "test": bundle.test}
    folder = Path(folder)
    data = data_code(bundle, project, folder)
    if data.tensor_file and not isinstance(bundle.train, TensorSplit):
        raise ScriptExportError(f"the training script cannot reproduce data set '{bundle.name}': it is read from "
                                "files item by item and the script has no loader for it")
    folder.mkdir(parents=True, exist_ok=True)
    if data.tensor_file:
        torch.save({name: {"inputs": list(s.inputs), "targets": s.targets} for name, s in splits.items()
                    if s is not None}, folder / "data.pt")
    state = {k: v.detach().cpu().contiguous() for k, v in prepared.model.state_dict().items()}
    save_file(state, str(folder / "initial.safetensors"))
    write_source(prepared.compiled.source, folder / "model.py")
    loss_kwargs = {k: v for k, v in cfg.loss.params.items() if v is not None}
    opt_kwargs = {k: v for k, v in cfg.optimizer.params.items() if v is not None}
    opt_cls = OPTIMIZERS[cfg.optimizer.type].cls
    try:
        parts = {**training_parts(cfg, prepared.model), **init_parts(cfg, prepared.model)}
    except ConfigError as exc:
        raise ScriptExportError("; ".join(f"{where}: {message}" for where, message in exc.problems)) from None
    early = None
    if cfg.early_stopping is not None:
        e = cfg.early_stopping
        early = {"patience": e.patience, "monitor": e.monitor, "min_delta": e.min_delta, "restore_best": e.restore_best}
    header = "".join(f"NOT REPRODUCED: {note}\n" for note in notes)
    text = TRAIN_PY.format(
        project=project.name, data_note=textwrap.fill(f"Data: {data.note}", 104), unsupported=header, cls=prepared.compiled.class_name,
        data_file="data.pt (the raw splits), " if data.tensor_file else "", data_code=data.code.rstrip("\n"),
        data_imports="".join(f"{line}\n" for line in data.imports if line.startswith("import ")),
        torch_imports="".join(f"{line}\n" for line in data.imports if not line.startswith("import ")),
        task=metric_kind(cfg.loss) if bundle.task != "binary" else "binary", seed=cfg.seed if cfg.seed is not None else 0,
        epochs=cfg.epochs, batch_size=prepared.config.batch_size or prepared.batch_size, lr=cfg.optimizer.lr,
        multipliers=dict(cfg.lr_multipliers), early=early, not_reproduced=notes,
        loss_code=f"nn.{LOSSES[cfg.loss.type].cls.__name__}(**{loss_kwargs!r})",
        optimizer_code=f"{opt_cls.__module__.replace('torch.optim.', 'torch.optim.').rsplit('.', 1)[0]}."
                       f"{opt_cls.__name__}(groups, lr=LR, **{opt_kwargs!r})".replace("torch.optim.adam.", "torch.optim."),
        scheduler_body=scheduler_body(cfg), plateau_monitor=plateau_monitor(cfg), **parts,
        **augment_parts(bundle))
    atomic_write_text(folder / "train.py", text)
    files = [folder / n for n in ("model.py", "train.py", "data.pt", "initial.safetensors")
             if n != "data.pt" or data.tensor_file]
    return ScriptExport(folder, files, notes)


def _unsupported(cfg: Any, bundle: Any) -> list[str]:
    notes = []
    if cfg.scheduler is not None and cfg.scheduler.type not in SCHEDULERS:
        notes.append(f"the {cfg.scheduler.type} scheduler (train.py keeps the LR constant)")
    if cfg.precision != "fp32":
        notes.append(f"precision {cfg.precision} (train.py trains in fp32)")
    return notes
