"""The loss with target alignment, and metrics accumulated on the device (read back once per epoch)."""
from __future__ import annotations

import torch

from nnbuilder.training.config import LossConfig
from nnbuilder.training.errors import DataError
from nnbuilder.training.registry import LOSSES, build_loss


def metric_kind(loss: LossConfig) -> str:
    """"classification" (class-index targets), "binary" (logits vs 0/1) or "regression"."""
    if LOSSES[loss.type].target == "index":
        return "classification"
    return "binary" if loss.type in ("BCEWithLogitsLoss", "BCELoss") else "regression"


def decision_threshold(loss: LossConfig) -> float:
    """Where a binary output flips to class 1: 0 for logits, 0.5 for BCELoss's probabilities."""
    return 0.5 if loss.type == "BCELoss" else 0.0


class StandardizedLoss(torch.nn.Module):
    """``loss((output - mean) / std, (target - mean) / std)``: a regression loss on the standardised scale.

    The model returns predictions in the data's own units (its ``target_mean``/``target_std``
    buffers undo the standardisation), so metrics stay in those units while the loss, and with it
    the gradients, has the scale a learning rate expects whatever the targets' size (e.g. 5e5).
    """

    def __init__(self, loss: torch.nn.Module, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.loss = loss
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).reshape(-1))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32).reshape(-1))

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        shape = output.shape[1:] if self.mean.numel() > 1 else ()
        mean, std = self.mean.reshape(shape), self.std.reshape(shape)
        return self.loss((output - mean) / std, (target - mean) / std)


class LossFunction:
    """The configured loss; aligns targets to the output (shape, dtype) and names mismatches.

    ``target_scale`` (mean, std of the training targets) makes a regression loss work on the
    standardised scale (:class:`StandardizedLoss`); class losses ignore it.
    """

    def __init__(self, config: LossConfig, device: torch.device,
                 target_scale: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        self.name = config.type
        self.target_kind = LOSSES[config.type].target
        fn = build_loss(config.type, config.params)
        if target_scale is not None and self.target_kind != "index":
            fn = StandardizedLoss(fn, *target_scale)
        self.fn = fn.to(device)

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.fn(output, self.align(output, target))

    def align(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Reshape/cast ``target`` for this loss (metadata only, no device sync)."""
        if not isinstance(output, torch.Tensor):
            raise DataError(f"{self.name}: the model returned {type(output).__name__}; a single tensor is needed")
        if self.target_kind == "index":
            if target.is_floating_point():
                raise DataError(f"{self.name}: targets must be integer class indices, got dtype {target.dtype}")
            if target.dim() == output.dim() and target.shape[1:2] == (1,):
                target = target.squeeze(1)
            if target.shape[0] != output.shape[0] or target.dim() != output.dim() - 1:
                raise DataError(f"{self.name}: model output {tuple(output.shape)} needs targets of shape "
                                f"{(output.shape[0], *output.shape[2:])}, got {tuple(target.shape)}")
            return target.long() if target.dtype != torch.long else target
        if not target.is_floating_point():
            target = target.float()
        if target.shape != output.shape:
            if target.numel() != output.numel():
                raise DataError(f"{self.name}: model output shape {tuple(output.shape)} does not match target "
                                f"shape {tuple(target.shape)} (check the last layer's size)")
            target = target.reshape(output.shape)
        return target


class MetricAccumulator:
    """Sums loss and task metrics over batches; :meth:`result` reads them back once.

    Each step reduces its detached outputs and targets at once into one small preallocated buffer on
    their device (the correct count, or the sums |e|, e², y, y² for MAE and R²), without a sync, so no
    step's outputs stay alive until the epoch ends (held outputs fragment the allocator and raise the
    peak memory of a run).  A loss already read back (``loss_value``) is summed on the host; otherwise it
    is summed on the device, without a sync.
    """

    def __init__(self, kind: str, device: torch.device, threshold: float = 0.0) -> None:
        self.kind = kind
        self.threshold = threshold  # binary: logits > 0, or probabilities > 0.5 (BCELoss)
        self.device = device
        self._dtype = torch.float32 if device.type == "mps" else torch.float64
        self._sums: torch.Tensor | None = None  # correct count, or (|e|, e², y, y²) sums; made on first use
        self._device_loss: torch.Tensor | None = None  # Σ loss × batch size, not read back yet
        self._host_loss = 0.0
        self.samples = 0
        self.elements = 0

    def add(self, loss: torch.Tensor, output: torch.Tensor, aligned: torch.Tensor,
            loss_value: float | None = None) -> None:
        """Add one batch: ``loss`` is the batch mean (``loss_value`` if already read back), ``aligned`` the target."""
        n = output.shape[0]
        self.samples += n
        if loss_value is None:
            if self._device_loss is None:
                self._device_loss = torch.zeros((), dtype=self._dtype, device=loss.device)
            self._device_loss.add_(loss.detach(), alpha=n)
        else:
            self._host_loss += loss_value * n
        self.elements += aligned.numel()
        self._reduce(output.detach(), aligned.detach())

    def _reduce(self, out: torch.Tensor, y: torch.Tensor) -> None:
        """Add this batch's sums into the buffer (on the outputs' device, no sync)."""
        if self.kind in ("classification", "binary"):
            if self._sums is None:
                self._sums = torch.zeros((), dtype=torch.int64, device=out.device)
            correct = out.argmax(dim=1) == y if self.kind == "classification" else (out > self.threshold) == (y > 0.5)
            self._sums.add_(correct.sum())
            return
        if self._sums is None:
            self._sums = torch.zeros(4, dtype=self._dtype, device=out.device)
        out, y = out.reshape(-1).to(self._dtype), y.reshape(-1).to(self._dtype)
        err = out - y
        self._sums.add_(torch.stack([torch.linalg.vector_norm(err, 1), err.dot(err), y.sum(), y.dot(y)]))

    def state(self) -> dict:
        """The sums so far as plain numbers (a mid-epoch checkpoint); :meth:`load_state` continues from them."""
        loss = self._host_loss + (self._device_loss.item() if self._device_loss is not None else 0.0)
        return {"loss": loss, "samples": self.samples, "elements": self.elements,
                "sums": self._sums.tolist() if self._sums is not None else None}

    def load_state(self, state: dict) -> None:
        """Continue from what :meth:`state` returned."""
        self._host_loss, self.samples, self.elements = float(state["loss"]), int(state["samples"]), \
            int(state["elements"])
        sums = state.get("sums")
        if sums is not None:
            dtype = torch.int64 if self.kind in ("classification", "binary") else self._dtype
            self._sums = torch.tensor(sums, dtype=dtype, device=self.device)

    def result(self, prefix: str = "") -> dict[str, float]:
        """Mean loss and accuracy (classification/binary) or MAE and R² (regression)."""
        if self.samples == 0:
            return {}
        loss = self._host_loss
        if self._device_loss is not None:
            loss += self._device_loss.item()
        metrics = {f"{prefix}loss": loss / self.samples}
        n = max(1, self.elements)
        folded = self._sums
        if self.kind in ("classification", "binary"):
            metrics[f"{prefix}accuracy"] = int(folded.item()) / n
        else:
            abs_err, sq_err, y_sum, y_sq = folded.tolist()
            total = y_sq - y_sum * y_sum / n
            metrics[f"{prefix}mae"] = abs_err / n
            metrics[f"{prefix}r2"] = 1.0 - sq_err / total if total > 0 else float("nan")
        return metrics
