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
    return "binary" if loss.type == "BCEWithLogitsLoss" else "regression"


class LossFunction:
    """The configured loss; aligns targets to the output (shape, dtype) and names mismatches."""

    def __init__(self, config: LossConfig, device: torch.device) -> None:
        self.name = config.type
        self.target_kind = LOSSES[config.type].target
        self.fn = build_loss(config.type, config.params).to(device)

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
    """Sums loss and task metrics over batches on the device; :meth:`result` reads them back once.

    Regression outputs are kept (detached) and reduced in bulk, folding every ``FOLD`` elements,
    so a training step pays no extra kernels for MAE and R².
    """

    FOLD = 1 << 22

    def __init__(self, kind: str, device: torch.device) -> None:
        self.kind = kind
        self._pending: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._pending_elements = 0
        dtype = torch.float32 if device.type == "mps" else torch.float64
        self._loss = torch.zeros((), dtype=dtype, device=device)
        self._correct = torch.zeros((), dtype=torch.int64 if device.type != "mps" else torch.int32, device=device)
        self._regression = torch.zeros(4, dtype=dtype, device=device)  # |e|, e², y, y²
        self._host_loss = 0.0
        self.samples = 0
        self.elements = 0

    def add(self, loss: torch.Tensor, output: torch.Tensor, aligned: torch.Tensor,
            loss_value: float | None = None) -> None:
        """Add one batch: ``loss`` is the batch mean (``loss_value`` if already read back), ``aligned`` the target."""
        n = output.shape[0]
        self.samples += n
        with torch.no_grad():
            if loss_value is None:
                self._loss += loss.detach().to(self._loss.dtype) * n
            else:
                self._host_loss += loss_value * n
            out = output.detach()
            if self.kind == "classification":
                self._correct += (out.argmax(dim=1) == aligned).sum()
            elif self.kind == "binary":
                self._correct += ((out > 0) == (aligned > 0.5)).sum()
            else:
                self._pending.append((out, aligned.detach()))
                self._pending_elements += aligned.numel()
                if self._pending_elements >= self.FOLD:
                    self._fold()
            self.elements += aligned.numel()

    def _fold(self) -> None:
        if not self._pending:
            return
        out = torch.cat([o.reshape(-1) for o, _ in self._pending]).to(self._regression.dtype)
        y = torch.cat([t.reshape(-1) for _, t in self._pending]).to(self._regression.dtype)
        err = out - y
        self._regression += torch.stack([err.abs().sum(), err.dot(err), y.sum(), y.dot(y)])
        self._pending, self._pending_elements = [], 0

    def result(self, prefix: str = "") -> dict[str, float]:
        """Mean loss and accuracy (classification/binary) or MAE and R² (regression)."""
        if self.samples == 0:
            return {}
        metrics = {f"{prefix}loss": (self._loss.item() + self._host_loss) / self.samples}
        n = max(1, self.elements)
        if self.kind in ("classification", "binary"):
            metrics[f"{prefix}accuracy"] = self._correct.item() / n
        else:
            self._fold()
            abs_err, sq_err, y_sum, y_sq = self._regression.tolist()
            total = y_sq - y_sum * y_sum / n
            metrics[f"{prefix}mae"] = abs_err / n
            metrics[f"{prefix}r2"] = 1.0 - sq_err / total if total > 0 else float("nan")
        return metrics
