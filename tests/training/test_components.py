"""Every registered loss, optimizer and scheduler trains a tiny model; penalties, clipping, init, LR groups."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from training_helpers import (
    TwoPart,
    binary_bundle,
    classes_bundle,
    config,
    mlp,
    regression_bundle,
    same_weights,
    weights,
)

from nnbuilder.training import Callback, Trainer
from nnbuilder.training.config import RegularizationConfig
from nnbuilder.training.optim import penalized_weights, regularization_penalty


def val_loss_before_and_after(model: nn.Module, bundle, cfg, callbacks=()) -> tuple[float, float, Trainer]:
    trainer = Trainer(model, bundle, cfg, list(callbacks))
    trainer.setup()
    before = trainer.evaluate(trainer.val_source)["loss"]
    result = trainer.run()
    return before, result.history[-1]["val_loss"], trainer


LOSS_CASES = {
    "MSELoss": (regression_bundle, lambda: mlp(1)),
    "L1Loss": (regression_bundle, lambda: mlp(1)),
    "HuberLoss": (regression_bundle, lambda: mlp(1)),
    "CrossEntropyLoss": (classes_bundle, lambda: mlp(3)),
    "NLLLoss": (classes_bundle, lambda: nn.Sequential(mlp(3), nn.LogSoftmax(dim=1))),
    "BCEWithLogitsLoss": (binary_bundle, lambda: mlp(1)),
}


@pytest.mark.parametrize("loss", sorted(LOSS_CASES))
def test_each_loss_lowers_the_validation_loss(loss: str) -> None:
    make_bundle, make_model = LOSS_CASES[loss]
    cfg = config(loss=loss, optimizer={"type": "Adam", "lr": 0.01}, epochs=8)
    before, after, trainer = val_loss_before_and_after(make_model(), make_bundle(), cfg)
    assert after < 0.7 * before, (before, after)
    metrics = trainer.result.history[-1]
    if loss in ("CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss"):
        assert metrics["val_accuracy"] > 0.8
    else:
        assert 0 < metrics["val_mae"] and metrics["val_r2"] > 0.3


OPTIMIZER_CASES = [
    {"type": "SGD", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-4},
    {"type": "Adam", "lr": 0.01, "betas": [0.9, 0.99]},
    {"type": "AdamW", "lr": 0.01, "weight_decay": 0.01},
    {"type": "RMSprop", "lr": 0.003, "alpha": 0.9},
    {"type": "Adagrad", "lr": 0.1},
    {"type": "Adadelta", "lr": 1.0, "rho": 0.9},
]


@pytest.mark.parametrize("optimizer", OPTIMIZER_CASES, ids=lambda o: o["type"])
def test_each_optimizer_lowers_the_validation_loss(optimizer: dict) -> None:
    before, after, trainer = val_loss_before_and_after(mlp(1), regression_bundle(), config(optimizer=optimizer))
    assert type(trainer.optimizer).__name__ == optimizer["type"]
    assert after < 0.7 * before, (before, after)


SCHEDULER_CASES = [
    ({"type": "StepLR", "step_size": 2, "gamma": 0.5}, 0.05 * 0.25),
    ({"type": "ExponentialLR", "gamma": 0.8}, 0.05 * 0.8 ** 4),
    ({"type": "CosineAnnealingLR", "T_max": 8}, 0.05 * 0.5 * (1 + math.cos(math.pi * 4 / 8))),
    ({"type": "OneCycleLR", "max_lr": 0.1}, None),
    ({"type": "LinearWarmup", "warmup_epochs": 1, "cosine": True}, None),
    ({"type": "ReduceLROnPlateau", "factor": 0.5, "patience": 1}, None),
]


@pytest.mark.parametrize(("scheduler", "last_epoch_lr"), SCHEDULER_CASES, ids=[s["type"] for s, _ in SCHEDULER_CASES])
def test_each_scheduler_trains_and_sets_the_documented_lr(scheduler: dict, last_epoch_lr: float | None) -> None:
    cfg = config(optimizer={"type": "SGD", "lr": 0.05, "momentum": 0.9}, scheduler=scheduler)
    before, after, trainer = val_loss_before_and_after(mlp(1), regression_bundle(), cfg)
    assert after < 0.7 * before, (before, after)
    lrs = [h["lr"][0] for h in trainer.result.history]
    if last_epoch_lr is not None:
        assert lrs[-1] == pytest.approx(last_epoch_lr)
    if scheduler["type"] in ("OneCycleLR", "LinearWarmup"):
        per_step = trainer.result.lr_per_step()
        assert len(per_step) == trainer.step and max(per_step) > per_step[0] and per_step[-1] < max(per_step)


def test_reduce_on_plateau_halves_the_lr_and_tells_listeners() -> None:
    events = []

    class Listener(Callback):
        def on_lr_reduced(self, trainer, epoch, old, new):
            events.append((epoch, old[0], new[0]))
    cfg = config(optimizer={"type": "SGD", "lr": 1e-6}, epochs=4,
                 scheduler={"type": "ReduceLROnPlateau", "factor": 0.5, "patience": 0, "threshold": 0.5})
    Trainer(mlp(1), regression_bundle(), cfg, [Listener()]).run()
    assert [e[0] for e in events] == [1, 2, 3]
    assert all(new == pytest.approx(old / 2) for _, old, new in events)


def weight_l1(model: nn.Module) -> float:
    return sum(p.abs().sum().item() for p in model.parameters() if p.dim() >= 2)


@pytest.mark.parametrize("regularization", [{"l1": 0.01}, {"l2": 0.05}, {"elastic_net": {"alpha": 0.02, "l1_ratio": 0.5}}])
def test_penalties_shrink_the_weights(regularization: dict) -> None:
    plain, penalised = mlp(1), mlp(1)
    Trainer(plain, regression_bundle(), config(epochs=10)).run()
    Trainer(penalised, regression_bundle(), config(epochs=10, regularization=regularization)).run()
    assert weight_l1(penalised) < 0.8 * weight_l1(plain)


def test_penalty_counts_every_weight_matrix_and_no_bias_or_norm_scale() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Conv1d(1, 2, 3), nn.Linear(5, 1))
    model[0].requires_grad_(False)  # frozen: no penalty
    counted = [model[3].weight, model[4].weight]
    assert [id(w) for w in penalized_weights(model)] == [id(w) for w in counted]
    l1_sum = sum(w.abs().sum().item() for w in counted)
    l2_sum = sum(w.pow(2).sum().item() for w in counted)
    cases = [(RegularizationConfig(l1=0.01), 0.01 * l1_sum),
             (RegularizationConfig(l2=0.02), 0.02 * l2_sum),
             (RegularizationConfig(elastic_alpha=0.1, elastic_l1_ratio=0.3), 0.1 * (0.3 * l1_sum + 0.35 * l2_sum)),
             (RegularizationConfig(l1=0.01, elastic_alpha=0.1, elastic_l1_ratio=1.0), 0.11 * l1_sum)]
    for cfg, expected in cases:
        assert regularization_penalty(counted, cfg).item() == pytest.approx(expected, rel=1e-6)
    assert regularization_penalty(counted, RegularizationConfig()) is None


def test_l1_step_moves_each_weight_by_lr_times_l1_and_leaves_biases() -> None:
    model = nn.Linear(2, 3)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.5, -0.5], [0.2, -0.3], [1.0, -1.0]]))
    before_w, before_b = model.weight.detach().clone(), model.bias.detach().clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    penalty = regularization_penalty(penalized_weights(model), RegularizationConfig(l1=0.5))
    (penalty + 0 * model.bias.sum()).backward()
    optimizer.step()
    assert torch.allclose(model.weight, before_w - 0.05 * before_w.sign())
    assert torch.equal(model.bias, before_b)


def test_gradient_value_clipping_bounds_each_update() -> None:
    model = mlp(1)
    start = weights(model)
    cfg = config(optimizer={"type": "SGD", "lr": 0.1}, epochs=1, batch_size=32, grad_clip={"value": 1e-3})
    result = Trainer(model, regression_bundle(), cfg).run()
    bound = result.steps * 0.1 * 1e-3
    change = max((model.state_dict()[k] - start[k]).abs().max().item() for k in start)
    assert 0 < change <= bound * 1.001


def test_gradient_norm_clipping_is_applied() -> None:
    seen = []

    class GradNorm(Callback):
        def on_batch_end(self, trainer, step, epoch, loss):
            grads = [p.grad for p in trainer.model.parameters()]
            seen.append(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])).item())
    Trainer(mlp(1), regression_bundle(), config(epochs=1, grad_clip=0.01), [GradNorm()]).run()
    assert seen and max(seen) <= 0.01 + 1e-6


def test_init_schemes_apply_per_named_submodule() -> None:
    model = TwoPart()
    head_before = weights(model.head)
    cfg = config(epochs=1, optimizer={"type": "SGD", "lr": 1e-12},
                 init={"default": "xavier", "per_layer": {"head": "default", "backbone.0": {"type": "normal", "std": 3.0}}})
    trainer = Trainer(model, regression_bundle(), cfg)
    trainer.setup()
    assert same_weights(weights(model.head), head_before)
    w = model.backbone[0].weight
    assert w.std().item() > 1.5 and torch.count_nonzero(model.backbone[0].bias) == 0

    kaiming = TwoPart()
    Trainer(kaiming, regression_bundle(), config(init="xavier")).setup()
    bound = math.sqrt(6 / (2 + 16))
    assert kaiming.backbone[0].weight.abs().max().item() <= bound


def test_lr_multipliers_make_discriminative_groups() -> None:
    model = TwoPart()
    backbone_before = weights(model.backbone)
    trainer = Trainer(model, regression_bundle(), config(lr_multipliers={"backbone": 0.0}, epochs=2))
    trainer.run()
    groups = {g["name"]: g["lr"] for g in trainer.optimizer.param_groups}
    assert groups == {"default": 0.05, "backbone": 0.0}
    assert same_weights(weights(model.backbone), backbone_before)
    scaled = Trainer(TwoPart(), regression_bundle(), config(lr_multipliers={"backbone": 0.1}))
    scaled.setup()
    assert {g["name"]: g["lr"] for g in scaled.optimizer.param_groups} == pytest.approx({"default": 0.05, "backbone": 0.005})
