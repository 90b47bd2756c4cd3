"""Interrupted runs outside the CLI: write one as a resumable run folder, and read one back to continue it.

The dashboard's training process (and any other caller of the engine) uses these so that its run
folders have the layout ``nnbuilder train`` writes (:mod:`nnbuilder.runs`): ``weights.safetensors``,
``model.py``, ``history.json``, ``run.json`` (``stop_reason`` "interrupted"), ``project.nnb`` and,
while the run can be resumed, ``checkpoint/``. Either command resumes the other's folders.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnbuilder.fileio import JsonFileError, read_json_object
from nnbuilder.runfolder import CHECKPOINT_SUBDIR, write_run_folder
from nnbuilder.runs import PROJECT_COPY

FINISHED = ("completed", "early_stopping")


class ResumeError(ValueError):
    """A folder that cannot be resumed; the message names the folder and the reason."""


@dataclass
class Resumable:
    """An interrupted run read back: the project it was trained with (planned epochs set) and its checkpoint."""

    folder: Path
    project: Any  # nnbuilder.graph.project.Project
    checkpoint: Path
    epochs_done: int
    epochs: int


def write_run(prepared: Any, result: Any, out: str | Path, checkpoint_root: str | Path | None) -> Path:
    """Write ``result``'s run folder (with ``project.nnb``) by one rename; unless the run finished, the
    checkpoint under ``checkpoint_root`` goes into ``out/checkpoint`` so that the run can be resumed."""
    from nnbuilder.graph.project import save_project
    from nnbuilder.pipeline import _write_run_files

    root = Path(checkpoint_root) if checkpoint_root is not None else None
    keep = result.stop_reason not in FINISHED and root is not None and (root / "latest.json").is_file()

    def write(tmp: Path) -> None:
        _write_run_files(prepared, result, tmp)
        save_project(prepared.project, tmp / PROJECT_COPY)
        if keep:
            shutil.copytree(root, tmp / CHECKPOINT_SUBDIR, ignore=shutil.ignore_patterns(".*"))

    out = write_run_folder(out, write)
    if result.stop_reason in FINISHED:  # nothing left to resume: a previous version's checkpoint goes
        shutil.rmtree(out / CHECKPOINT_SUBDIR, ignore_errors=True)
    return out


def read_resumable(folder: str | Path) -> Resumable:
    """The run in ``folder`` ready to continue; :class:`ResumeError` says why it cannot be."""
    from nnbuilder.graph.project import ProjectFileError, load_project
    from nnbuilder.training.checkpoint import checkpoint_folder, read_meta
    from nnbuilder.training.errors import CheckpointError

    folder = Path(folder)
    if not folder.is_dir():
        raise ResumeError(f"{folder} is not a run folder")
    root = folder / CHECKPOINT_SUBDIR
    if not root.is_dir():
        state = stop_reason_of(folder)
        if state in FINISHED:
            raise ResumeError(f"{folder}: the run finished ({state}); there is nothing to resume")
        raise ResumeError(f"{folder}: no checkpoint to resume from ({root} is missing)")
    try:
        meta = read_meta(checkpoint_folder(root) / "meta.json")
    except CheckpointError as exc:
        raise ResumeError(f"cannot resume: {exc}") from None
    try:
        project = load_project(folder / PROJECT_COPY)
    except ProjectFileError as exc:
        raise ResumeError(f"{folder}: the project the run was trained with cannot be read: {exc}") from None
    epochs = meta["config"].get("epochs")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ResumeError(f"{root}: the checkpoint records no planned number of epochs")
    project.training = {**(project.training or {}), "epochs": epochs}
    project.folder = folder.parent.parent  # runs/ lies beside the project: relative data paths resolve there
    return Resumable(folder, project, root, meta["epoch"] + 1, epochs)


def stop_reason_of(folder: Path) -> str | None:
    """run.json's ``stop_reason`` (None when the folder has no readable run.json object)."""
    try:
        return read_json_object(folder / "run.json").get("stop_reason")
    except JsonFileError:
        return None
