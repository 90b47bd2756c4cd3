"""``nnbuilder train``: headless training that loses nothing.

- The run folder is checked writable before the first epoch; a run whose folder fails at the end
  is written to a fallback folder that the message names.
- Checkpoints go into ``RUN_DIR/checkpoint`` at least every ``--checkpoint-every`` seconds (so a
  kill -9 loses at most that much training), and at an interrupt.
- SIGINT/SIGTERM finish the current step, write a checkpoint and the run folder marked
  "interrupted", and exit 130/143; a second signal stops at once. ``--resume RUN_DIR`` continues
  such a run to its planned end, bit for bit as if it had never stopped (on CPU).
"""
from __future__ import annotations

import json
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from nnbuilder.runfolder import CHECKPOINT_SUBDIR

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}
DEFAULT_CHECKPOINT_EVERY_S = 60.0
RESUMABLE = ("interrupted", "stopped")


def cmd_train(path: str, epochs: int | None, device: str | None, out: str | None, resume: str | None = None,
              checkpoint_every: float | None = None, tensorboard: str | None = None) -> int:
    """Train ``path`` headless; weights, source, history and run.json go into ``out`` (or the resumed folder)."""
    if epochs is not None and epochs < 1:
        print("nnbuilder train: --epochs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    every = DEFAULT_CHECKPOINT_EVERY_S if checkpoint_every is None else checkpoint_every
    if not every >= 0:
        print("nnbuilder train: --checkpoint-every must be ≥ 0 seconds", file=sys.stderr)
        return EXIT_USAGE
    project = _load(path)  # before torch loads: a bad file is reported at once
    if project is None:
        return EXIT_INVALID
    with _Signals() as signals:
        plan: dict[str, Any] = {}
        if resume is not None:
            plan = _resume_plan(Path(resume))
            if plan.get("error"):
                print(f"nnbuilder train: {plan['error']}", file=sys.stderr)
                return EXIT_INVALID
        from nnbuilder.runs import new_run_folder

        out_dir = Path(out) if out else Path(resume) if resume else new_run_folder(path)  # runs/ beside the project
        from nnbuilder.runfolder import RunFolderError, ensure_writable

        try:
            ensure_writable(out_dir)
        except RunFolderError as exc:
            print(f"nnbuilder train: {exc}; choose another folder with --out", file=sys.stderr)
            return EXIT_INVALID
        return _train(path, project, epochs if epochs is not None else plan.get("epochs"),
                      device if device is not None else plan.get("device"), out_dir, resume, every, signals,
                      tensorboard)


def _load(path: str) -> Any:
    """The project, or None after printing why it cannot be opened (as the other commands do)."""
    from nnbuilder.graph.project import ProjectFileError, load_project

    try:
        return load_project(path)
    except ProjectFileError as exc:
        print(str(exc), file=sys.stderr)
        return None


def _resume_plan(run_dir: Path) -> dict[str, Any]:
    """The interrupted run's planned epochs and device, or ``{"error": ...}`` when it cannot be resumed."""
    from nnbuilder.run_resume import stop_reason_of
    from nnbuilder.training.checkpoint import checkpoint_folder
    from nnbuilder.training.errors import CheckpointError

    root = run_dir / CHECKPOINT_SUBDIR
    if not root.is_dir():
        state = stop_reason_of(run_dir)
        if state in ("completed", "early_stopping"):
            return {"error": f"{run_dir}: the run finished ({state}); there is nothing to resume"}
        return {"error": f"{run_dir}: no checkpoint to resume from ({root} is missing)"}
    try:
        meta = json.loads((checkpoint_folder(root) / "meta.json").read_text(encoding="utf-8"))
        config = meta["config"]
        return {"epochs": int(config["epochs"]), "device": config.get("device")}
    except CheckpointError as exc:
        return {"error": str(exc)}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"error": f"{root}: unreadable checkpoint metadata ({exc})"}


