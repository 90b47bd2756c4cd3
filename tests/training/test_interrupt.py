"""Interrupts and periodic checkpoints: a run stopped mid-epoch resumes to the uninterrupted run's weights bit for bit."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from test_checkpoint import RESUMABLE, Dropping
from training_helpers import PairDataset, config, regression_bundle, same_weights, weights

from nnbuilder.training import Callback, Trainer
from nnbuilder.training.checkpoint import checkpoint_key


class InterruptAt(Callback):
    """Calls ``interrupt()`` after global step ``step`` (what the CLI's signal handler does)."""

    def __init__(self, step: int) -> None:
        self.at = step

    def on_batch_end(self, trainer, step, epoch, loss):
        if step == self.at:
            trainer.interrupt()


class CrashAt(Callback):
    """Raises after global step ``step``: a process killed there keeps only what is on disk."""

    def __init__(self, step: int) -> None:
        self.at = step

    def on_batch_end(self, trainer, step, epoch, loss):
        if step == self.at:
            raise RuntimeError("killed")


def augmented(bundle):
    """Augmentation draws from the global RNG on every batch: a resume must not shift it."""
    return dataclasses.replace(bundle, augment=lambda x: x + 0.01 * torch.randn_like(x))


@pytest.mark.parametrize(("data", "stop_step"), [  # 8 steps per epoch: mid-epoch, after an epoch's last step, later
    ("tensors", 3), ("tensors", 8), ("tensors", 20), ("augmented", 11), ("dataset", 11)])
def test_interrupt_mid_epoch_then_resume_is_bit_exact(tmp_path: Path, data: str, stop_step: int) -> None:
    bundle = regression_bundle()
    if data == "augmented":
        bundle = augmented(bundle)
    elif data == "dataset":
        bundle = dataclasses.replace(bundle, train=PairDataset(bundle.train))
    cfg = config(**RESUMABLE)
    full_model = Dropping()
    full = Trainer(full_model, bundle, cfg).run()

    first = Trainer(Dropping(), bundle, cfg, [InterruptAt(stop_step)], checkpoint_dir=tmp_path).run()
    assert first.stop_reason == "interrupted" and first.steps == stop_step
    latest = json.loads((tmp_path / "latest.json").read_text())["latest"]
    done, batch = divmod(stop_step, 8)
    assert checkpoint_key(latest) == ((done, batch) if batch else (done - 1, 8))  # validation of that epoch pending

    resumed_model = Dropping()
    resumed = Trainer(resumed_model, bundle, cfg, checkpoint_dir=tmp_path).resume(tmp_path)
    assert resumed.stop_reason == "completed" and resumed.steps == full.steps
    assert same_weights(weights(resumed_model), weights(full_model))
    assert [h["val_loss"] for h in resumed.history] == [h["val_loss"] for h in full.history]
    assert resumed.lr_per_step() == full.lr_per_step()
    assert resumed.test_metrics == full.test_metrics


def test_interrupt_during_validation_resumes_exactly(tmp_path: Path) -> None:
    class DuringValidation(Callback):
        def on_batch_end(self, trainer, step, epoch, loss):
            if step == 16:  # the last step of epoch 2: validation follows, then the stop is seen
                trainer.interrupt()

    cfg = config(**RESUMABLE)
    full_model = Dropping()
    Trainer(full_model, regression_bundle(), cfg).run()
    first = Trainer(Dropping(), regression_bundle(), cfg, [DuringValidation()], checkpoint_dir=tmp_path).run()
    assert first.stop_reason == "interrupted"
    resumed_model = Dropping()
    Trainer(resumed_model, regression_bundle(), cfg).resume(tmp_path)
    assert same_weights(weights(resumed_model), weights(full_model))


def test_periodic_checkpoints_bound_what_a_kill_loses(tmp_path: Path) -> None:
    cfg = config(**RESUMABLE)
    full_model = Dropping()
    Trainer(full_model, regression_bundle(), cfg).run()
    with pytest.raises(RuntimeError, match="killed"):  # every_s tiny: a partial checkpoint after every step
        Trainer(Dropping(), regression_bundle(), cfg, [CrashAt(13)], checkpoint_dir=tmp_path,
                checkpoint_every_s=1e-9).run()
    latest = json.loads((tmp_path / "latest.json").read_text())["latest"]
    assert checkpoint_key(latest) == (1, 4)  # the crash came inside step 13's callback: steps 1..12 are safe
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    resumed_model = Dropping()
    resumed = Trainer(resumed_model, regression_bundle(), cfg).resume(tmp_path)
    assert resumed.stop_reason == "completed"
    assert same_weights(weights(resumed_model), weights(full_model))


def test_without_checkpoint_dir_an_interrupt_just_stops() -> None:
    result = Trainer(Dropping(), regression_bundle(), config(epochs=3), [InterruptAt(5)]).run()
    assert result.stop_reason == "interrupted" and result.steps == 5
