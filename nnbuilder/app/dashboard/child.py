"""The training child process: prepare the project, train it, stream the events to the GUI (Qt-free).

The dashboard runs every job in a process of its own so that the GUI's painting and the
training loop never wait for each other's GIL. This module is that process's entry point.
Two one-way pipes connect it to the GUI's process:

* controls in: ``"stop"`` (finish the step, checkpoint, end "interrupted"), ``"pause"``, ``"resume"``, ``"boundary on"``, ``"boundary off"``;
  the end of that pipe (the GUI process is gone) stops the run;
* events out: pickled ``(kind, value)`` messages — ``("info", RunInfo)`` once the project is
  prepared, ``("migrated", str)`` when a resumed checkpoint of an older nnbuilder was migrated,
  ``("trained", TrainedModel)`` when a run leaves weights behind, ``("saved", SavedRun)``
  when it wrote a run folder (Stop, the GUI gone, or a resumed run's end: see :func:`save_folder`), and
  ``("box", Drained)``: the local :class:`EventBuffer` drained at most every
  :data:`~nnbuilder.app.dashboard.collector.FLUSH_S` (by the listener, on the training thread), so
  the GUI receives a bounded number of messages however fast the steps are. The box that
  carries the end of the job is the last message.

torch and the engine are imported at module level: a fork server preloads this module, so
each job starts as a fork of a warm interpreter instead of importing torch again.
"""
from __future__ import annotations

import pickle
import signal
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import torch  # preloaded by the fork server with this module

from nnbuilder.app.dashboard.buffer import EventBuffer
from nnbuilder.app.dashboard.collector import DashboardCallback
from nnbuilder.app.dashboard.view_probes import ViewProbes
from nnbuilder.app.dashboard.worker import RunOptions
from nnbuilder.graph.project import loads_project
from nnbuilder.pipeline import Prepared, TrainedModel, prepare
from nnbuilder.runfolder import CHECKPOINT_SUBDIR
from nnbuilder.runs import standard_callbacks
from nnbuilder.training import Trainer, find_lr

MAX_PROBES = 100  # probes per run at most (each costs one small forward pass)
MIN_PROBE_EVERY = 10
CHECKPOINT_EVERY_S = 10.0  # a run of many short epochs checkpoints at most this often (each costs a few ms)


@dataclass
class RunInfo:
    """What the GUI needs to know about a prepared run (sent before its plan)."""

    task: str
    attr_of: dict[str, str]  # node id → attribute name in the generated class
    config: Any  # the resolved TrainingConfig (for the LR schedule preview)
    batch_size: int

    @classmethod
    def of(cls, prepared: Prepared) -> RunInfo:
        return cls(prepared.bundle.task, dict(prepared.compiled.code.attr_of), prepared.config, prepared.batch_size)


