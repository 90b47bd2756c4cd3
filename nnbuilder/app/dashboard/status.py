"""Texts of the progress line and the final result (no Qt)."""
from __future__ import annotations

from typing import Any

REASONS = {"completed": "Finished", "early_stopping": "Stopped early", "stopped": "Stopped", "interrupted": "Stopped",
           "nan": "Stopped: the loss became NaN", "oom": "Stopped: out of memory"}


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(max(0.0, seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def progress_text(progress: tuple[int, int], total: int, plan: Any, elapsed: float, paused: bool) -> str:
    """``epoch 3/10 · step 120/400 · 85 steps/s · ETA 00:03`` (steps counted from this run's start)."""
    step, epoch = progress
    first = plan.start_epoch * plan.steps_per_epoch if plan is not None else 0
    done = max(0, step - first)
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = (total - step) / rate if rate > 0 else 0.0
    samples = f" ({rate * plan.batch_size:,.0f} samples/s)" if plan is not None else ""
    epochs = plan.epochs if plan is not None else "?"
    text = (f"epoch {epoch + 1}/{epochs} · step {step}/{total} · {rate:,.0f} steps/s{samples} · "
            f"ETA {duration(eta)}")
    return text + (" — paused" if paused else "")


def describe_result(result: Any) -> str:
    """One line: why the run ended, best epoch, time and the test-set metrics."""
    parts = [(f"{REASONS.get(result.stop_reason, result.stop_reason)} after {result.epochs_run} epoch(s), "
             f"{result.steps} steps in {duration(result.seconds)}")]
    if result.best_epoch is not None:
        parts.append(f"best epoch {result.best_epoch}")
    if result.test_metrics:
        shown = ", ".join(f"{k.removeprefix('test_')} {v:.4g}" for k, v in result.test_metrics.items())
        parts.append(f"test set: {shown}")
    return " · ".join(parts)
