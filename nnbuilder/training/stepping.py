"""The training loop's per-step pieces: forward, optimizer and scheduler steps, LR changes, unfreezing, NaN stop."""
from __future__ import annotations

import torch

from nnbuilder.training.device import autocast
from nnbuilder.training.divergence import likely_cause
from nnbuilder.training.optim import current_lrs, penalized_weights, unfreeze_modules


class SteppingMixin:
    """What :class:`~nnbuilder.training.engine.Trainer` does around each optimizer step; it uses the trainer's state."""

    def _lr_changed(self) -> None:
        """Record a learning-rate change (or the first LRs of the run) and tell the listeners."""
        lrs = current_lrs(self.optimizer)
        result = self.result
        if not result.lr_changes or result.lr_changes[-1][1] != lrs:
            result.lr_changes.append((self.step, lrs))
            self.callbacks.on_lr(self, self.step, lrs)

    def _forward(self, inputs: tuple[torch.Tensor, ...],
                 targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Output, aligned target and loss of one batch (under autocast for mixed precision)."""
        with autocast(self.config.precision, self.device):
            output = self.model(*inputs)
            aligned = self.loss_fn.align(output, targets)
            return output, aligned, self.loss_fn.fn(output, aligned)

    def _apply_unfreeze(self, epoch: int) -> None:
        """Staged unfreezing: make every block scheduled up to this epoch trainable (idempotent, so resume works)."""
        newly = []
        for name, module in unfreeze_modules(self.model, self.config, epoch + 1):
            frozen = [p for p in module.parameters() if not p.requires_grad]
            if frozen:
                for p in frozen:
                    p.requires_grad_(True)
                newly.append(name)
        if newly:
            self.penalized = penalized_weights(self.model)
            self.callbacks.on_unfreeze(self, epoch, newly)

    def _optimizer_step(self, total: torch.Tensor) -> None:
        """Backward, optional clipping, optimizer step (through the scaler for fp16) and a per-step scheduler step."""
        clip = self.config.grad_clip
        if self.scaler is not None:
            self.scaler.scale(total).backward()
            if clip is not None:
                self.scaler.unscale_(self.optimizer)
                self._clip(clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            total.backward()
            if clip is not None:
                self._clip(clip)
            self.optimizer.step()
        if self.interval == "step":
            self.scheduler.step()

    def _clip(self, clip: object) -> None:
        """Clip the gradients by value and/or by norm as ``config.grad_clip`` says."""
        params = self._params
        if clip.value is not None:
            torch.nn.utils.clip_grad_value_(params, clip.value)
        if clip.max_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, clip.max_norm)

    def _stop_for_nan(self, epoch: int, value: float) -> str:
        """Restore the last good weights, explain the non-finite loss in the result and return "nan"."""
        restored = self.last_good.restore()
        where = f"step {self.last_good.step}" if restored else "the start"
        self.result.message = (f"loss became {value} at epoch {epoch + 1} (step {self.step}); weights restored "
                               f"to {where}; {likely_cause(self, value)}.")
        return "nan"

    def _step_epoch_scheduler(self, epoch: int, metrics: dict) -> None:
        """Step a per-epoch or plateau scheduler at an epoch's end (telling listeners of a plateau reduction)."""
        if self.interval == "epoch":
            self.scheduler.step()
        elif self.interval == "plateau":
            old = current_lrs(self.optimizer)
            self.scheduler.step(metrics[self.plateau_monitor])
            new = current_lrs(self.optimizer)
            if new != old:
                self.callbacks.on_lr_reduced(self, epoch, old, new)
