"""Runs a training job (or an LR range test) on a Python thread; a thin listener on the engine.

No Qt here: the thread only writes into an :class:`EventBuffer`, which the GUI drains
from a timer. Every failure becomes a message naming what is wrong, never a traceback.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnbuilder.app.dashboard.buffer import EventBuffer
from nnbuilder.graph.project import Project, dumps_project, loads_project

MAX_PROBES = 100  # probes per run at most (each costs one small forward pass)
MIN_PROBE_EVERY = 10


@dataclass
class RunOptions:
    """How the dashboard runs a project: probes, checkpoints, LR finder steps."""

    checkpoint_dir: Path | None = None
    probes: bool = True
    lr_finder_steps: int = 100


def snapshot(project: Project) -> Project:
    """An independent copy, so that editing the graph while training cannot race the run."""
    return loads_project(dumps_project(project))


def describe_error(exc: BaseException) -> str:
    """A one-paragraph message for a failure inside a run."""
    from nnbuilder.pipeline import PipelineError
    from nnbuilder.training import ConfigError, TrainingError

    if isinstance(exc, PipelineError):
        return "\n".join(f"{where}: {message}" for where, message in exc.problems)
    if isinstance(exc, ConfigError):
        return "\n".join(f"{where}: {message}" for where, message in exc.problems)
    if isinstance(exc, TrainingError):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, RuntimeError) and ("shape" in text or "size" in text):
        return f"the model failed on a batch: {text} — check the layer sizes in the editor"
    return f"training failed: {type(exc).__name__}: {text}"


def leave_a_core_for_the_gui() -> None:
    """Use one CPU thread fewer than there are cores, so that intra-op threads never starve the event loop."""
    import torch

    cores = os.cpu_count() or 1
    if cores > 1 and torch.get_num_threads() >= cores:
        torch.set_num_threads(cores - 1)


class TrainingJob:
    """One background job: ``kind`` is "train" or "lr_finder"; results arrive in ``buffer``."""

    def __init__(self, project: Project, kind: str = "train", options: RunOptions | None = None) -> None:
        self.project = snapshot(project)
        self.kind = kind
        self.options = options or RunOptions()
        self.buffer = EventBuffer()
        self.prepared: Any = None
        self.trainer: Any = None
        self._stop_requested = threading.Event()
        self.boundary_wanted = threading.Event()  # the GUI clears it while the decision boundary is not on screen
        self.boundary_wanted.set()
        self._thread = threading.Thread(target=self._main, name=f"nnbuilder-{kind}", daemon=True)

    # -- controls (GUI thread) -----------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop_requested.set()
        if self.trainer is not None:
            self.trainer.stop()

    def pause(self) -> None:
        if self.trainer is not None:
            self.trainer.pause()

    def resume(self) -> None:
        if self.trainer is not None:
            self.trainer.resume()

    @property
    def paused(self) -> bool:
        return self.trainer is not None and self.trainer.paused

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has ended."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the thread ----------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            from nnbuilder.pipeline import prepare

            leave_a_core_for_the_gui()
            self.prepared = prepare(self.project)
            if self._stop_requested.is_set():
                self.buffer.finish(error="stopped before the first step")
                return
            result = self._train() if self.kind == "train" else self._find_lr()
            self.buffer.finish(result=result)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message in the panel
            self.buffer.finish(error=describe_error(exc))

    def _train(self) -> Any:
        from nnbuilder.app.dashboard.collector import DashboardCallback
        from nnbuilder.training import Trainer

        p = self.prepared
        steps = max(1, -(-len(p.bundle.train) // (p.config.batch_size or p.batch_size))) * p.config.epochs
        probe_every = max(MIN_PROBE_EVERY, steps // MAX_PROBES) if self.options.probes else None
        self.trainer = Trainer(p.model, p.bundle, p.config, [DashboardCallback(self.buffer, p.bundle, self._stop_requested,
                                                                     self.boundary_wanted)],
                               batch_size=p.batch_size, probe_every=probe_every,
                               checkpoint_dir=self.options.checkpoint_dir)
        return self.trainer.run()

    def _find_lr(self) -> Any:
        from nnbuilder.training import find_lr

        p = self.prepared
        result = find_lr(p.model, p.bundle, p.config, num_steps=self.options.lr_finder_steps, batch_size=p.batch_size)
        self.buffer.put("lr_finder", result)
        return result
