"""Training events: a :class:`Callback` base of empty hooks (Lightning style) and a text progress bar."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from nnbuilder.training.engine import Trainer
    from nnbuilder.training.probes import Probe
    from nnbuilder.training.result import RunPlan, TrainResult


class Callback:
    """Override the hooks you need; every hook runs on the training thread and must return quickly."""

    def on_run_start(self, trainer: Trainer, plan: RunPlan) -> None:
        """Called once before the first step, with the resolved plan (device, steps, epochs...)."""

    def on_batch_end(self, trainer: Trainer, step: int, epoch: int, loss: float | None) -> None:
        """Called after every optimizer step; ``loss`` is a float only on read-back steps, else None."""

    def on_epoch_end(self, trainer: Trainer, epoch: int, metrics: dict[str, Any]) -> None:
        """Called after validation with the epoch's metrics (loss, val_loss, accuracy/mae/r2, lr...).

        ``epoch`` (here and in the other hooks) is the loop index, 0 for the first epoch; ``metrics["epoch"]``,
        like history.json and the console, numbers it from 1."""

    def on_lr(self, trainer: Trainer, step: int, lrs: list[float]) -> None:
        """Called at the first step and whenever a learning rate changes, with one LR per group."""

    def on_probe(self, trainer: Trainer, step: int, probe: Probe) -> None:
        """Called every ``probe_every`` steps with activation, gradient and weight statistics."""

    def on_lr_reduced(self, trainer: Trainer, epoch: int, old: list[float], new: list[float]) -> None:
        """Called when reduce-on-plateau lowers the learning rate."""

    def on_early_stop(self, trainer: Trainer, epoch: int, best_epoch: int) -> None:
        """Called when early stopping ends the run (before the best weights are restored)."""

    def on_unfreeze(self, trainer: Trainer, epoch: int, names: list[str]) -> None:
        """Staged unfreezing made the named blocks trainable at the start of ``epoch``."""

    def on_run_end(self, trainer: Trainer, result: TrainResult) -> None:
        """Called once when the run ends, whatever the reason."""

    def state_dict(self, trainer: Trainer) -> dict[str, Any] | None:
        """JSON-able state a checkpoint keeps so that a resumed run continues this callback (None: nothing)."""
        return None

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (called on resume, before :meth:`on_run_start`)."""


class CallbackList(Callback):
    """Fans every hook out to a list of callbacks, in order.

    Only callbacks that override a hook are called for it; :meth:`listens` tells the engine whether
    anyone does, so it can skip building events nobody receives.
    """

    def __init__(self, callbacks: list[Callback]) -> None:
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks: expected Callback instances, got {type(cb).__name__}")
        self.callbacks = list(callbacks)
        self._fan_outs: dict[str, Callable[..., None]] = {}
        self._listeners: dict[str, tuple[Callable[..., None], ...]] = {}
        for name in _HOOKS:
            methods = tuple(getattr(cb, name) for cb in self.callbacks if _overrides(cb, name))
            self._listeners[name] = methods
            self._fan_outs[name] = _fan_out(methods)

    def listens(self, hook: str) -> bool:
        """True when at least one callback overrides ``hook`` (e.g. ``"on_batch_end"``)."""
        return bool(self._listeners[hook])

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_"):
            return object.__getattribute__(self, "_fan_outs")[name]
        return object.__getattribute__(self, name)


_HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))


def _overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` has its own ``hook`` (a subclass method or an instance attribute)."""
    if isinstance(callback, CallbackList):
        return callback.listens(hook)
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(Callback, hook)


def _fan_out(methods: tuple[Callable[..., None], ...]) -> Callable[..., None]:
    if not methods:
        return _nothing
    if len(methods) == 1:
        return methods[0]

    def fan_out(*args: Any) -> None:
        for method in methods:
            method(*args)
    return fan_out


def _nothing(*args: Any) -> None:
    """The fan-out of a hook nobody overrides."""


class ProgressBar(Callback):
    """One line per epoch (epoch, loss, val metrics, ETA) for the command line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self._start = 0.0
        self._epochs = 0
        self._first_epoch = 0

    def on_run_start(self, trainer: Trainer, plan: RunPlan) -> None:
        self._start = time.perf_counter()
        self._epochs = plan.epochs
        self._first_epoch = plan.start_epoch
        self.stream.write(f"training {plan.epochs} epochs × {plan.steps_per_epoch} steps on {plan.device} "
                          f"({plan.precision})\n")
        self.stream.flush()

    def on_epoch_end(self, trainer: Trainer, epoch: int, metrics: dict[str, Any]) -> None:
        done = epoch + 1 - self._first_epoch
        elapsed = time.perf_counter() - self._start
        eta = elapsed / max(1, done) * (self._epochs - epoch - 1)
        width = len(str(self._epochs))
        shown = "  ".join(f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, float) and k != "time")
        self.stream.write(f"epoch {epoch + 1:>{width}}/{self._epochs}  {shown}  ETA {_duration(eta)}\n")
        self.stream.flush()

    def on_unfreeze(self, trainer: Trainer, epoch: int, names: list[str]) -> None:
        """Staged unfreezing made the named blocks trainable at the start of ``epoch``."""

    def on_run_end(self, trainer: Trainer, result: TrainResult) -> None:
        best = f", best epoch {result.best_epoch}" if result.best_epoch is not None else ""
        self.stream.write(f"stopped: {result.stop_reason}{best} in {_duration(result.seconds)}\n")
        if result.message:
            self.stream.write(result.message + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
