"""Log epoch metrics and learning rates to TensorBoard with torch's ``SummaryWriter`` (optional extra)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnbuilder.training.callbacks import Callback

if TYPE_CHECKING:
    from nnbuilder.training.engine import Trainer
    from nnbuilder.training.result import TrainResult


class TensorBoardUnavailable(RuntimeError):
    """The ``tensorboard`` package is not installed."""


class TensorBoardLogger(Callback):
    """Writes every numeric epoch metric (``loss``, ``val_loss``, ``accuracy``...) as a scalar per epoch."""

    def __init__(self, log_dir: str | Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:  # torch raises ImportError naming tensorboard when it is missing
            raise TensorBoardUnavailable(
                f"--tensorboard needs the 'tensorboard' package ({exc}); install it with "
                "pip install 'nnbuilder[tensorboard]' or pip install tensorboard") from None
        self.writer = SummaryWriter(log_dir=str(log_dir))

    def on_epoch_end(self, trainer: Trainer, epoch: int, metrics: dict[str, Any]) -> None:
        for name, value in metrics.items():
            if name not in ("epoch", "time") and isinstance(value, (int, float)) and not isinstance(value, bool):
                self.writer.add_scalar(name, float(value), epoch + 1)
        for i, group in enumerate(trainer.optimizer.param_groups):
            self.writer.add_scalar(f"lr/group{i}", float(group["lr"]), epoch + 1)

    def on_run_end(self, trainer: Trainer, result: TrainResult) -> None:
        for name, values in result.extra.get("grad_norm", {}).items():
            for epoch, value in enumerate(values, start=1):
                self.writer.add_scalar(f"grad_norm/{name}", value, epoch)
        self.writer.close()
