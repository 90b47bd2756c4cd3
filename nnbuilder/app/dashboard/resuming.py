"""The dashboard's interrupted runs: where Stop saves them, what the status line says, and resuming one."""
from __future__ import annotations

from pathlib import Path
from typing import Any

RESUME_HINT = "continue it with Train ▸ Resume Run…"
MIGRATED_PREFIX = "Note on resuming: "
UNSAVED_RUNS: Path | None = None  # runs of never-saved projects; None: ~/nnbuilder-runs (tests point it elsewhere)


def unsaved_runs_folder() -> Path:
    """Where runs of a project that has no file yet are saved."""
    from nnbuilder.run_store import unsaved_runs_home

    return UNSAVED_RUNS if UNSAVED_RUNS is not None else unsaved_runs_home()


def run_folder_for(project_path: str | None, name: str) -> Path:
    """Where a run of this project is saved: ``runs/<stem>-<time>`` beside the project file (as ``nnbuilder
    train`` does), or under ~/nnbuilder-runs for a project that was never saved."""
    if project_path:
        from nnbuilder.runs import new_run_folder

        return new_run_folder(project_path)
    from nnbuilder.run_store import next_run_folder

    return unsaved_runs_folder() / next_run_folder(None, name).name  # the name the Runs tab lists


def saved_text(saved: Any, stop_reason: str) -> str:
    """The status line's addition for the folder the training process wrote (empty when it wrote none)."""
    if saved is None or saved.folder is None:
        return ""
    hint = f"; {RESUME_HINT}" if stop_reason not in ("completed", "early_stopping") else ""
    return f" · run and checkpoint saved in {saved.folder}{hint}" if hint else f" · saved in {saved.folder}"


class _Resuming:
    """Mixin of :class:`~nnbuilder.app.dashboard.panel.Dashboard`: continue a run folder's checkpoint."""

    def resume_run(self, run_dir: str | Path) -> bool:
        """Continue the interrupted run in ``run_dir`` (a run folder with ``checkpoint/``) to its planned end.

        The run trains the project saved in the folder (``project.nnb``: the graph and settings its
        checkpoint belongs to), in the training process, and its folder is rewritten when it ends
        (again resumable if it is stopped again). Returns False, with the reason in the panel's
        message, when a job is running or the folder cannot be resumed. On CPU the final weights equal
        those of the same run never interrupted, bit for bit.
        """
        from nnbuilder.app.dashboard.panel import NOT_STARTED_TEXT
        from nnbuilder.run_resume import ResumeError, read_resumable

        if self.running:
            self.say("A run is in progress: stop it before resuming another.")
            return False
        try:
            resumable = read_resumable(run_dir)
        except ResumeError as exc:
            self.say(str(exc))
            self.status.setText(NOT_STARTED_TEXT)
            self.runFailed.emit(str(exc))
            return False
        started = self.start(resume=resumable)
        if started:
            self.status.setText(f"Resuming {resumable.folder.name} after epoch {resumable.epochs_done} of "
                                f"{resumable.epochs}…")
        return started

    def _show_migration(self, job: Any) -> None:
        """Once the run's plan arrives: the panel's note says what resuming an older checkpoint filled in (the
        CLI prints the same as ``note:``); a later run without one clears such a note."""
        if job.migrated:
            self.tell(MIGRATED_PREFIX + job.migrated)
        elif self.note.text().startswith(MIGRATED_PREFIX):
            self.tell("")
