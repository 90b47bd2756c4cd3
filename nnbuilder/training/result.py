"""What a run plans to do and what it did."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STOP_REASONS = ("completed", "early_stopping", "stopped", "nan", "oom")


@dataclass(frozen=True)
class RunPlan:
    """The resolved plan handed to ``on_run_start``."""

    epochs: int
    start_epoch: int
    steps_per_epoch: int
    batch_size: int
    device: str
    precision: str
    group_names: list[str]
    train_samples: int
    val_samples: int
    test_samples: int

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch


@dataclass
class TrainResult:
    """History (one metrics dict per epoch), best epoch, test metrics and why the run ended.

    Epochs are numbered from 1, as people count them and as the console prints them: each history entry's
    ``"epoch"`` is 1 for the first epoch, and ``best_epoch`` is the 1-based epoch whose monitored metric was
    best (the early-stopping epoch whose weights ``restore_best`` keeps).  ``history.json`` and ``run.json``
    carry these numbers unchanged.
    """

    history: list[dict[str, Any]] = field(default_factory=list)  # [{"epoch": 1, "loss": ..., "val_loss": ...}, ...]
    best_epoch: int | None = None  # 1-based
    best_metric: float | None = None
    test_metrics: dict[str, float] = field(default_factory=dict)
    stop_reason: str = "completed"  # one of STOP_REASONS
    message: str = ""
    epochs_run: int = 0
    steps: int = 0
    seconds: float = 0.0
    lr_changes: list[tuple[int, list[float]]] = field(default_factory=list)  # (step, LR per group) on change

    def lr_per_step(self, group: int = 0) -> list[float]:
        """The learning rate group ``group`` used at every optimizer step of the run."""
        lrs: list[float] = []
        for i, (step, values) in enumerate(self.lr_changes):
            end = self.lr_changes[i + 1][0] if i + 1 < len(self.lr_changes) else self.steps
            lrs.extend([values[group]] * (end - step))
        return lrs

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the CLI's metric history file)."""
        return {"history": self.history, "best_epoch": self.best_epoch, "best_metric": self.best_metric,
                "test_metrics": self.test_metrics, "stop_reason": self.stop_reason, "message": self.message,
                "epochs_run": self.epochs_run, "steps": self.steps, "seconds": self.seconds}
