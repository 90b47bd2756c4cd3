"""Saved runs of a project: the callbacks every headless run gets, where runs go, and listing them.

A run folder holds what :func:`nnbuilder.pipeline.save_run` writes (weights, model.py,
history.json, run.json) plus ``project.nnb``, the exact project (data and training
settings) it was trained with.  Runs of ``path/to/x.nnb`` live in ``path/to/runs/``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnbuilder.fileio import JsonFileError, read_json_object
from nnbuilder.recipe import run_format_note

PROJECT_COPY = "project.nnb"


def runs_folder(project_path: str | Path) -> Path:
    """``runs/`` next to the project file."""
    return Path(project_path).resolve().parent / "runs"


def new_run_folder(project_path: str | Path) -> Path:
    """A fresh ``runs/<stem>-<time>`` folder name (a numeric suffix when that second is taken)."""
    base = runs_folder(project_path) / f"{Path(project_path).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def standard_callbacks(prepared: Any, tensorboard: str | Path | None = None) -> list:
    """Per-layer gradient norms for history.json, and TensorBoard logging when asked for."""
    from nnbuilder.training.grad_norms import GradNormRecorder, node_names

    callbacks: list = [GradNormRecorder(node_names(prepared.compiled))]
    if tensorboard is not None:
        from nnbuilder.training.tensorboard import TensorBoardLogger

        callbacks.append(TensorBoardLogger(tensorboard))
    return callbacks


def save_project_copy(project: Any, folder: str | Path) -> Path:
    """Write the project a run was trained with into its folder (its config)."""
    from nnbuilder.graph.project import save_project

    target = Path(folder) / PROJECT_COPY
    save_project(project, target)
    return target


@dataclass
class RunSummary:
    """One saved run: its folder, settings, per-epoch history and final metrics."""

    folder: Path
    name: str
    stop_reason: str
    history: list[dict[str, Any]]
    final: dict[str, float]
    test_metrics: dict[str, float]
    training: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    grad_norm: dict[str, list[float]] = field(default_factory=dict)
    modified: float = 0.0
    format_tag: str = ""  # "older version" / "newer version": a folder export and load_run refuse
    format_note: str = ""  # why, and what to do (resume or train again)

    def curve(self, metric: str = "val_loss") -> list[float]:
        """``metric`` per epoch (NaN where an epoch lacks it)."""
        return [float(h.get(metric, float("nan"))) for h in self.history]


def read_run(folder: str | Path) -> RunSummary:
    """Read one run folder; raises ``ValueError`` naming the file when it is not a run."""
    folder = Path(folder)
    path = folder / "history.json"
    try:
        saved = read_json_object(path)
    except JsonFileError as exc:
        raise ValueError(f"not a run history: {exc}") from None
    history = [h for h in saved.get("history", []) if isinstance(h, dict)]
    final = {k: float(v) for k, v in (history[-1] if history else {}).items()
             if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ("epoch", "time")}
    training: dict[str, Any] = {}
    data: dict[str, Any] = {}
    copy = folder / PROJECT_COPY
    if copy.exists():
        try:
            raw = read_json_object(copy)
            training, data = raw.get("training") or {}, raw.get("data") or {}
        except JsonFileError:
            pass
    return RunSummary(folder, folder.name, str(saved.get("stop_reason", "")), history, final,
                      dict(saved.get("test_metrics") or {}), training, data, dict(saved.get("grad_norm") or {}),
                      path.stat().st_mtime, *run_format_note(folder))


def list_runs(project_path: str | Path) -> list[RunSummary]:
    """Every readable run saved for the project, oldest first (unreadable folders are skipped)."""
    base = runs_folder(project_path)
    if not base.is_dir():
        return []
    found = []
    prefix = f"{Path(project_path).stem}-"
    for folder in base.iterdir():
        if folder.name.startswith(prefix) and (folder / "history.json").is_file():
            try:
                found.append(read_run(folder))
            except ValueError:
                continue
    return sorted(found, key=lambda r: (r.modified, r.name))
