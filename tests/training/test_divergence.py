"""A NaN/inf loss names its likely cause: the initialisation, unscaled targets or the learning rate."""
from __future__ import annotations

import torch
from torch import nn
from training_helpers import config, regression_bundle

from nnbuilder.data.bundle import TensorSplit
from nnbuilder.training import Trainer


def _deep() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(*[m for _ in range(12) for m in (nn.Linear(2 if _ == 0 else 64, 64), nn.ReLU())],
                         nn.Linear(64, 1))


def test_a_wide_gaussian_init_is_named() -> None:
    cfg = config(init={"default": {"type": "normal", "std": 5.0}}, optimizer={"type": "SGD", "lr": 0.01})
    result = Trainer(_deep(), regression_bundle(), cfg).run()
    assert result.stop_reason == "nan"
    assert "initialisation" in result.message and "Kaiming" in result.message


def test_unscaled_targets_are_named() -> None:
    bundle = regression_bundle()
    bundle.train = TensorSplit(bundle.train.inputs, bundle.train.targets * 1e6)
    result = Trainer(nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)), bundle,
                     config(optimizer={"type": "SGD", "lr": 0.1})).run()
    assert result.stop_reason == "nan"
    assert "unscaled targets" in result.message


def test_a_large_learning_rate_is_named_with_a_smaller_one() -> None:
    torch.manual_seed(0)
    result = Trainer(nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1)), regression_bundle(),
                     config(optimizer={"type": "SGD", "lr": 50.0}, epochs=20)).run()
    assert result.stop_reason == "nan"
    assert "learning rate (50) is too large" in result.message and "5" in result.message
