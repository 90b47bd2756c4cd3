"""Per-layer gradient norms per epoch, recorded by a callback (how vanishing gradients are seen headless).

Every ``every``-th step (about ``samples_per_epoch`` per epoch) the L2 norm of each
layer's gradient is added to a device tensor with a few fused kernels and no
host sync; the epoch's mean is read back once, at the epoch end, and lands in
``result.extra["grad_norm"]`` as ``{node id: [one value per epoch]}``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch

from nnbuilder.training.callbacks import Callback

if TYPE_CHECKING:
    from nnbuilder.training.engine import Trainer
    from nnbuilder.training.result import RunPlan, TrainResult


class GradNormRecorder(Callback):
    """Records the mean gradient L2 norm of every layer with trainable weights, per epoch.

    ``layers`` maps a top-level module attribute to the name to report (the node id;
    ``CompiledModel.code.attr_of`` inverted); by default the attribute names are used.
    """

    def __init__(self, layers: Mapping[str, str] | None = None, samples_per_epoch: int = 16) -> None:
        self.layers = dict(layers) if layers is not None else None
        self.samples_per_epoch = max(1, samples_per_epoch)
        self.grad_norm: dict[str, list[float]] = {}
        self._names: list[str] = []
        self._params: list[torch.nn.Parameter] = []
        self._index: torch.Tensor | None = None
        self._sums: torch.Tensor | None = None
        self._scratch: torch.Tensor | None = None
        self._count = 0
        self._pending: tuple[list[float], int] | None = None  # a resumed epoch's sums and count so far
        self.every = 1

    def on_run_start(self, trainer: Trainer, plan: RunPlan) -> None:
        names, params, index = [], [], []
        for attr, module in trainer.model.named_children():
            owned = [p for p in module.parameters() if p.requires_grad]
            if not owned:
                continue
            label = self.layers.get(attr, attr) if self.layers is not None else attr
            names.append(label)
            params.extend(owned)
            index.extend([len(names) - 1] * len(owned))
        device = trainer.device
        self._names, self._params = names, params
        self._index = torch.tensor(index, dtype=torch.long, device=device)
        self._sums = torch.zeros(len(names), dtype=torch.float32, device=device)
        self._scratch = torch.zeros_like(self._sums)
        if self._pending is not None and len(self._pending[0]) == len(names):
            self._sums = torch.tensor(self._pending[0], dtype=torch.float32, device=device)
            self._count = self._pending[1]
        self._pending = None
        self.grad_norm = {name: self.grad_norm.get(name, []) for name in names}  # resume keeps earlier epochs
        self.every = max(1, plan.steps_per_epoch // self.samples_per_epoch)

    def on_batch_end(self, trainer: Trainer, step: int, epoch: int, loss: float | None) -> None:
        if step % self.every or not self._params:
            return
        grads = [p.grad for p in self._params]
        if any(g is None for g in grads):  # a layer the loss did not reach this step counts as 0
            grads = [g if g is not None else torch.zeros((), device=p.device) for g, p in zip(grads, self._params)]
        squares = torch.stack(torch._foreach_norm(grads)).float().square()
        self._scratch.zero_().index_add_(0, self._index, squares)
        self._sums.add_(self._scratch.sqrt_())
        self._count += 1

    def on_epoch_end(self, trainer: Trainer, epoch: int, metrics: dict[str, Any]) -> None:
        if not self._names:
            return
        means = (self._sums / max(1, self._count)).tolist()
        for name, value in zip(self._names, means):
            self.grad_norm[name].append(float(value))
        self._sums.zero_()
        self._count = 0

    def on_run_end(self, trainer: Trainer, result: TrainResult) -> None:
        result.extra["grad_norm"] = {name: list(values) for name, values in self.grad_norm.items()}

    def state_dict(self, trainer: Trainer) -> dict[str, Any]:
        """The recorded epochs and the epoch in progress (a checkpoint is written before ``on_epoch_end``:
        when the trainer's history already holds the epoch, its mean is recorded here as finished)."""
        done = len(trainer.result.history)
        norms = {name: list(values) for name, values in self.grad_norm.items()}
        sums = self._sums.tolist() if self._sums is not None else []
        count = self._count
        if self._names and any(len(norms[name]) < done for name in self._names):
            for name, value in zip(self._names, (s / max(1, count) for s in sums)):
                norms[name].append(float(value))
            sums, count = [0.0] * len(sums), 0
        return {"grad_norm": norms, "sums": sums, "count": count}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        norms, sums, count = state["grad_norm"], state["sums"], state["count"]
        if not (isinstance(norms, dict) and all(isinstance(v, list) for v in norms.values())
                and isinstance(sums, list) and isinstance(count, int)):
            raise TypeError("expected {'grad_norm': {layer: [float, ...]}, 'sums': [float, ...], 'count': int}")
        self.grad_norm = {str(name): [float(v) for v in values] for name, values in norms.items()}
        self._pending = ([float(v) for v in sums], count)


def node_names(compiled: Any) -> dict[str, str]:
    """Module attribute → node id for a ``CompiledModel`` (the keys ``grad_norm`` is reported under)."""
    return {attr: node_id for node_id, attr in compiled.code.attr_of.items()}
