"""The embedded image set is fast, balanced and learnable."""
from __future__ import annotations

import time

import torch

from nnbuilder.data import load_data


def test_default_size_generates_quickly_and_balanced() -> None:
    start = time.process_time()  # CPU time: robust to other jobs on a shared machine
    bundle = load_data({"dataset": "shapes28"})
    elapsed = time.process_time() - start
    assert elapsed < 3.0
    total = len(bundle.train) + len(bundle.val) + len(bundle.test)
    assert total == 6000 and bundle.num_classes == 10
    assert torch.bincount(bundle.train.targets, minlength=10).tolist() == [420] * 10
    raw = load_data({"dataset": "shapes28", "params": {"n_samples": 100}, "normalize": False})
    assert float(raw.train.inputs[0].min()) >= 0.0 and float(raw.train.inputs[0].max()) <= 1.0


def test_small_models_clearly_beat_chance() -> None:
    torch.manual_seed(0)
    bundle = load_data({"dataset": "shapes28", "params": {"n_samples": 1500}})
    (x,), y = bundle.train.inputs, bundle.train.targets
    (vx,), vy = bundle.val.inputs, bundle.val.targets

    def accuracy(model: torch.nn.Module, epochs: int) -> float:
        opt = torch.optim.Adam(model.parameters(), 3e-3)
        for _epoch in range(epochs):
            for batch in torch.randperm(len(y)).split(50):
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
                opt.step()
        with torch.no_grad():
            return float((model(vx).argmax(1) == vy).float().mean())

    logistic = accuracy(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(28 * 28, 10)), 4)
    cnn = accuracy(torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(4),
        torch.nn.Flatten(), torch.nn.Linear(8 * 7 * 7, 10)), 4)
    assert logistic > 0.4, logistic  # chance is 0.1
    assert cnn > 0.7, cnn