def _train(path: str, project: Any, epochs: int | None, device: str | None, out_dir: Path, resume: str | None,
           every: float, signals: _Signals, tensorboard: str | None = None) -> int:
    from nnbuilder.analysis.warnings import wiring_warnings
    from nnbuilder.backbones.weights import WeightsError
    from nnbuilder.fit_checks import embedding_problems
    from nnbuilder.pipeline import PipelineError, prepare
    from nnbuilder.runs import standard_callbacks
    from nnbuilder.training import CheckpointError, ProgressBar, Trainer, TrainingError
    from nnbuilder.training.tensorboard import TensorBoardUnavailable

    try:
        prepared = prepare(project, epochs=epochs, device=device)
        problems = embedding_problems(prepared)
        if problems:
            raise PipelineError(problems)
    except PipelineError as exc:
        print(f"{path}: cannot train:", file=sys.stderr)
        for where, message in exc.problems:
            print(f"  {where}: {message}", file=sys.stderr)
        return EXIT_INVALID
    except WeightsError as exc:  # missing file, unsafe pickle, no network, keys that do not fit
        print(f"{path}: cannot train: backbone weights: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for note in prepared.notes:
        print(f"note: {note}", file=sys.stderr)
    for warning in wiring_warnings(project.graph, project.training):
        print(f"warning: {warning.issue.text()}", file=sys.stderr)
    try:
        extra = standard_callbacks(prepared, tensorboard)  # per-layer gradient norms; TensorBoard when asked
    except TensorBoardUnavailable as exc:
        print(f"nnbuilder train: {exc}", file=sys.stderr)
        return EXIT_INVALID
    ckpt = out_dir / CHECKPOINT_SUBDIR
    trainer = Trainer(prepared.model, prepared.bundle, prepared.config, [ProgressBar(sys.stderr), *extra],
                      batch_size=prepared.batch_size, checkpoint_dir=ckpt, checkpoint_every_s=every)
    try:
        if resume is not None:
            meta = trainer.load_checkpoint(Path(resume) / CHECKPOINT_SUBDIR)
            partial = meta.get("partial")
            where = f"epoch {meta['epoch'] + 2}, step {partial['batch']}" if partial else f"epoch {meta['epoch'] + 2}"
            print(f"resuming {resume} at {where} of {prepared.config.epochs}", file=sys.stderr)
            if meta.get("migrated"):
                print(f"note: {meta['migrated']}", file=sys.stderr)
        else:
            shutil.rmtree(ckpt, ignore_errors=True)  # a fresh run: an older run's checkpoints are not its own
        signals.trainer = trainer
        result = trainer.run()
    except CheckpointError as exc:
        print(f"nnbuilder train: cannot resume: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except TrainingError as exc:
        print(f"{path}: training failed: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except IndexError as exc:  # an index past an Embedding's rows that the checks above could not see
        print(f"{path}: training failed: a model input holds an index out of range ({exc}); check that every "
              "Embedding's num_embeddings exceeds the largest code it receives", file=sys.stderr)
        return EXIT_INVALID
    finally:
        signals.trainer = None
    if trainer.checkpoint_failure:
        print(f"warning: {trainer.checkpoint_failure}", file=sys.stderr)
    written, rc = _write(prepared, result, out_dir, Path(path).stem)
    if written is None:
        return EXIT_INVALID
    if result.stop_reason in ("completed", "early_stopping"):
        shutil.rmtree(written / CHECKPOINT_SUBDIR, ignore_errors=True)  # nothing left to resume
    from nnbuilder.runs import save_project_copy

    try:
        save_project_copy(prepared.project, written)  # the run's config, for comparing runs later
    except OSError as exc:
        print(f"warning: could not copy the project into {written}: {exc.strerror or exc}", file=sys.stderr)
    final = result.history[-1] if result.history else {}
    shown = ", ".join(f"{k} {v:.4g}" for k, v in {**final, **result.test_metrics}.items()
                      if isinstance(v, float) and k not in ("epoch", "time", "seconds"))
    print(f"{result.stop_reason}: {result.epochs_run} epoch(s), {shown}")
    print(f"wrote {written}/weights.safetensors, model.py, history.json, run.json, project.nnb")
    if result.stop_reason == "interrupted":
        print(f"interrupted: continue with  nnbuilder train {path} --resume {written}", file=sys.stderr)
        return EXIT_SIGNAL.get(signals.received, 130)
    if result.stop_reason in ("nan", "oom"):
        print(f"{path}: {result.message}", file=sys.stderr)
        return EXIT_INVALID
    return rc


def _write(prepared: Any, result: Any, out_dir: Path, stem: str) -> tuple[Path | None, int]:
    """Write the run folder; when that fails, into a fallback folder the message names (never discard)."""
    from safetensors import SafetensorError

    from nnbuilder.pipeline import save_run
    from nnbuilder.runfolder import RunFolderError, fallback_folder

    try:
        return save_run(prepared, result, out_dir), EXIT_OK
    except (OSError, SafetensorError) as exc:
        reason = getattr(exc, "strerror", None) or exc
    try:
        fallback = save_run(prepared, result, fallback_folder(stem))
    except (OSError, SafetensorError, RunFolderError) as exc:
        print(f"nnbuilder train: cannot write the run folder {out_dir} ({reason}) nor a fallback ({exc}); "
              "the trained weights are lost", file=sys.stderr)
        return None, EXIT_INVALID
    print(f"nnbuilder train: cannot write the run folder {out_dir} ({reason}); the trained run was saved to "
          f"{fallback} instead", file=sys.stderr)
    return fallback, EXIT_INVALID


class _Signals:
    """SIGINT/SIGTERM: during training ask the trainer to stop after the current step; otherwise (or a second
    time) stop at once."""

    def __init__(self) -> None:
        self.trainer: Any = None
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Signals:  # noqa: PYI034 - a private class, never subclassed
        for signum in EXIT_SIGNAL:
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread (an embedding caller): keep the default handling
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def _handle(self, signum: int, frame: object) -> None:
        first = self.received is None
        self.received = signum if first else self.received
        if self.trainer is not None and first:
            name = signal.Signals(signum).name
            sys.stderr.write(f"\n{name}: finishing the current step, then writing a checkpoint and the run folder "
                             "(send it again to stop at once)\n")
            self.trainer.interrupt()
            return
        if signum == signal.SIGTERM:
            raise SystemExit(EXIT_SIGNAL[signal.SIGTERM])
        raise KeyboardInterrupt
