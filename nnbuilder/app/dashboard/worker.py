"""Runs a training job (or an LR range test) in a child process; the GUI's side of it (Qt-free).

Training in its own process keeps the GUI responsive and the run as fast as it is headless:
painting a plot never holds the training loop's GIL. The child (see
:mod:`~nnbuilder.app.dashboard.child`) ships drained event boxes; a reader thread here merges
them into :attr:`TrainingJob.buffer`, which the GUI drains from a timer as before.

Jobs start as forks of a warm fork server that has torch preloaded (:func:`warm_up` starts it
when the dashboard opens), so Start answers at once; where fork servers do not exist
(Windows) the child is spawned. Every failure, a crash of the child included, becomes a message.
"""
from __future__ import annotations

import multiprocessing
import pickle
import threading
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

from nnbuilder.app.dashboard.buffer import EventBuffer
from nnbuilder.graph.project import Project, dumps_project, loads_project

CHILD_MODULE = "nnbuilder.app.dashboard.child"
_context: BaseContext | None = None


@dataclass
class RunOptions:
    """How the dashboard runs a project: probes, checkpoints, LR finder steps."""

    checkpoint_dir: str | None = None
    probes: bool = True
    lr_finder_steps: int = 100
    step_delay: float = 0.0  # seconds each training step waits: "watch" speed, so a toy run can be followed
    run_dir: str | None = None  # where a stopped (interrupted) run's folder goes; a resumed run's own folder
    resume_from: str | None = None  # a run folder whose checkpoint the run continues from


def process_context() -> BaseContext:
    """A fork server preloading the child's module where the platform has one, else spawn."""
    global _context
    if _context is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload([CHILD_MODULE])
        else:
            _context = multiprocessing.get_context("spawn")
    return _context


def warm_up() -> threading.Thread:
    """Start the fork server (it imports torch and the engine) in the background; the thread is returned."""
    def start() -> None:
        if process_context().get_start_method() == "forkserver":
            from multiprocessing import forkserver

            try:
                forkserver.ensure_running()
            except Exception:  # noqa: BLE001, S110 - only an optimisation: Start starts the server and reports failures
                pass

    thread = threading.Thread(target=start, name="nnbuilder-warm-up", daemon=True)
    thread.start()
    return thread


def with_resolved_data_paths(project: Project) -> Project:
    """The project with data paths that open from the training process's current folder."""
    from nnbuilder.data.paths import resolve_data_paths

    return replace(project, data=resolve_data_paths(project.data, project.folder))


def snapshot(project: Project) -> Project:
    """An independent copy, so that editing the graph while training cannot race the run."""
    copy = loads_project(dumps_project(project))
    copy.folder = project.folder
    return copy


class TrainingJob:
    """One background job: ``kind`` is "train" or "lr_finder"; results arrive in ``buffer``.

    ``info`` (task, attribute names, config) is set before the run's plan reaches the buffer;
    ``trained`` (the weights and the source they belong to) before its end does.
    """

    def __init__(self, project: Project, kind: str = "train", options: RunOptions | None = None) -> None:
        self.project = snapshot(project)
        self.kind = kind
        self.options = options or RunOptions()
        self.buffer = EventBuffer()
        self.info: Any = None  # child.RunInfo
        self.trained: Any = None  # pipeline.TrainedModel
        self.saved: Any = None  # the run folder the child wrote (a stopped or resumed run), or the reason it could not
        self.migrated = ""  # what resuming an older nnbuilder's checkpoint filled in (training.legacy.describe)
        self.step = 0  # the latest optimizer step the run reported
        self.boundary_wanted = RemoteFlag(self._send, "boundary")
        self._paused = False
        self._ended = threading.Event()  # the box with the job's end has been merged into ``buffer``
        self._process: Any = None
        self._events: Connection | None = None
        self._controls: Connection | None = None
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name=f"nnbuilder-{kind}", daemon=True)

    # -- controls (GUI thread) -----------------------------------------------------------------
    def start(self) -> None:
        from nnbuilder.app.dashboard import child

        ctx = process_context()
        events_in, events_out = ctx.Pipe(duplex=False)
        controls_in, controls_out = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=child.run_child, name=f"nnbuilder-{self.kind}",
                                    args=(dumps_project(with_resolved_data_paths(self.project)), self.kind, self.options, events_out,
                                          controls_in))
        self._process.start()
        events_out.close()  # the child's ends: closing ours lets EOF reach the reader when the child ends
        controls_in.close()
        self._events, self._controls = events_in, controls_out
        if not self.boundary_wanted.is_set():
            self._send("boundary off")
        self._reader.start()

    def stop(self) -> None:
        self._send("stop")

    def pause(self) -> None:
        self._paused = True
        self._send("pause")

    def resume(self) -> None:
        self._paused = False
        self._send("resume")

    @property
    def paused(self) -> bool:
        return self._paused and self.is_alive()

    def is_alive(self) -> bool:
        """True until the job's end has reached the buffer (the child may take a moment more to exit)."""
        return self._reader.is_alive() and not self._ended.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the child to end and its last events to arrive; True when it has."""
        if self._reader.ident is not None:
            self._reader.join(timeout)
        return not self._reader.is_alive()

    def kill(self) -> None:
        """End a child that does not answer (it never lets go of a C call): its weights are lost."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()

    def set_step_delay(self, seconds: float) -> None:
        """Slow the running job down (watch speed) or let it run at full speed again (0)."""
        self.options.step_delay = seconds
        self._send(f"delay {seconds:g}")

    def _send(self, message: str) -> None:
        with self._send_lock:
            if self._controls is None:
                return
            try:
                self._controls.send(message)
            except OSError:  # the child has ended
                pass

    # -- the reader thread ---------------------------------------------------------------------
    def _read(self) -> None:
        ended = False
        try:
            while True:
                try:
                    kind, value = pickle.loads(self._events.recv_bytes())
                except (EOFError, OSError):
                    break
                if kind == "info":
                    self.info = value
                elif kind == "trained":
                    self.trained = value
                elif kind == "saved":
                    self.saved = value
                elif kind == "migrated":
                    self.migrated = value
                elif kind == "box":
                    if value.progress:
                        self.step = value.progress[0]
                    ended = ended or value.ended
                    if value.ended:
                        self._ended.set()
                    self.buffer.merge(value)
        except Exception as exc:  # noqa: BLE001 - a message that cannot be read ends the job with a message
            if not ended:
                self._ended.set()
                self.buffer.finish(error=f"the training process sent something unreadable: {exc}")
                ended = True
        finally:
            self._process.join()
            self._events.close()
            with self._send_lock:
                self._controls.close()
                self._controls = None
            if not ended:
                self._ended.set()
                self.buffer.finish(error=f"the training process ended unexpectedly (exit code "
                                         f"{self._process.exitcode}); the run's weights are lost")


class RemoteFlag:
    """A flag of the GUI's side (``set``/``clear``/``is_set``) forwarded to the child on change."""

    def __init__(self, send: Any, name: str) -> None:
        self._send, self._name, self._value = send, name, True

    def set(self) -> None:
        if not self._value:
            self._value = True
            self._send(f"{self._name} on")

    def clear(self) -> None:
        if self._value:
            self._value = False
            self._send(f"{self._name} off")

    def is_set(self) -> bool:
        return self._value
