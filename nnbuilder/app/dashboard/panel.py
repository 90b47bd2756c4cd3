"""The live training dashboard: setup on the left, live views on the right, controls on top.

A :class:`~nnbuilder.app.dashboard.worker.TrainingJob` trains in a child process and fills an
event buffer; one QTimer drains it and redraws — never one Qt signal per step. The timer is
paced by what frames cost (see :mod:`~nnbuilder.app.dashboard.frames`) so that the event loop
stays responsive. Only views that are on screen redraw; hidden ones catch up when shown.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnbuilder.app.dashboard.curves import CurvesView
from nnbuilder.app.dashboard.data_view import DataView
from nnbuilder.app.dashboard.draining import FAILED_TEXT, _Draining
from nnbuilder.app.dashboard.embedding_view import EmbeddingView
from nnbuilder.app.dashboard.fit_view import FittedCurveView
from nnbuilder.app.dashboard.frames import MIN_INTERVAL_S, PAINT, FramePacer
from nnbuilder.app.dashboard.history import RunHistory, RunRecord, default_run_folder, save_record
from nnbuilder.app.dashboard.inside import InsideView
from nnbuilder.app.dashboard.lr_view import LRFinderView
from nnbuilder.app.dashboard.project_setup import _ProjectSetup
from nnbuilder.app.dashboard.results import ResultsView
from nnbuilder.app.dashboard.resuming import _Resuming, run_folder_for
from nnbuilder.app.dashboard.run_list import RunsView
from nnbuilder.app.dashboard.run_saving import _RunSaving
from nnbuilder.app.dashboard.saved_run_views import _SavedRunShowing
from nnbuilder.app.dashboard.setup_panel import SetupPanel
from nnbuilder.app.dashboard.task_defaults import preflight_fixes
from nnbuilder.app.dashboard.watch import FixBar
from nnbuilder.app.dashboard.worker import RunOptions, TrainingJob, warm_up
from nnbuilder.graph.project import Project

WATCH_DELAY_S = 0.05  # slow motion: ~20 steps a second
NOT_STARTED_TEXT = "Not started: fix the setup as the message below says."
REDRAW_MS = round(MIN_INTERVAL_S * 1000)  # the fastest pace (30 redraws per second); slower when frames cost more


class Dashboard(_ProjectSetup, _Draining, _Resuming, _RunSaving, _SavedRunShowing, QWidget):
    """Train the edited project and watch it learn."""

    runFinished = Signal(object)  # TrainResult (also after stop / NaN)
    runFailed = Signal(str)  # the message shown in the panel
    lrFound = Signal(object)  # LRFinderResult

    def __init__(self, stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stack = stack
        self.project = Project()
        self.project_path: str | None = None
        self.job: TrainingJob | None = None
        self.history = RunHistory()
        self.last_run: RunRecord | None = None  # what "Save run…" writes: this project's last finished run
        self.updates = 0  # timer ticks that delivered data (for the benchmark)
        self._ckpt_root = Path(tempfile.mkdtemp(prefix="nnbuilder-checkpoints-"))
        self.checkpoint_dir: Path | None = None
        self._pending_layer: str | None = None
        self._plan: Any = None
        self._progress: tuple[int, int] | None = None
        self._expected: tuple[str, int, int] | None = None  # (task, steps per epoch, epochs) of the setup
        self._started = 0.0
        self._last_status = 0.0
        self._turn = 0  # the view whose turn it is to redraw (see _redraw)
        self.pacer = FramePacer()
        self.timer = QTimer(self, interval=REDRAW_MS, timeout=self._tick)
        self._build()
        warm_up()  # the training process's fork server imports torch now, not when Start is pressed

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.save_button = QPushButton("Save run…")
        self.overlay_box = QCheckBox("overlay earlier runs")
        self.overlay_box.setChecked(True)
        self.probes_box = QCheckBox("probes")
        self.probes_box.setChecked(True)
        self.probes_box.setToolTip("Record activations, gradients, weights and feature maps while training")
        self.watch_box = QCheckBox("slow motion")
        self.watch_box.setToolTip(f"Watch speed: every step waits {WATCH_DELAY_S * 1000:.0f} ms, so that a toy run "
                                  "can be followed (the decision boundary forms as you watch)")
        self.watch_box.toggled.connect(self._on_watch)
        self.start_button.clicked.connect(lambda: self.start())  # not clicked(bool) into start(kind)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.save_button.clicked.connect(self.save_run_dialog)
        self.overlay_box.toggled.connect(lambda _c: self._show_overlays())
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.status = QLabel("Ready.")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.fixes = FixBar(self)
        self.note = QLabel("")  # what a data set change brought along (loss, metric, output size)
        self.note.setWordWrap(True)
        self.note.hide()
        bar = QHBoxLayout()
        for w in (self.start_button, self.pause_button, self.stop_button, self.save_button, self.probes_box,
                  self.overlay_box, self.watch_box):
            bar.addWidget(w)
        bar.addWidget(self.progress, 1)
        self.setup = SetupPanel()
        self.setup.edited.connect(self._on_edited)
        # the planned LR follows the epochs while they are typed, before Enter commits them
        self.setup.epochs.lineEdit().textEdited.connect(self._preview_typed_epochs)
        self.setup.watch(self.stack)
        scroll = QScrollArea()
        scroll.setWidget(self.setup)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.setup.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
                               + 2 * scroll.frameWidth())
        self.curves, self.results, self.inside = CurvesView(), ResultsView(), InsideView()
        self.lr_view, self.data_view = LRFinderView(), DataView()
        self.fit_view, self.embedding_view = FittedCurveView(), EmbeddingView()
        self.data_view.loaded.connect(self.fit_view.set_preview)  # the training points before a run
        self.lr_view.runRequested.connect(self.find_lr)
        self.lr_view.applyRequested.connect(self.apply_lr)
        self.data_view.loaded.connect(self._on_data_loaded)
        self.runs = RunsView(lambda: (self.project_path, self.project.name))  # saved runs: list, compare, overlay
        self.runs.overlaysChanged.connect(self._show_saved_runs)
        self.tabs = QTabWidget()
        for widget, title in ((self.curves, "Curves"), (self.results, "Boundary && results"),
                              (self.inside, "Inside the network"), (self.lr_view, "LR finder"),
                              (self.data_view, "Data"), (self.runs, "Runs")):
            self.tabs.addTab(widget, title)
        self.tabs.addTab(self.fit_view, "Fitted curve")
        self.tabs.addTab(self.embedding_view, "Embeddings")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.message)
        layout.addWidget(self.fixes)
        layout.addWidget(self.note)
        layout.addWidget(splitter, 1)
        self._wire_saved_runs()  # a run picked in the Runs tab: its fitted curve and embeddings
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        running = self.running
        self.start_button.setEnabled(not running)
        self.lr_view.run_button.setEnabled(not running)
        self.pause_button.setEnabled(running and self.job is not None and self.job.kind == "train")
        self.stop_button.setEnabled(running)
        self.save_button.setEnabled(not running and self.last_run is not None)
        self.pause_button.setText("Resume" if running and self.job.paused else "Pause")

    def say(self, text: str) -> None:
        """Show ``text`` as the panel's problem message (hidden when empty).

        Clearing it also clears a status line that points at it ("see the message below")."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if not text:
            self.fixes.show_fixes([])
        if not text and self.status.text() in (FAILED_TEXT, NOT_STARTED_TEXT):
            self.status.setText("Ready.")

    def tell(self, text: str) -> None:
        """Show ``text`` as the panel's note on what an edit changed along with it (hidden when empty)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    # ------------------------------------------------------------------ controls
    @property
    def running(self) -> bool:
        return self.job is not None and self.job.is_alive()

    def start(self, kind: str = "train", resume: Any = None) -> bool:
        """Start training (or the LR range test) on a snapshot of the project; False if a job runs.

        Stop saves a training run's folder, resumable, into the project's runs folder. ``resume``
        (a :class:`nnbuilder.run_resume.Resumable`; see :meth:`resume_run`) continues such a run instead."""
        if self.running:
            return False
        self.say("")
        if kind == "train" and resume is None:
            problems = preflight_fixes(self.setup.datasets.get((self.project.data or {}).get("dataset")),
                                       self.project.training, self.project.graph)
            if problems:
                self.say("\n".join(text for text, _fix in problems))
                self.fixes.show_fixes([fix for _text, fix in problems])
                self.status.setText(NOT_STARTED_TEXT)
                self.runFailed.emit(self.message.text())
                return False
        options = RunOptions(probes=self.probes_box.isChecked(),
                             step_delay=WATCH_DELAY_S if self.watch_box.isChecked() and kind == "train" else 0.0)
        if kind == "train":
            self.checkpoint_dir = Path(tempfile.mkdtemp(prefix="run-", dir=self._ckpt_root))
            options.checkpoint_dir = str(self.checkpoint_dir)
            options.run_dir = str(resume.folder if resume is not None else
                                  run_folder_for(self.project_path, self.project.name))
            options.resume_from = str(resume.folder) if resume is not None else None
            self._update_lr_preview()
            # the axes the plan will most likely ask for, set now while the run prepares
            self.curves.reset(*(self._expected or ("classification",)))
            self.inside.reset()
            self.results.reset()
            self.fit_view.reset()
            self.embedding_view.reset()
            self._show_overlays()
            self.tabs.setCurrentWidget(self.curves) if self.tabs.currentWidget() is self.lr_view else None
        self.job = TrainingJob(resume.project if resume is not None else self.project, kind, options)
        self._want_boundary()
        self.job.start()
        self._started = time.perf_counter()
        self.progress.setValue(0)
        self._progress = None
        self.status.setText("Preparing (loading data, compiling the model)…" if kind == "train"
                            else "Running the learning-rate range test…")
        self.pacer.reset()
        PAINT.take()
        self.timer.start(REDRAW_MS)
        self._sync_buttons()
        return True

    def _on_watch(self, on: bool) -> None:
        if self.running and self.job.kind == "train":
            self.job.set_step_delay(WATCH_DELAY_S if on else 0.0)

    def find_lr(self) -> bool:
        self.tabs.setCurrentWidget(self.lr_view)
        return self.start("lr_finder")

    def apply_lr(self, lr: float) -> None:
        """Put ``lr`` into the training section (undoable)."""
        self.setup.lr.setValue(lr)

    def toggle_pause(self) -> None:
        if not self.running:
            return
        if self.job.paused:
            self.job.resume()
        else:
            self.job.pause()
            self.status.setText(self.status.text() + " — paused")
        self._sync_buttons()

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()

    def shutdown(self, timeout: float = 5.0, remove_checkpoints: bool = True) -> bool:
        """Stop any job and wait for its process (window closing); True when nothing is left running.

        A training run finishes its step and saves its run folder (see :meth:`start`); a process that has
        not ended after ``timeout`` seconds is killed, and the panel and stderr say what was lost."""
        ended = True
        if self.job is not None:
            was_running = self.job.is_alive()
            self.job.stop()
            ended = self.job.join(timeout)
            if not ended:  # a child stuck in a C call: end it rather than leave it behind
                self.job.kill()
                ended = self.job.join(min(timeout, 2.0))
                if was_running:
                    self._report_killed(timeout)
            self._tick()
        self.timer.stop()
        self.data_view.join(timeout)
        self.saved_loader.join(timeout)
        if remove_checkpoints:
            shutil.rmtree(self._ckpt_root, ignore_errors=True)
        return ended

    def _job_name(self) -> str:
        return "training" if self.job.kind == "train" else "LR range test"

    def _report_killed(self, timeout: float) -> None:
        import sys

        if self.job.kind == "train" and self.job.step > 0:
            text = (f"The training process did not stop within {timeout:g} s and was ended; the run since its last "
                    "saved run folder is lost.")
        else:
            text = f"The {self._job_name()} process did not stop within {timeout:g} s and was ended before it trained."
        self.say(text)
        print(f"nnbuilder: {text}", file=sys.stderr)

    # ------------------------------------------------------------------ layer selection
    def show_node(self, node_id: str | None) -> None:
        """Show the editor's selected node in the probe views (now, or once probes exist)."""
        if not node_id:
            return
        info = self.job.info if self.job is not None else None
        name = info.attr_of.get(node_id, node_id) if info is not None else node_id
        self.embedding_view.select_layer(node_id)  # an Embedding node: its projection
        if not self.inside.select_layer(name):
            self._pending_layer = name

    # ------------------------------------------------------------------ saving
    def save_run(self, folder: str | Path | None = None) -> Path | None:
        """Save this project's last finished run (weights, model.py, history, run.json); the folder is returned."""
        record = self.last_run
        if record is None:
            self.say("Nothing to save yet: train the model first.")
            return None
        target = Path(folder) if folder else default_run_folder(self.project_path, self.project.name)
        from safetensors import SafetensorError

        try:
            out = save_record(record, target)
        except (OSError, SafetensorError) as exc:  # safetensors reports a full or read-only disk as its own error
            self.say(f"Could not save the run into {target}: {getattr(exc, 'strerror', None) or exc}")
            return None
        self.status.setText(f"Saved {record.label} to {out}")
        return out

    def save_run_dialog(self) -> None:
        suggestion = default_run_folder(self.project_path, self.project.name)
        folder = QFileDialog.getExistingDirectory(self, "Save the run into a folder", str(suggestion.parent))
        if folder:
            self.save_run(Path(folder) / suggestion.name)
