"""Where a project's runs are kept, listing them newest first, and saving a finished GUI run there.

A saved project's runs live in ``runs/`` beside its file (:func:`nnbuilder.runs.runs_folder`),
one folder ``<stem>-<YYYYmmdd-HHMMSS>[-n]`` per run, whether the CLI or the dashboard trained it.
An unsaved project (a new one, or an example opened from the menu) has no folder of its own: its
runs go to ``~/nnbuilder-runs/<name>-<time>`` (the folder "Save run…" already suggested for it),
and the dashboard lists them from there under the project's name.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nnbuilder.runs import RunSummary, read_run, runs_folder, save_project_copy

UNSAVED_RUNS_DIRNAME = "nnbuilder-runs"
_STAMP = r"-\d{8}-\d{6}(-\d+)?"


def unsaved_runs_home() -> Path:
    """The folder that keeps the runs of projects that have no file yet."""
    return Path.home() / UNSAVED_RUNS_DIRNAME


def run_stem(project_path: str | Path | None, name: str) -> str:
    """The prefix of a project's run folders: the file's stem, or the project's name when unsaved."""
    if project_path:
        return Path(project_path).stem
    return re.sub(r"[^\w.-]+", "_", (name or "untitled").strip()) or "untitled"


def project_runs_folder(project_path: str | Path | None, name: str) -> Path:
    """Where the runs of the project go: ``runs/`` beside its file, else :func:`unsaved_runs_home`."""
    return runs_folder(project_path) if project_path else unsaved_runs_home()


def next_run_folder(project_path: str | Path | None, name: str, when: float | None = None) -> Path:
    """A fresh run folder name for the project (a numeric suffix when that second is taken)."""
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    base = project_runs_folder(project_path, name) / f"{run_stem(project_path, name)}-{stamp}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def list_project_runs(project_path: str | Path | None, name: str) -> list[RunSummary]:
    """Every readable run of the project, newest first (folders that are not runs are skipped)."""
    base = project_runs_folder(project_path, name)
    if not base.is_dir():
        return []
    pattern = re.compile(re.escape(run_stem(project_path, name)) + _STAMP + "$")
    found = []
    for folder in base.iterdir():
        if pattern.match(folder.name) and (folder / "history.json").is_file():
            try:
                found.append(read_run(folder))
            except ValueError:
                continue
    return sorted(found, key=lambda r: (r.modified, r.name), reverse=True)


def save_finished_run(trained: Any, result: Any, project: Any, folder: str | Path) -> Path:
    """Write a run folder as ``nnbuilder train`` does: weights, model.py, history, run.json, then the project copy.

    Writing the same run again into the same ``folder`` replaces it (one run, one folder).
    Raises ``OSError`` (or safetensors' error) when the folder cannot be written.
    """
    from nnbuilder.pipeline import save_run

    written = save_run(trained, result, folder)
    save_project_copy(project, written)
    return written
