"""The fitted-curve and embedding views' probes; run in the training process beside the dashboard's listener.

Both are cheap looks at the model taken on the training thread (which owns it): the fitted curve
is one forward pass over :data:`~nnbuilder.training.fitted_curve.CURVE_POINTS` inputs, at most every
:data:`CURVE_EVERY_S` and never more than :data:`SHARE` of the training thread's time, only while a
live view is on screen; the embedding projection (an SVD of each Embedding weight) is taken at
epoch ends, rate-limited the same way. Both are taken once more when the run ends, for the finished
run. Results go into the event buffer, which the dashboard's listener ships with its next box.
"""
from __future__ import annotations

import threading
import time
from typing import Any

import torch

from nnbuilder.app.dashboard.buffer import EventBuffer
from nnbuilder.training import Callback
from nnbuilder.training.embedding_map import embedding_modules, project_embeddings, row_labels
from nnbuilder.training.fitted_curve import FittedCurve, curve_data, curve_problem, model_grid, predict_curve

CURVE_EVERY_S = 0.1
EMBEDDINGS_EVERY_S = 0.5
SHARE = 0.02  # live views take at most this share of the training thread's time


class _Pacer:
    """Decides when a probe is due: at least ``every`` seconds apart and within :data:`SHARE` of the time."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.last = float("-inf")
        self.cost = 0.0

    def due(self, now: float) -> bool:
        return now - self.last >= max(self.every, self.cost / SHARE)

    def timed(self, work: Any) -> None:
        self.last = time.perf_counter()
        work()
        self.cost = time.perf_counter() - self.last


class ViewProbes(Callback):
    """Puts ``fit`` (CurveData or the reason there is none), ``curve`` and ``embeddings`` into ``buffer``."""

    def __init__(self, buffer: EventBuffer, bundle: Any, graph: Any = None, attr_of: dict[str, str] | None = None,
                 live_wanted: threading.Event | None = None) -> None:
        self.buffer = buffer
        self.bundle = bundle
        self.graph = graph
        self.attr_of = attr_of or {}
        self.live_wanted = live_wanted
        self.data = curve_data(bundle)
        self.grid: torch.Tensor | None = None
        self.layers: list[tuple[str, Any]] = []
        self.labels: dict[str, list[str]] = {}
        self.steps_per_epoch = 1
        self.told_no_layers = False
        self.curve_pacer, self.embedding_pacer = _Pacer(CURVE_EVERY_S), _Pacer(EMBEDDINGS_EVERY_S)

    def on_run_start(self, trainer: Any, plan: Any) -> None:
        self.steps_per_epoch = max(1, int(plan.steps_per_epoch))
        self.buffer.put("fit", self.data if self.data is not None else curve_problem(self.bundle))
        if self.data is not None:
            self.grid = model_grid(self.bundle, self.data.grid_x).to(trainer.device)
        self.layers = embedding_modules(trainer.model, self.attr_of)
        self.labels = row_labels(self.layers, self.graph, self.bundle)
        self._curve(trainer)
        self._embeddings(trainer)

    def on_batch_end(self, trainer: Any, step: int, epoch: int, loss: float | None) -> None:
        if self.grid is not None and (self.live_wanted is None or self.live_wanted.is_set()) \
                and self.curve_pacer.due(time.perf_counter()):
            self.curve_pacer.timed(lambda: self._curve(trainer))

    def on_epoch_end(self, trainer: Any, epoch: int, metrics: dict[str, Any]) -> None:
        if self.layers and self.embedding_pacer.due(time.perf_counter()):
            self.embedding_pacer.timed(lambda: self._embeddings(trainer))

    def on_run_end(self, trainer: Any, result: Any) -> None:
        """The finished run's curve and projection: of the best epoch's weights when early stopping restored them."""
        early = trainer.config.early_stopping
        when = None
        if result.stop_reason in ("completed", "early_stopping") and early and early.restore_best and result.best_epoch:
            when = (result.best_epoch * self.steps_per_epoch, result.best_epoch)
        self._curve(trainer, when)
        self._embeddings(trainer, when)

    def _curve(self, trainer: Any, when: tuple[int, int] | None = None) -> None:
        if self.grid is not None:
            y = predict_curve(trainer.model, self.grid)
            self.buffer.put("curve", FittedCurve(self.data.grid_x, y, *(when or self._when(trainer))))

    def _embeddings(self, trainer: Any, when: tuple[int, int] | None = None) -> None:
        if self.layers:
            # a tuple: the buffer appends to list fields, and this one is replaced by the latest
            self.buffer.put("embeddings", tuple(project_embeddings(trainer.model, self.layers, self.labels,
                                                                   *(when or self._when(trainer)))))
        elif not self.told_no_layers:
            self.told_no_layers = True
            self.buffer.put("embeddings", ())  # said once: this model has no Embedding layer

    def _when(self, trainer: Any) -> tuple[int, int]:
        """The latest step and the 1-based epoch it belongs to (0 before the first step)."""
        step = int(trainer.step)
        return step, -(-step // self.steps_per_epoch)
