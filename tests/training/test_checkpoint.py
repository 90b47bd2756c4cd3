"""Checkpoints: a run stopped after epoch k and resumed ends with exactly the uninterrupted run's weights."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from torch import nn
from training_helpers import TwoPart, config, mlp, regression_bundle, same_weights, weights

from nnbuilder.training import Callback, CheckpointError, Trainer, load_weights

RESUMABLE = {
    "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 6,
    "scheduler": {"type": "OneCycleLR", "max_lr": 0.05},
    "early_stopping": {"patience": 50}, "regularization": {"l1": 1e-4},
}


class Dropping(nn.Module):
    """Dropout consumes the global RNG, so an exact resume must restore it."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(mlp(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)


class StopAfter(Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, trainer, epoch, metrics):
        if epoch == self.epoch:
            trainer.stop()


@pytest.mark.parametrize("scheduler", [RESUMABLE["scheduler"], {"type": "ReduceLROnPlateau", "patience": 0}],
                         ids=["onecycle", "plateau"])
def test_resume_after_stop_reproduces_the_uninterrupted_run_exactly(tmp_path: Path, scheduler: dict) -> None:
    cfg = config(**{**RESUMABLE, "scheduler": scheduler})
    bundle = regression_bundle()
    full_model = Dropping()
    full = Trainer(full_model, bundle, cfg).run()

    first = Trainer(Dropping(), bundle, cfg, [StopAfter(2)], checkpoint_dir=tmp_path).run()
    assert first.stop_reason == "stopped" and first.epochs_run == 3

    resumed_model = Dropping()
    resumed = Trainer(resumed_model, bundle, cfg, checkpoint_dir=tmp_path).resume(tmp_path)
    assert resumed.stop_reason == "completed" and resumed.steps == full.steps
    assert same_weights(weights(resumed_model), weights(full_model))
    assert [h["val_loss"] for h in resumed.history] == [h["val_loss"] for h in full.history]
    assert [h["epoch"] for h in resumed.history] == list(range(1, len(full.history) + 1))  # no gap, no repeat
    assert resumed.lr_per_step() == full.lr_per_step()
    assert resumed.test_metrics == full.test_metrics


def test_checkpoint_layout_and_strict_weight_loading(tmp_path: Path) -> None:
    model = TwoPart()
    Trainer(model, regression_bundle(), config(epochs=3), checkpoint_dir=tmp_path).run()
    assert json.loads((tmp_path / "latest.json").read_text()) == {"latest": "epoch-0003"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-0003", "latest.json"]
    meta = json.loads((tmp_path / "epoch-0003" / "meta.json").read_text())
    assert meta["epoch"] == 2 and meta["step"] == 24 and meta["config"]["epochs"] == 3 and len(meta["history"]) == 3
    assert [h["epoch"] for h in meta["history"]] == [1, 2, 3]  # people's numbering; meta["epoch"] is the loop index
    fresh = TwoPart()
    fresh.head.weight.data.zero_()
    load_weights(tmp_path, fresh)
    assert same_weights(weights(fresh), weights(model))
    with pytest.raises(CheckpointError, match="weights do not fit this model"):
        load_weights(tmp_path / "epoch-0003" / "weights.safetensors", mlp(1))


def test_missing_or_foreign_checkpoints_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        Trainer(mlp(1), regression_bundle(), config()).resume(tmp_path)
    Trainer(mlp(1), regression_bundle(), config(epochs=1), checkpoint_dir=tmp_path).run()
    with pytest.raises(CheckpointError, match="scheduler does not match"):
        Trainer(mlp(1), regression_bundle(), config(scheduler={"type": "StepLR", "step_size": 1})).resume(tmp_path)


class Saves(Callback):
    """Records which epoch each checkpoint on disk belongs to, after every epoch."""

    def __init__(self, root: Path) -> None:
        self.root, self.latest = root, []

    def on_epoch_end(self, trainer, epoch, metrics):
        latest = self.root / "latest.json"
        self.latest.append(json.loads(latest.read_text())["latest"] if latest.is_file() else None)


def test_checkpoint_spacing_keeps_the_first_and_last_epochs(tmp_path: Path, monkeypatch) -> None:
    from types import SimpleNamespace

    from nnbuilder.training import engine

    clock = iter(range(0, 10_000, 3))  # each of the engine's perf_counter() calls: 3 s later
    monkeypatch.setattr(engine, "time", SimpleNamespace(perf_counter=lambda: float(next(clock))))
    every = Saves(tmp_path / "every")
    Trainer(mlp(), regression_bundle(), config(epochs=5), [every], checkpoint_dir=tmp_path / "every").run()
    assert every.latest == [f"epoch-000{i}" for i in range(1, 6)]

    spaced = Saves(tmp_path / "spaced")
    Trainer(mlp(), regression_bundle(), config(epochs=5), [spaced], checkpoint_dir=tmp_path / "spaced",
            checkpoint_every_s=1e6).run()
    assert spaced.latest == ["epoch-0001"] * 4 + ["epoch-0005"]
    load_weights(tmp_path / "spaced", mlp())  # the last one is whole
