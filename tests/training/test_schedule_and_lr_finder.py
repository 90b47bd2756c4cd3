"""The LR schedule preview matches what the engine used; the LR finder suggests an LR and restores state."""
from __future__ import annotations

import pytest
import torch
from training_helpers import TwoPart, config, mlp, regression_bundle, same_weights, weights

from nnbuilder.training import Trainer, find_lr, preview_schedule
from nnbuilder.training.lr_finder import suggest_lr
from nnbuilder.training.optim import build_optimizer

SCHEDULES = [
    {"type": "StepLR", "step_size": 2, "gamma": 0.5},
    {"type": "ExponentialLR", "gamma": 0.7},
    {"type": "CosineAnnealingLR", "eta_min": 0.001},
    {"type": "OneCycleLR", "max_lr": 0.2, "anneal_strategy": "linear"},
    {"type": "LinearWarmup", "warmup_steps": 10, "cosine": True, "min_lr_ratio": 0.1},
    {"type": "LinearWarmup", "warmup_epochs": 2},
    None,
]


@pytest.mark.parametrize("scheduler", SCHEDULES, ids=lambda s: s["type"] if s else "constant")
def test_preview_equals_the_lrs_the_engine_used(scheduler: dict | None) -> None:
    cfg = config(epochs=5, scheduler=scheduler, lr_multipliers={"backbone": 0.5})
    result = Trainer(TwoPart(), regression_bundle(), cfg).run()
    preview = preview_schedule(cfg, steps_per_epoch=8, epochs=5)
    assert preview.exact and len(preview) == result.steps == 40
    assert preview == pytest.approx(result.lr_per_step(0), rel=1e-12)
    if "eta_min" not in (scheduler or {}):  # an absolute floor is not scaled by the group multiplier
        assert [lr * 0.5 for lr in preview] == pytest.approx(result.lr_per_step(1), rel=1e-12)
    if scheduler is not None:
        assert len(set(preview)) > 1


def test_plateau_preview_is_flagged_as_not_exact() -> None:
    cfg = config(scheduler={"type": "ReduceLROnPlateau", "factor": 0.5})
    preview = preview_schedule(cfg, steps_per_epoch=3)
    assert preview == [0.05] * 15 and not preview.exact and "ReduceLROnPlateau" in preview.note


def test_lr_finder_suggests_an_lr_and_leaves_model_and_optimizer_unchanged() -> None:
    model = mlp(1)
    cfg = config(optimizer={"type": "SGD", "lr": 0.01, "momentum": 0.9})
    optimizer = build_optimizer(model, cfg)
    x = torch.randn(4, 2)
    model(x).sum().backward()
    optimizer.step()  # give the optimizer momentum buffers worth restoring
    before_weights, before_state = weights(model), optimizer.state_dict()
    before_buffers = [t.clone() for t in (before_state["state"][i]["momentum_buffer"] for i in before_state["state"])]
    rng = torch.get_rng_state()
    result = find_lr(model, regression_bundle(), cfg, num_steps=60, batch_size=64, optimizer=optimizer)
    assert same_weights(weights(model), before_weights)
    after = optimizer.state_dict()
    assert all(torch.equal(a, after["state"][i]["momentum_buffer"]) for a, i in zip(before_buffers, after["state"]))
    assert [g["lr"] for g in optimizer.param_groups] == [0.01]
    assert torch.equal(torch.get_rng_state(), rng)
    assert result.diverged and len(result.lrs) < 60
    assert result.lrs[0] == pytest.approx(1e-7) and all(b > a for a, b in zip(result.lrs, result.lrs[1:]))
    assert 1e-5 < result.suggestion < result.lrs[-1]


def test_suggestion_rules_on_a_known_curve() -> None:
    lrs = [10 ** (k / 10) for k in range(-60, 1)]  # 1e-6 .. 1
    losses = [1.0 if lr < 1e-4 else (max(0.1, 1.0 - 0.3 * (torch.log10(torch.tensor(lr)).item() + 4) ** 2)
              if lr < 0.1 else 5.0) for lr in lrs]
    assert suggest_lr(lrs, losses, "min_div10") == pytest.approx(lrs[losses.index(min(losses))] / 10)
    steep = suggest_lr(lrs, losses, "steepest")
    assert 1e-4 < steep < lrs[losses.index(min(losses))]
    assert suggest_lr(lrs[:2], losses[:2]) is None
