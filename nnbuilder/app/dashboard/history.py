"""Run history of the session (for overlaying loss curves) and saving a finished run to a folder."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAX_RUNS = 6


@dataclass
class RunRecord:
    """One finished run: its smoothed loss curve, result and trained model (what ``save_run`` writes)."""

    number: int
    project: str
    x: np.ndarray
    smoothed: np.ndarray
    result: Any
    trained: Any  # pipeline.TrainedModel
    project_copy: Any = None  # the project as trained (its settings go into the run folder)
    folder: Path | None = None  # where the run was saved automatically (see run_saving)

    @property
    def label(self) -> str:
        return f"run {self.number} ({self.result.stop_reason})"


class RunHistory:
    """The last :data:`MAX_RUNS` runs of this session, newest last."""

    def __init__(self) -> None:
        self.runs: list[RunRecord] = []
        self._count = 0

    def add(self, project: str, x: np.ndarray, smoothed: np.ndarray, result: Any, trained: Any) -> RunRecord:
        self._count += 1
        record = RunRecord(self._count, project, x.copy(), smoothed.copy(), result, trained)
        self.runs = (self.runs + [record])[-MAX_RUNS:]
        return record

    def of_project(self, project: str) -> list[RunRecord]:
        return [r for r in self.runs if r.project == project]

    @property
    def last(self) -> RunRecord | None:
        return self.runs[-1] if self.runs else None


def default_run_folder(project_path: str | None, name: str) -> Path:
    """``runs/<name>-<time>`` next to the project file, or under ~/nnbuilder-runs for unsaved projects."""
    base = Path(project_path).parent / "runs" if project_path else Path.home() / "nnbuilder-runs"
    stem = Path(project_path).stem if project_path else (name or "untitled").replace(" ", "_")
    return base / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"


def save_record(record: RunRecord, folder: str | Path) -> Path:
    """Write weights, model source, history and run summary of ``record`` into ``folder``."""
    from nnbuilder.pipeline import save_run

    return save_run(record.trained, record.result, folder)
