"""The training engine: a plain object with events, cooperative stop/pause and checkpoints."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from nnbuilder.data.bundle import DataBundle
from nnbuilder.defaults import DEFAULT_BATCH_SIZE
from nnbuilder.training import checkpoint
from nnbuilder.training.batching import BatchSource
from nnbuilder.training.callbacks import Callback, CallbackList
from nnbuilder.training.config import TrainingConfig
from nnbuilder.training.device import (
    autocast,
    check_precision,
    make_scaler,
    resolve_device,
    rng_state,
    seed_everything,
    set_rng_state,
)
from nnbuilder.training.errors import DataError
from nnbuilder.training.guards import EarlyStopping, LastGoodWeights
from nnbuilder.training.metrics import LossFunction, MetricAccumulator, decision_threshold, metric_kind
from nnbuilder.training.optim import build_optimizer, current_lrs, penalized_weights, regularization_penalty
from nnbuilder.training.probes import ProbeRecorder
from nnbuilder.training.result import RunPlan, TrainResult
from nnbuilder.training.schedulers import build_scheduler, scheduler_interval
from nnbuilder.training.stepping import SteppingMixin
from nnbuilder.training.weight_init import apply_init


class Trainer(SteppingMixin):
    """Trains ``model`` on ``bundle`` as ``config`` says; :meth:`run` returns a :class:`TrainResult`.

    :meth:`stop`, :meth:`pause` and :meth:`resume` (without a checkpoint) may be called from any
    thread; the loop answers them between batches. On CPU the loss is read every step (it costs
    no device sync there); on accelerators every ``config.log_every`` steps.

    Per step the loop adds little to what a hand-written loop does: in-memory data is gathered by
    index on the device, gradients are dropped (``grad = None``) without the optimizer's profiler
    scope, metrics keep references and are reduced once per epoch, and events go only to callbacks
    that override them.

    With ``checkpoint_dir``, the end of an epoch is checkpointed there (see :meth:`_checkpoint_due`
    for which epochs, ``checkpoint_every_s`` spaces them out for runs of many short epochs).
    """

    def __init__(self, model: nn.Module, bundle: DataBundle, config: TrainingConfig,
                 callbacks: Sequence[Callback] = (), *, batch_size: int | None = None,
                 probe_every: int | None = None, checkpoint_dir: str | Path | None = None,
                 checkpoint_every_s: float = 0.0, num_workers: int = 0) -> None:
        self.model = model
        self.bundle = bundle
        self.config = config
        self.callbacks = CallbackList(list(callbacks))
        self.batch_size = config.batch_size or batch_size or DEFAULT_BATCH_SIZE
        self.probe_every = probe_every
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.checkpoint_every_s = checkpoint_every_s
        self._last_checkpoint: float | None = None  # perf_counter of this run's latest checkpoint
        self.num_workers = num_workers
        self._stop = threading.Event()
        self._interrupted = False  # stop() from interrupt(): checkpoint where the run is, reason "interrupted"
        self._resume_at: dict | None = None  # a mid-epoch checkpoint's batch, metric sums and RNG state
        self.checkpoint_failure: str | None = None  # why the last checkpoint could not be written
        self._epoch_start: dict | None = None  # the epoch in progress: its start generator state, batches done
        self._partial_due = math.inf  # perf_counter when a mid-epoch checkpoint is next due
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._ready = False
        self._fresh = True  # False once weights come from a checkpoint
        self.epoch = 0  # next epoch to run
        self.step = 0  # optimizer steps done
        self.result = TrainResult()

    # -- controls (thread-safe) ---------------------------------------------------------------
    def stop(self) -> None:
        """Ask the run to end after the current batch (also wakes a paused run)."""
        self._stop.set()
        self._unpaused.set()

    def interrupt(self) -> None:
        """Like :meth:`stop`, but the run ends "interrupted": with a checkpoint of where it is (resumable
        mid-epoch) when it has a ``checkpoint_dir``. Safe to call from a signal handler."""
        self._interrupted = True
        self.stop()

    def pause(self) -> None:
        """Hold the run before its next batch until :meth:`resume` or :meth:`stop`."""
        self._unpaused.clear()

    def resume(self, checkpoint_dir: str | Path | None = None) -> TrainResult | None:
        """Without an argument: continue a paused run. With a checkpoint directory: load it and run to the end."""
        if checkpoint_dir is None:
            self._unpaused.set()
            return None
        self.load_checkpoint(checkpoint_dir)
        return self.run()

    @property
    def paused(self) -> bool:
        return not self._unpaused.is_set()

    # -- setup ----------------------------------------------------------------------------------
    def setup(self) -> None:
        """Resolve the device, seed, initialise weights and build optimizer, scheduler and data sources."""
        if self._ready:
            return
        cfg = self.config
        self.device = resolve_device(cfg.device)
        check_precision(cfg.precision, self.device)
        seed = cfg.seed if cfg.seed is not None else int(torch.seed() % 2**31)
        if self._fresh:
            seed_everything(seed)
            apply_init(self.model, cfg.init)
        self.model.to(self.device)
        self.generator = torch.Generator().manual_seed(seed)
        b = self.bundle
        self.train_source = BatchSource(b.train, "train", self.device, self.batch_size, True, self.generator,
                                        self.num_workers, b.augment)
        self.val_source = self._eval_source(b.val, "val")
        self.test_source = self._eval_source(b.test, "test")
        self.loss_fn = LossFunction(cfg.loss, self.device, b.meta.get("loss_target_scale"))  # set by prepare
        self.kind = metric_kind(cfg.loss)
        self.threshold = decision_threshold(cfg.loss)
        self.optimizer = build_optimizer(self.model, cfg)
        self._params = [p for group in self.optimizer.param_groups for p in group["params"]]
        self.steps_per_epoch = len(self.train_source)
        self.scheduler = build_scheduler(self.optimizer, cfg.scheduler, self.steps_per_epoch, cfg.epochs)
        self.interval = scheduler_interval(cfg.scheduler)
        self.scaler = make_scaler(cfg.precision, self.device)
        self.penalized = penalized_weights(self.model)
        self._penalty_active = cfg.regularization.active
        self._last_lrs: list[float] | None = None  # raw group LRs at the last step (change detection)
        self.early = EarlyStopping(cfg.early_stopping)
        self.plateau_monitor = cfg.scheduler.params["monitor"] if self.interval == "plateau" else None
        for path, monitor in (("training.early_stopping.monitor", self.early.monitor if cfg.early_stopping else None),
                              ("training.scheduler.monitor", self.plateau_monitor)):
            self._check_monitor(path, monitor)
        self.last_good = LastGoodWeights(self.model)
        self.probes = None
        if self.probe_every:
            probe_source = self.val_source or self.train_source
            self.probes = ProbeRecorder(self.model, probe_source.first_batch(64)[0])
        self.read_every = 1 if self.device.type == "cpu" else cfg.log_every
        self._window: torch.Tensor | None = None  # loss sum since the last read-back (accelerators)
        self._window_steps = 0
        self._ready = True

    def _eval_source(self, split: object, name: str) -> BatchSource | None:
        if split is None:
            return None
        return BatchSource(split, name, self.device, self.batch_size, False, num_workers=self.num_workers)

    def _check_monitor(self, path: str, monitor: str | None) -> None:
        if monitor is None:
            return
        if monitor.startswith("val_") and self.val_source is None:
            raise DataError(f"{path}: {monitor!r} needs a validation split, but data set "
                            f"{self.bundle.name!r} has none; monitor a training metric or add a split")
        wanted = {"accuracy": ("classification", "binary"), "mae": ("regression",), "r2": ("regression",)}
        kinds = wanted.get(monitor.removeprefix("val_"))
        if kinds and self.kind not in kinds:
            raise DataError(f"{path}: {monitor!r} is not computed for {self.config.loss.type} ({self.kind})")

    def load_checkpoint(self, directory: str | Path) -> dict:
        """Restore weights, optimizer, scheduler, RNG and history so that :meth:`run` continues exactly."""
        self._fresh = False
        self.setup()
        meta = checkpoint.load_checkpoint(directory, self)
        self.epoch, self.step = meta["epoch"] + 1, meta["step"]
        partial = meta.get("partial")
        self._resume_at = {**partial, "rng": meta["rng"]} if partial else None
        self.result = TrainResult(history=meta["history"], lr_changes=[tuple(c) for c in meta["lr_changes"]],
                                  epochs_run=meta["epoch"] + 1, steps=meta["step"])
        return meta

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> TrainResult:
        """Train until the epochs are done, early stopping, :meth:`stop`, a NaN loss or out-of-memory.

        After "completed" or "early_stopping" the best epoch's weights are restored (when
        ``early_stopping.restore_best``) and the test split is evaluated; a stop request made before
        ``run`` starts is honoured, and cleared when ``run`` returns.
        """
        self.setup()
        start = time.perf_counter()
        self._last_checkpoint = None
        self._partial_due = start + self.checkpoint_every_s
        result = self.result
        result.stop_reason, result.message = "completed", ""
        self.callbacks.on_run_start(self, self._plan())
        try:
            while self.epoch < self.config.epochs and not self._stop.is_set():
                reason = self._train_epoch(self.epoch)
                if reason is not None:
                    result.stop_reason = reason
                    break
                self.epoch += 1
        except torch.OutOfMemoryError:
            result.stop_reason = "oom"
            result.message = (f"out of memory on {self.device} at epoch {self.epoch + 1} with batch size "
                              f"{self.batch_size}; try a smaller batch size (e.g. {max(1, self.batch_size // 2)}), "
                              "precision 'bf16', or a smaller model")
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
        if self._stop.is_set() and result.stop_reason == "completed":
            result.stop_reason = "stopped"
        if self._interrupted and result.stop_reason == "stopped":
            result.stop_reason = "interrupted"
            self._checkpoint_interrupted()
        if result.stop_reason in ("completed", "early_stopping"):
            if self.config.early_stopping and self.config.early_stopping.restore_best:
                self.early.restore_best(self.model)
            if self.test_source is not None:
                result.test_metrics = self.evaluate(self.test_source, "test_")
        result.best_epoch = None if self.early.best_epoch is None else self.early.best_epoch + 1  # 1-based
        result.best_metric = self.early.best
        result.steps = self.step
        result.seconds += time.perf_counter() - start
        self._stop.clear()
        self._interrupted = False
        self.callbacks.on_run_end(self, result)
        return result

    def _plan(self) -> RunPlan:
        def size(source: BatchSource | None) -> int:
            return source.num_samples if source is not None else 0
        return RunPlan(self.config.epochs, self.epoch, self.steps_per_epoch, self.batch_size, str(self.device),
                       self.config.precision, [g["name"] for g in self.optimizer.param_groups],
                       size(self.train_source), size(self.val_source), size(self.test_source))

    def _wait_if_paused(self) -> bool:
        """Block while paused; return True when the run must stop."""
        while not self._unpaused.wait(0.05):
            pass
        return self._stop.is_set()

    def _train_epoch(self, epoch: int) -> str | None:
        """One epoch of steps, then validation and epoch-end bookkeeping; return a stop reason or None.

        The step loop does only what a hand-written loop does plus a few host-side checks: no event
        is fanned out to nobody, metrics keep references and are reduced once per epoch, and the
        loss is read back only where that costs no device sync (see the class docstring).
        """
        model, cfg = self.model, self.config
        if cfg.unfreeze:
            self._apply_unfreeze(epoch)
        model.train()
        train = MetricAccumulator(self.kind, self.device, self.threshold)
        started = time.perf_counter()
        resume_at, self._resume_at = self._resume_at, None
        skip = resume_at["batch"] if resume_at else 0
        if resume_at:
            train.load_state(resume_at["train"])
        self._epoch_start = {"epoch": epoch, "generator": self.generator.get_state(), "train": train,
                             "batch": skip, "rng": None}
        periodic = self.checkpoint_dir is not None and self.checkpoint_every_s > 0
        after_skip = (lambda: set_rng_state(resume_at["rng"])) if skip else None
        snapshot_every, read_every, last_good = cfg.log_every, self.read_every, self.last_good
        unpaused, stop = self._unpaused, self._stop
        groups, params = self.optimizer.param_groups, self._params
        on_batch_end = self.callbacks.on_batch_end if self.callbacks.listens("on_batch_end") else None
        probes, probe_every = self.probes, self.probe_every
        for inputs, targets in self.train_source.iterate(skip, after_skip):
            if (not unpaused.is_set() or stop.is_set()) and self._wait_if_paused():
                return "stopped"
            lrs = [group["lr"] for group in groups]
            if lrs != self._last_lrs:
                self._last_lrs = lrs
                self._lr_changed()
            for p in params:  # as optimizer.zero_grad(set_to_none=True), before the forward like a hand-written loop
                p.grad = None
            output, aligned, loss = self._forward(inputs, targets)
            total = loss
            if self._penalty_active:
                penalty = regularization_penalty(self.penalized, cfg.regularization)
                if penalty is not None:
                    total = loss + penalty
            value = None
            if read_every == 1:  # host device: reading the loss costs no sync
                value = total.item()
                train.add(loss, output, aligned, value if total is loss else loss.item())
                if not math.isfinite(value):
                    return self._stop_for_nan(epoch, value)
            else:  # accelerators: sum on the device, read back every read_every global steps
                train.add(loss, output, aligned)
                self._window = total.detach().float() if self._window is None else self._window + total.detach()
                self._window_steps += 1
                if (self.step + 1) % read_every == 0:
                    value = self._window.item() / self._window_steps
                    self._window, self._window_steps = None, 0
                    if not math.isfinite(value):
                        return self._stop_for_nan(epoch, value)
            if value is not None and (last_good.step is None or self.step - last_good.step >= snapshot_every):
                last_good.snapshot(self.step)
            self._optimizer_step(total)
            del inputs, targets, output, aligned, loss, total  # free the batch before the next one is gathered
            self.step += 1
            if on_batch_end is not None:
                on_batch_end(self, self.step, epoch, value)
            if probes is not None and self.step % probe_every == 0:
                self.callbacks.on_probe(self, self.step, probes.capture(self.step, epoch))
            self._epoch_start["batch"] += 1
            if (not unpaused.is_set() or stop.is_set()) and self._wait_if_paused():
                return "stopped"  # checked before the next batch is drawn: a checkpoint here resumes exactly
            if periodic and time.perf_counter() >= self._partial_due:
                self._save_partial()
        if self._window is not None and not math.isfinite(pending := self._window.item()):  # epoch end syncs anyway
            return self._stop_for_nan(epoch, pending)
        return self._end_epoch(epoch, train, started)

    def _checkpoint_due(self, epoch: int, last: bool) -> bool:
        """Checkpoint this epoch's end? The run's first and last epochs always; between them, at most
        one checkpoint every ``checkpoint_every_s`` seconds (0: every epoch)."""
        return (self._last_checkpoint is None or last or epoch + 1 >= self.config.epochs
                or time.perf_counter() - self._last_checkpoint >= self.checkpoint_every_s)

    def _end_epoch(self, epoch: int, train: MetricAccumulator, started: float) -> str | None:
        metrics: dict = {"epoch": epoch + 1, **train.result()}  # 1-based for people (history.json)
        if self.val_source is not None:
            self._epoch_start["rng"] = rng_state() if self.checkpoint_dir is not None else None
            val = self.evaluate(self.val_source, "val_")
            if self._stop.is_set():
                return "stopped"
            metrics.update(val)
        metrics["lr"] = current_lrs(self.optimizer)
        metrics["time"] = time.perf_counter() - started
        self._step_epoch_scheduler(epoch, metrics)
        stop_early = self.early.update(epoch, metrics, self.model)
        self.result.history.append(metrics)
        self.result.epochs_run = epoch + 1
        self.result.steps = self.step
        self._epoch_start = None
        if self.checkpoint_dir is not None and self._checkpoint_due(epoch, stop_early):
            self._save_checkpoint(epoch)
        self.callbacks.on_epoch_end(self, epoch, metrics)
        if stop_early:
            self.callbacks.on_early_stop(self, epoch, self.early.best_epoch)
            return "early_stopping"
        return None

    def _save_checkpoint(self, epoch: int, partial: dict | None = None) -> None:
        """Write a checkpoint; a failure (disk full, folder gone) is kept in ``checkpoint_failure``, not raised."""
        try:
            checkpoint.save_checkpoint(self.checkpoint_dir, self, epoch, partial=partial)
        except Exception as exc:  # noqa: BLE001 - OSError, SafetensorError: training goes on, the caller reports it
            self.checkpoint_failure = f"cannot write a checkpoint into {self.checkpoint_dir}: {exc}"
        self._last_checkpoint = time.perf_counter()
        self._partial_due = self._last_checkpoint + self.checkpoint_every_s

    def _save_partial(self) -> None:
        """Checkpoint the epoch in progress after its last finished step (resumable bit for bit)."""
        at = self._epoch_start
        if at["batch"] == 0:  # nothing done in this epoch yet: the previous epoch's end is the state
            self._save_checkpoint(at["epoch"] - 1) if at["epoch"] > 0 else None
            return
        self._save_checkpoint(at["epoch"] - 1, {"batch": at["batch"], "train": at["train"].state(),
                                                "generator": at["generator"], "rng": at["rng"] or rng_state()})

    def _checkpoint_interrupted(self) -> None:
        """After an interrupt: a checkpoint of exactly where the run stopped (mid-epoch or at an epoch's end)."""
        if self.checkpoint_dir is None:
            return
        if self._epoch_start is not None:
            self._save_partial()
        elif self.epoch > 0:
            self._save_checkpoint(self.epoch - 1)

    def evaluate(self, source: BatchSource, prefix: str = "") -> dict[str, float]:
        """Loss and metrics of ``model`` on ``source`` in eval mode (aborts early, returning {}, on stop)."""
        self.setup()
        was_training = self.model.training
        self.model.eval()
        acc = MetricAccumulator(self.kind, self.device, self.threshold)
        try:
            with torch.no_grad(), autocast(self.config.precision, self.device):
                for inputs, targets in source:
                    if self._stop.is_set():
                        return {}
                    output = self.model(*inputs)
                    aligned = self.loss_fn.align(output, targets)
                    acc.add(self.loss_fn.fn(output, aligned), output, aligned)
        finally:
            self.model.train(was_training)
        return acc.result(prefix)
