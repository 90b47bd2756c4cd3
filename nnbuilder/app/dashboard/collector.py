"""The dashboard's listener on the training engine; runs in the training process (imports torch).

Every hook only appends to an :class:`EventBuffer`, which the hooks hand to ``flush`` (the
child's shipper) at most every :data:`FLUSH_S`. The decision boundary and the
end-of-run evaluation are computed here, on the thread that owns the model, so the
GUI never races the optimizer on the same module.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from nnbuilder.app.dashboard.buffer import EventBuffer
from nnbuilder.training import Callback
from nnbuilder.training.probes import Histogram, Probe

GRID = 64  # decision-boundary resolution (GRID × GRID model evaluations)
BOUNDARY_EVERY_S = 0.25
BOUNDARY_SHARE = 0.02  # live boundaries may take at most this share of the training thread's time
MAX_SCATTER = 2000
FLUSH_S = 1 / 20  # news leave the training process at most this often (the GUI shows them at its own pace)


@dataclass
class Boundary:
    """Class probabilities on a grid in data units: ``image`` (GRID, GRID, classes), x/y ranges."""

    image: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    step: int


@dataclass
class Outcome:
    """End-of-run evaluation on the test split (or validation): a confusion matrix or predicted vs true."""

    split: str
    confusion: np.ndarray | None = None  # (true, predicted) counts
    class_names: list[str] | None = None
    truth: np.ndarray | None = None
    predicted: np.ndarray | None = None


def boundary_grid(bundle: Any) -> tuple[torch.Tensor, tuple[float, float], tuple[float, float]] | None:
    """Standardised model inputs covering the raw training points, or None for non 2-D class data."""
    if bundle.task not in ("classification", "binary") or len(bundle.inputs) != 1 or \
            tuple(bundle.inputs[0].shape) != (2,) or not hasattr(bundle.train, "inputs"):
        return None
    x = bundle.train.inputs[0].detach().float().cpu()
    stats = bundle.meta.get("normalization", {}).get(bundle.inputs[0].name)
    mean = torch.tensor(stats["mean"]) if stats else torch.zeros(2)
    std = torch.tensor(stats["std"]) if stats else torch.ones(2)
    raw = x * std + mean
    low, high = raw.min(0).values, raw.max(0).values
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    xs, ys = torch.linspace(low[0], high[0], GRID), torch.linspace(low[1], high[1], GRID)
    gx, gy = torch.meshgrid(xs, ys, indexing="ij")
    grid = (torch.stack([gx.reshape(-1), gy.reshape(-1)], 1) - mean) / std
    return grid, (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def portable(probe: Probe) -> Probe:
    """``probe`` with numpy arrays in place of tensors: pickled to the GUI ten times cheaper (and torch-free)."""
    def hist(h: Histogram) -> Histogram:
        return replace(h, counts=h.counts.numpy())
    return replace(probe, activations={k: replace(a, histogram=hist(a.histogram)) for k, a in probe.activations.items()},
                   feature_maps={k: m.numpy() for k, m in probe.feature_maps.items()},
                   weights={k: hist(h) for k, h in probe.weights.items()})


def class_probabilities(output: torch.Tensor, task: str) -> torch.Tensor:
    """(N, classes) probabilities from logits (binary: one logit → two columns)."""
    output = output.float().reshape(len(output), -1)
    if task == "binary":
        p = torch.sigmoid(output[:, :1])
        return torch.cat([1 - p, p], 1)
    return torch.softmax(output, 1)


class DashboardCallback(Callback):
    """Forwards engine events into ``buffer``; computes boundary and outcome on the training thread."""

    def __init__(self, buffer: EventBuffer, bundle: Any, stop_requested: threading.Event | None = None,
                 boundary_wanted: threading.Event | None = None, flush: Callable[[], None] | None = None) -> None:
        self.buffer = buffer
        self.bundle = bundle
        self.stop_requested = stop_requested or threading.Event()
        if boundary_wanted is None:
            boundary_wanted = threading.Event()
            boundary_wanted.set()
        self.boundary_wanted = boundary_wanted  # cleared while no view shows the boundary: live ones are skipped
        self.grid = boundary_grid(bundle)
        self._last_boundary = 0.0
        self._boundary_cost = 0.0
        self.flush = flush  # ships the buffer (the child's Shipper); called at most every FLUSH_S
        self._flushed_at = 0.0
        self._probe: Probe | None = None  # the latest probe, not shipped yet

    def on_run_start(self, trainer: Any, plan: Any) -> None:
        self.buffer.put("plan", plan)
        if trainer.probes is not None:
            self.buffer.put("pinned", trainer.probes.inputs[0][0].detach().float().cpu().numpy())
        if self.stop_requested.is_set():  # a stop that came before run() started
            trainer.stop()
        if self.boundary_wanted.is_set():
            self._boundary(trainer)
        self._ship()  # the plan, at once

    def on_batch_end(self, trainer: Any, step: int, epoch: int, loss: float | None) -> None:
        self.buffer.put_step(step, epoch, loss)
        now = time.perf_counter()
        if self.grid is not None and self.boundary_wanted.is_set() and now - self._last_boundary > \
                max(BOUNDARY_EVERY_S, self._boundary_cost / BOUNDARY_SHARE):
            self._boundary(trainer)
        if now - self._flushed_at >= FLUSH_S:
            self._ship()

    def on_epoch_end(self, trainer: Any, epoch: int, metrics: dict[str, Any]) -> None:
        self.buffer.put("epochs", dict(metrics))
        if time.perf_counter() - self._flushed_at >= FLUSH_S:
            self._ship()

    def on_lr(self, trainer: Any, step: int, lrs: list[float]) -> None:
        self.buffer.put("lrs", (step, list(lrs)))

    def on_probe(self, trainer: Any, step: int, probe: Any) -> None:
        """Probes wait for the next shipment; one superseded before it travels as its gradient norms only.

        The GUI shows the latest probe's histograms and maps, and the gradient norms of every probe.
        """
        if self.flush is None:
            self.buffer.put("probes", portable(probe))
            return
        if self._probe is not None:
            self.buffer.put("probes", Probe(self._probe.step, self._probe.epoch, grad_norms=self._probe.grad_norms))
        self._probe = probe

    def on_lr_reduced(self, trainer: Any, epoch: int, old: list[float], new: list[float]) -> None:
        self.buffer.put("markers", ("plateau", epoch, f"LR {old[0]:.2g} → {new[0]:.2g}"))

    def on_early_stop(self, trainer: Any, epoch: int, best_epoch: int) -> None:
        self.buffer.put("markers", ("early_stop", epoch, f"early stop (best epoch {best_epoch + 1})"))

    def on_run_end(self, trainer: Any, result: Any) -> None:
        self._put_probe()
        if result.best_epoch is not None:
            self.buffer.put("markers", ("best", result.best_epoch - 1, f"best epoch {result.best_epoch}"))
        if result.stop_reason in ("completed", "early_stopping", "stopped"):
            self._boundary(trainer)
            outcome = self._outcome(trainer)
            if outcome is not None:
                self.buffer.put("outcome", outcome)

    def _ship(self) -> None:
        """Hand the buffer's news to ``flush`` (callers keep to at most one call every FLUSH_S)."""
        if self.flush is not None:
            self._put_probe()
            self.flush()
            self._flushed_at = time.perf_counter()

    def _put_probe(self) -> None:
        if self._probe is not None:
            self.buffer.put("probes", portable(self._probe))
            self._probe = None

    def _boundary(self, trainer: Any) -> None:
        if self.grid is None:
            return
        self._last_boundary = time.perf_counter()
        grid, xr, yr = self.grid
        model = trainer.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                probs = class_probabilities(model(grid.to(trainer.device)), self.bundle.task).cpu()
        finally:
            model.train(was_training)
        image = probs.reshape(GRID, GRID, -1).numpy()
        self.buffer.put("boundary", Boundary(image, xr, yr, trainer.step))
        self._boundary_cost = time.perf_counter() - self._last_boundary

    def _outcome(self, trainer: Any) -> Outcome | None:
        source, name = (trainer.test_source, "test") if trainer.test_source is not None else (trainer.val_source, "val")
        if source is None:
            return None
        model, task = trainer.model, self.bundle.task
        outs, targets = [], []
        model.eval()
        with torch.no_grad():
            for inputs, target in source:
                outs.append(model(*inputs).float().cpu())
                targets.append(target.cpu())
        model.train()
        out, target = torch.cat(outs), torch.cat(targets)
        if task in ("classification", "binary"):
            predicted = class_probabilities(out, task).argmax(1)
            n = 2 if task == "binary" else int(self.bundle.num_classes or out.shape[1])
            truth = target.reshape(-1).long()
            counts = torch.bincount(truth * n + predicted, minlength=n * n).reshape(n, n).numpy()
            names = list(self.bundle.class_names or [str(i) for i in range(n)])
            return Outcome(name, confusion=counts, class_names=names)
        truth = target.reshape(len(target), -1)[:, 0].numpy()[:MAX_SCATTER]
        predicted = out.reshape(len(out), -1)[:, 0].numpy()[:MAX_SCATTER]
        return Outcome(name, truth=truth, predicted=predicted)
