"""Looking inside the network: activation statistics, feature maps, gradient norms and weight histograms.

A probe runs a fixed batch through the model in eval mode without gradients, with forward hooks
on the leaf modules that exist only for that pass, so steps without a probe pay nothing. Every
result is detached, small and on the CPU. Histograms count an evenly strided sample of at most
``MAX_HIST_VALUES`` values (30 bins need no more) over the full tensor's ``[low, high]``; the
statistics (mean, std, zero fraction, range) use every value.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional

BINS = 30
MAX_CHANNELS = 16
MAX_MAP_SIDE = 32
MAX_HIST_VALUES = 16_384  # larger tensors are histogrammed on an evenly strided sample of about this many values


@dataclass(frozen=True)
class Histogram:
    """``counts`` (BINS values, float) over the equal-width bins spanning ``[low, high]``.

    For tensors over ``MAX_HIST_VALUES`` values the counts are those of an evenly strided sample.
    """

    counts: torch.Tensor
    low: float
    high: float


@dataclass(frozen=True)
class ActivationStats:
    """Statistics of one layer's output on the probe batch; ``zero_fraction`` shows dead ReLUs."""

    mean: float
    std: float
    zero_fraction: float
    histogram: Histogram


@dataclass
class Probe:
    """One look inside the model at ``step``."""

    step: int
    epoch: int
    activations: dict[str, ActivationStats] = field(default_factory=dict)
    feature_maps: dict[str, torch.Tensor] = field(default_factory=dict)  # (≤16, ≤32, ≤32) of sample 0
    grad_norms: dict[str, float] = field(default_factory=dict)  # module → ‖grad‖ of its own parameters
    weights: dict[str, Histogram] = field(default_factory=dict)  # "module.param" → histogram (≤ 16,384 values)


class ProbeRecorder:
    """Captures :class:`Probe` objects for ``model`` on a fixed probe batch (``inputs`` on the model's device)."""

    def __init__(self, model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        self.model = model
        self.inputs = tuple(t.detach() for t in inputs)
        self.leaves = [(name, m) for name, m in model.named_modules() if name and not any(True for _ in m.children())]
        self.owners = [(name, m) for name, m in model.named_modules() if any(True for _ in m.parameters(False))]

    def capture(self, step: int, epoch: int) -> Probe:
        """Run the probe batch and read gradients and weights (gradients of the last training step)."""
        probe = Probe(step, epoch)
        raw_stats: dict[str, torch.Tensor] = {}
        raw_hists: dict[str, torch.Tensor] = {}
        maps: dict[str, torch.Tensor] = {}

        def hook_for(name: str):
            def hook(module: nn.Module, args: object, output: object) -> None:
                tensor = output[0] if isinstance(output, (tuple, list)) else output
                if not isinstance(tensor, torch.Tensor) or not tensor.is_floating_point() or tensor.numel() == 0:
                    return
                x = tensor.detach().float()
                low, high = torch.aminmax(x)
                raw_stats[name] = torch.stack([x.mean(), x.std(unbiased=False), (x == 0).float().mean(), low, high])
                raw_hists[name] = histogram_counts(x, low, high)
                if x.dim() == 4 and x.shape[-2] * x.shape[-1] > 1:  # 1×1 maps show nothing
                    fmap = x[0, :MAX_CHANNELS]
                    if max(fmap.shape[-2:]) > MAX_MAP_SIDE:
                        fmap = functional.adaptive_avg_pool2d(fmap, (min(fmap.shape[-2], MAX_MAP_SIDE),
                                                                     min(fmap.shape[-1], MAX_MAP_SIDE)))
                    maps[name] = fmap
            return hook

        handles = [module.register_forward_hook(hook_for(name)) for name, module in self.leaves]
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                self.model(*self.inputs)
        finally:
            self.model.train(was_training)
            for handle in handles:
                handle.remove()
        for name, stats in raw_stats.items():
            mean, std, zeros, low, high = stats.cpu().tolist()
            probe.activations[name] = ActivationStats(mean, std, zeros, Histogram(raw_hists[name].cpu(), low, high))
        # copies: a view would keep (and ship, when pickled) the whole batch's activations
        probe.feature_maps = {name: fmap.to("cpu", copy=True) for name, fmap in maps.items()}
        probe.grad_norms = self._grad_norms()
        probe.weights = self._weight_histograms()
        return probe

    def _grad_norms(self) -> dict[str, float]:
        names, norms = [], []
        for name, module in self.owners:
            grads = [p.grad.detach().float() for p in module.parameters(False) if p.grad is not None]
            if grads:
                names.append(name or "(model)")
                norms.append(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))
        return dict(zip(names, torch.stack(norms).cpu().tolist())) if norms else {}

    def _weight_histograms(self) -> dict[str, Histogram]:
        hists = {}
        with torch.no_grad():
            for name, module in self.owners:
                for pname, param in module.named_parameters(recurse=False):
                    if pname.startswith("weight") and param.numel() > 1:
                        w = param.detach().float()
                        low, high = torch.aminmax(w)
                        key = f"{name}.{pname}" if name else pname
                        hists[key] = (histogram_counts(w, low, high), low, high)
        return {k: Histogram(c.cpu(), float(lo), float(hi)) for k, (c, lo, hi) in hists.items()}


def histogram_counts(x: torch.Tensor, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    """BINS equal-width bin counts (float) of ``x`` over ``[low, high]`` (0-d tensors: no device sync).

    Like ``torch.histc`` (a value equal to ``high`` falls in the last bin); tensors over
    ``MAX_HIST_VALUES`` values are counted on an evenly strided sample.
    """
    flat = x.reshape(-1)
    if flat.numel() > MAX_HIST_VALUES:
        flat = flat[:: -(-flat.numel() // MAX_HIST_VALUES)]
    scale = BINS / (high - low).clamp_min(torch.finfo(flat.dtype).tiny)
    index = ((flat - low) * scale).long().clamp_(0, BINS - 1)
    return torch.bincount(index, minlength=BINS).float()
