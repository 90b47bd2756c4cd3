"""Learning-rate range test: sweep the LR exponentially, watch the loss, suggest an LR, restore everything."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from nnbuilder.data.bundle import DataBundle
from nnbuilder.training.batching import BatchSource
from nnbuilder.training.config import TrainingConfig
from nnbuilder.training.device import resolve_device, rng_state, set_rng_state
from nnbuilder.training.engine import DEFAULT_BATCH_SIZE
from nnbuilder.training.metrics import LossFunction
from nnbuilder.training.optim import build_optimizer

METHODS = ("steepest", "min_div10")


@dataclass
class LRFinderResult:
    """LRs tried, raw and smoothed losses, and the suggested LR (None when the curve gives no answer)."""

    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    suggestion: float | None = None
    method: str = "steepest"
    diverged: bool = False


def find_lr(model: nn.Module, bundle: DataBundle, config: TrainingConfig, *, start_lr: float = 1e-7,
            end_lr: float = 10.0, num_steps: int = 100, method: str = "steepest", diverge_factor: float = 4.0,
            batch_size: int | None = None, optimizer: torch.optim.Optimizer | None = None) -> LRFinderResult:
    """Train ``num_steps`` steps with the LR growing from ``start_lr`` to ``end_lr``; stop on divergence.

    The model's weights and buffers, ``optimizer``'s state (when one is given) and the global RNGs
    are restored exactly afterwards. ``method``: "steepest" (fastest loss descent) or "min_div10"
    (the LR of the lowest loss divided by 10). ``batch_size`` overrides the config's for the sweep.
    """
    if not 0 < start_lr < end_lr:
        raise ValueError(f"find_lr: need 0 < start_lr < end_lr, got start_lr={start_lr}, end_lr={end_lr}")
    if num_steps < 2:
        raise ValueError(f"find_lr: num_steps must be >= 2, got {num_steps}")
    if method not in METHODS:
        raise ValueError(f"find_lr: method must be one of {', '.join(METHODS)}, got {method!r}")
    device = resolve_device(config.device)
    model.to(device)
    saved_model = {k: v.detach().clone() for k, v in model.state_dict().items()}
    saved_opt = _clone_state(optimizer.state_dict()) if optimizer is not None else None
    saved_rng = rng_state()
    was_training = model.training
    try:
        return _sweep(model, bundle, config, device, start_lr, end_lr, num_steps, method, diverge_factor,
                      batch_size, optimizer)
    finally:
        model.load_state_dict(saved_model)
        model.train(was_training)
        if optimizer is not None:
            optimizer.load_state_dict(saved_opt)
        set_rng_state(saved_rng)


def _sweep(model: nn.Module, bundle: DataBundle, config: TrainingConfig, device: torch.device, start_lr: float,
           end_lr: float, num_steps: int, method: str, diverge_factor: float, batch_size: int | None,
           optimizer: torch.optim.Optimizer | None) -> LRFinderResult:
    opt = optimizer or build_optimizer(model, config)
    generator = torch.Generator().manual_seed(config.seed or 0)
    size = batch_size or config.batch_size or DEFAULT_BATCH_SIZE
    source = BatchSource(bundle.train, "train", device, size, True, generator)
    loss_fn = LossFunction(config.loss, device)
    result = LRFinderResult(method=method)
    model.train()
    avg, best, beta = 0.0, math.inf, 0.9
    step = 0
    while step < num_steps:
        for inputs, targets in source:
            lr = start_lr * (end_lr / start_lr) ** (step / (num_steps - 1))
            for group in opt.param_groups:
                group["lr"] = lr * group.get("lr_multiplier", 1.0)
            output = model(*inputs)
            loss = loss_fn(output, targets)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            value = loss.item()
            avg = beta * avg + (1 - beta) * value
            smooth = avg / (1 - beta ** (step + 1))
            result.lrs.append(lr)
            result.losses.append(value)
            result.smoothed.append(smooth)
            step += 1
            if not math.isfinite(smooth) or smooth > diverge_factor * best:
                result.diverged = True
                step = num_steps
            best = min(best, smooth)
            if step >= num_steps:
                break
    result.suggestion = suggest_lr(result.lrs, result.smoothed, method)
    return result


def suggest_lr(lrs: list[float], smoothed: list[float], method: str = "steepest") -> float | None:
    """The LR of steepest descent of the smoothed loss (in log-LR) before its minimum, or min-loss LR / 10."""
    finite = [(lr, loss) for lr, loss in zip(lrs, smoothed) if math.isfinite(loss)]
    if len(finite) < 3:
        return None
    low = min(range(len(finite)), key=lambda i: finite[i][1])
    if method == "min_div10":
        return finite[low][0] / 10
    width = max(1, len(finite) // 10)  # slope over ±width points: robust to batch noise
    candidates = range(width, min(low, len(finite) - width))
    slopes = {i: (finite[i + width][1] - finite[i - width][1]) / math.log(finite[i + width][0] / finite[i - width][0])
              for i in candidates}
    if not slopes:
        return finite[low][0] / 10
    return finite[min(slopes, key=slopes.get)][0]


def _clone_state(state: object) -> object:
    if isinstance(state, torch.Tensor):
        return state.detach().clone()
    if isinstance(state, dict):
        return {k: _clone_state(v) for k, v in state.items()}
    if isinstance(state, list):
        return [_clone_state(v) for v in state]
    return state
