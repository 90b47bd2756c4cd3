"""The dashboard's saved runs: a finished run is written to the project's runs folder; saved runs overlay the plots.

Every training run that ends with at least one epoch done (completed, stopped or failed with a
NaN) is written like ``nnbuilder train`` writes one (:func:`nnbuilder.run_store.save_finished_run`).
A saved project's runs go to ``runs/`` beside its file; an unsaved project's (a new project, an
example) to ``~/nnbuilder-runs/`` under the project's name — the status line says where. Writing a
run again (the same :class:`~nnbuilder.app.dashboard.history.RunRecord`) replaces its folder:
one run, one folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnbuilder import run_store
from nnbuilder.run_compare import epoch_curve, loss_key, short_labels
from nnbuilder.runs import RunSummary


class _RunSaving:
    """Mixin of :class:`~nnbuilder.app.dashboard.panel.Dashboard` (it provides ``runs``, ``curves``, ``project``...)."""

    def autosave(self, record: Any, planned: str | Path | None = None, written: str | Path | None = None) -> Path | None:
        """Write ``record``'s run folder into the project's runs folder; the folder, or None when nothing was written.

        ``planned`` is the folder chosen for the run when it started (else a new one is named now);
        ``written`` a folder the training process already wrote for it (an interrupted or resumed run),
        which is only listed: one run, one folder. Saving the same record again rewrites its folder.
        """
        if written:
            record.folder = Path(written)
            self.runs.refresh()
            return record.folder
        if record is None or record.trained is None or not record.result.history:
            return None  # nothing was trained: no epoch to compare
        from safetensors import SafetensorError

        folder = record.folder or Path(planned or run_store.next_run_folder(self.project_path, self.project.name))
        try:
            record.folder = run_store.save_finished_run(record.trained, record.result,
                                                        record.project_copy or self.project, folder)
        except (OSError, SafetensorError) as exc:
            self.say(f"Could not save the run into {folder}: {getattr(exc, 'strerror', None) or exc}. "
                     "Use “Save run…” to choose another folder.")
            return None
        where = str(record.folder)
        if not self.project_path:
            where += f" (the project is not saved: its runs go to {run_store.unsaved_runs_home()})"
        self.status.setText(f"{self.status.text()} · saved in {where}")
        self.status.setToolTip(str(record.folder))
        self.runs.refresh()
        return record.folder

    def set_project_path(self, path: str | None) -> None:
        """The project was saved under ``path``: later runs go into its ``runs/`` folder, which the Runs tab lists."""
        self.project_path = path
        self.runs.refresh()

    def _show_saved_runs(self, runs: list[RunSummary]) -> None:
        """Overlay the ticked runs' loss and metric per epoch on the Curves plots."""
        metric = self.curves.metric_names[1]
        overlays = []
        for run, label in zip(runs, short_labels(runs)):
            epochs, losses = epoch_curve(run, loss_key(run))
            metric_epochs, metrics = epoch_curve(run, metric if any(metric in h for h in run.history)
                                                 else metric.removeprefix("val_"))
            overlays.append((label, np.asarray(epochs), np.asarray(losses), np.asarray(metric_epochs),
                             np.asarray(metrics)))
        self.curves.set_saved_runs(overlays)