def probe_every(prepared: Prepared, probes: bool) -> int | None:
    """Steps between probes: at most :data:`MAX_PROBES` per run, never more often than every 10 steps."""
    if not probes:
        return None
    steps = max(1, -(-len(prepared.bundle.train) // (prepared.config.batch_size or prepared.batch_size)))
    return max(MIN_PROBE_EVERY, steps * prepared.config.epochs // MAX_PROBES)


def describe_error(exc: BaseException) -> str:
    """A one-paragraph message for a failure inside a run."""
    from nnbuilder.pipeline import PipelineError
    from nnbuilder.training import CheckpointError, ConfigError, TrainingError

    if isinstance(exc, (PipelineError, ConfigError)):
        return "\n".join(f"{where}: {message}" for where, message in exc.problems)
    if isinstance(exc, CheckpointError):
        return f"cannot resume: {exc}"
    if isinstance(exc, TrainingError):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, RuntimeError) and ("shape" in text or "size" in text):
        return f"the model failed on a batch: {text} — check the layer sizes in the editor"
    return f"training failed: {type(exc).__name__}: {text}"


@dataclass
class SavedRun:
    """The run folder the training process wrote (``folder``), or why it could not (``error``)."""

    folder: str | None
    error: str = ""


def save_folder(prepared: Prepared, result: Any, options: RunOptions) -> SavedRun | None:
    """An interrupted run (Stop, window closed) and every end of a resumed run go into ``options.run_dir``
    with the layout ``nnbuilder train`` writes; a folder that cannot be written is replaced by a fallback."""
    if not options.run_dir or (result.stop_reason != "interrupted" and not options.resume_from):
        return None
    from safetensors import SafetensorError

    from nnbuilder.run_resume import write_run
    from nnbuilder.runfolder import fallback_folder

    try:
        return SavedRun(str(write_run(prepared, result, options.run_dir, options.checkpoint_dir)))
    except (OSError, SafetensorError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
    try:
        fallback = write_run(prepared, result, fallback_folder(Path(options.run_dir).name), options.checkpoint_dir)
    except (OSError, SafetensorError) as exc:
        return SavedRun(None, f"could not write the run folder {options.run_dir} ({reason}) nor a fallback ({exc})")
    return SavedRun(str(fallback), f"could not write the run folder {options.run_dir} ({reason}); "
                                   f"it was saved to {fallback} instead")


def leave_a_core_for_the_gui() -> None:
    """Use one CPU thread fewer than there are cores, so that training never starves the GUI's process."""
    import os

    cores = os.cpu_count() or 1
    if cores > 1 and torch.get_num_threads() >= cores:
        torch.set_num_threads(cores - 1)


class Controls:
    """The GUI's requests, read from the control pipe on a thread of their own."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.stop = threading.Event()
        self.paused = False
        self.boundary_wanted = threading.Event()
        self.boundary_wanted.set()
        self.step_delay = 0.0  # seconds each step waits ("watch" speed)
        self.trainer: Trainer | None = None

    def attach(self, trainer: Trainer) -> None:
        """Apply what was asked before ``trainer`` existed, and forward what comes later."""
        with self._lock:
            self.trainer = trainer
            if self.paused:
                trainer.pause()
            if self.stop.is_set():
                trainer.interrupt()

    def listen(self) -> None:
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):  # the GUI's process has gone: nobody is watching, stop
                self.apply("stop")
                return
            self.apply(message)
            if message == "stop":
                return

    def apply(self, message: str) -> None:
        with self._lock:
            trainer = self.trainer
            if message == "stop":
                self.stop.set()
                if trainer is not None:
                    trainer.interrupt()  # after the current step, with a checkpoint of where it is
            elif message in ("pause", "resume"):
                self.paused = message == "pause"
                if trainer is not None:
                    (trainer.pause if self.paused else trainer.resume)()
            elif message.startswith("delay "):
                self.step_delay = max(0.0, min(float(message.split()[1]), 1.0))
            elif message in ("boundary on", "boundary off"):
                (self.boundary_wanted.set if message == "boundary on" else self.boundary_wanted.clear)()


class Shipper:
    """Sends the local buffer's news to the GUI, from the training thread (the only one that sends).

    No thread of its own: a thread waking up a few dozen times a second makes the training
    thread hand the GIL over each time, which cost 1.5-5 % of a small model's run here (measured);
    the listener (:class:`DashboardCallback`) calls :meth:`flush` from its hooks at most every
    :data:`~nnbuilder.app.dashboard.collector.FLUSH_S` instead.
    """

    def __init__(self, buffer: EventBuffer, conn: Connection) -> None:
        self.buffer = buffer
        self._conn = conn
        self.broken = False  # the GUI's end is closed: nothing more can be delivered

    def send(self, kind: str, value: Any) -> None:
        if self.broken:
            return
        try:
            self._conn.send_bytes(pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:  # BrokenPipeError included
            self.broken = True

    def flush(self) -> None:
        box = self.buffer.drain()
        if not box.empty or box.ended:
            self.send("box", box)

    def close(self) -> None:
        """Ship what is left (the end of the job among it) and close the pipe."""
        self.flush()
        self._conn.close()


def run_child(project_text: str, kind: str, options: RunOptions, events: Connection, controls_conn: Connection) -> None:
    """The child process's main: every outcome, failures included, ends in a box with ``ended`` set."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the GUI's to handle
    controls = Controls(controls_conn)
    controls.step_delay = options.step_delay
    threading.Thread(target=controls.listen, name="nnbuilder-controls", daemon=True).start()
    buffer = EventBuffer()
    shipper = Shipper(buffer, events)
    try:
        leave_a_core_for_the_gui()
        prepared = prepare(loads_project(project_text))
        shipper.send("info", RunInfo.of(prepared))
        if controls.stop.is_set():
            buffer.finish(error="stopped before the first step")
            return
        if kind == "train":
            trainer = Trainer(prepared.model, prepared.bundle, prepared.config,
                              [DashboardCallback(buffer, prepared.bundle, controls.stop, controls.boundary_wanted,
                                                 flush=shipper.flush, step_delay=lambda: controls.step_delay),
                               ViewProbes(buffer, prepared.bundle, prepared.project.graph,
                                          prepared.compiled.code.attr_of, controls.boundary_wanted),
                               *standard_callbacks(prepared)],  # per-layer gradient norms, as the CLI records
                              batch_size=prepared.batch_size, probe_every=probe_every(prepared, options.probes),
                              checkpoint_dir=options.checkpoint_dir, checkpoint_every_s=CHECKPOINT_EVERY_S)
            if options.resume_from:
                meta = trainer.load_checkpoint(Path(options.resume_from) / CHECKPOINT_SUBDIR)
                if meta.get("migrated"):  # an older nnbuilder's checkpoint: say what was filled in, as the CLI does
                    shipper.send("migrated", meta["migrated"])
            controls.attach(trainer)
            result = trainer.run()
            shipper.send("trained", TrainedModel.of(prepared))
            saved = save_folder(prepared, result, options)
            if saved is not None:
                shipper.send("saved", saved)
        else:
            result = find_lr(prepared.model, prepared.bundle, prepared.config, num_steps=options.lr_finder_steps,
                             batch_size=prepared.batch_size)
            buffer.put("lr_finder", result)
        buffer.finish(result=result)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message in the panel
        buffer.finish(error=describe_error(exc))
    finally:
        shipper.close()
