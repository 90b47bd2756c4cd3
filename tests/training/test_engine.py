"""The run loop: learning a spiral, early stopping, thread controls, NaN and OOM handling, events."""
from __future__ import annotations

import io
import threading
import time

import pytest
import torch
from torch import nn
from training_helpers import PairDataset, TwoPart, config, mlp, regression_bundle, same_weights, spiral_bundle, weights

from nnbuilder.data.bundle import DataBundle
from nnbuilder.training import Callback, DataError, ProgressBar, Trainer

SPIRAL = {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 40, "batch_size": 32}


def test_relu_mlp_learns_the_spiral_and_a_linear_only_network_cannot() -> None:
    bundle = spiral_bundle()
    deep = Trainer(mlp(2, hidden=64), bundle, config(**SPIRAL)).run()
    assert deep.history[-1]["val_accuracy"] > 0.95
    assert deep.test_metrics["test_accuracy"] > 0.95
    linear = Trainer(mlp(2, hidden=64, act=None), bundle, config(**SPIRAL)).run()
    assert max(h["val_accuracy"] for h in linear.history) < 0.75


def test_early_stopping_restores_the_best_epochs_weights() -> None:
    best_weights = {}

    class Recorder(Callback):
        def on_epoch_end(self, trainer, epoch, metrics):
            best_weights[epoch] = weights(trainer.model)

        def on_early_stop(self, trainer, epoch, best_epoch):
            best_weights["stopped"] = (epoch, best_epoch)
    # lr far too high after a good start: validation loss rises, patience runs out
    cfg = config(optimizer={"type": "SGD", "lr": 0.05}, epochs=40, early_stopping={"patience": 2},
                 scheduler={"type": "ExponentialLR", "gamma": 1.6})
    model = mlp(1)
    result = Trainer(model, regression_bundle(), cfg, [Recorder()]).run()
    assert result.stop_reason == "early_stopping"
    stopped, best = best_weights["stopped"]
    assert best + 1 == result.best_epoch and stopped == best + 3  # callbacks get loop indices; results 1-based and len(result.history) == stopped + 1
    assert result.best_metric == min(h["val_loss"] for h in result.history)
    assert [h["epoch"] for h in result.history] == list(range(1, len(result.history) + 1))
    assert result.history[result.best_epoch - 1]["val_loss"] == result.best_metric
    assert same_weights(weights(model), best_weights[best])
    assert not same_weights(weights(model), best_weights[stopped])


class SlowModel(nn.Module):
    """A model whose forward takes ``delay`` seconds, to test responsiveness."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.delay = delay

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        time.sleep(self.delay)
        return self.fc(x)


def test_stop_from_another_thread_ends_the_run_within_a_second() -> None:
    trainer = Trainer(SlowModel(0.01), regression_bundle(), config(epochs=1000))
    results = []
    thread = threading.Thread(target=lambda: results.append(trainer.run()))
    thread.start()
    time.sleep(0.3)
    asked = time.perf_counter()
    trainer.stop()
    thread.join(5)
    assert not thread.is_alive() and time.perf_counter() - asked < 1.0
    assert results[0].stop_reason == "stopped" and results[0].steps > 0
    assert results[0].test_metrics == {}


def test_pause_holds_the_loop_and_resume_continues_it() -> None:
    steps = []

    class Counter(Callback):
        def on_batch_end(self, trainer, step, epoch, loss):
            steps.append(step)
    trainer = Trainer(SlowModel(0.002), regression_bundle(), config(epochs=30), [Counter()])
    thread = threading.Thread(target=trainer.run)
    thread.start()
    time.sleep(0.2)
    trainer.pause()
    time.sleep(0.1)
    held = len(steps)
    time.sleep(0.3)
    assert trainer.paused and len(steps) == held
    trainer.resume()
    thread.join(20)
    assert not thread.is_alive() and trainer.result.stop_reason == "completed"
    assert steps == list(range(1, 30 * 8 + 1))


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_weights() -> None:
    class Poisoned(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = mlp(1)
            self.calls = 0

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.calls += self.training
            out = self.net(x)
            return out * float("nan") if self.calls >= 20 else out
    model = Poisoned()
    result = Trainer(model, regression_bundle(), config(epochs=10, log_every=5)).run()
    assert result.stop_reason == "nan" and "nan" in result.message
    assert result.steps == 19
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert model.calls == 20 and len(result.history) == 2  # 8 steps per epoch: the third epoch was cut


def test_exploding_weights_are_rolled_back_to_a_finite_snapshot() -> None:
    model = mlp(1)
    cfg = config(optimizer={"type": "SGD", "lr": 1e4}, epochs=20)
    result = Trainer(model, regression_bundle(), cfg).run()
    assert result.stop_reason == "nan"
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_out_of_memory_ends_the_run_with_a_smaller_batch_suggestion() -> None:
    class Greedy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
    result = Trainer(Greedy(), regression_bundle(), config(batch_size=64)).run()
    assert result.stop_reason == "oom" and "smaller batch size (e.g. 32)" in result.message


def test_dataset_splits_train_through_a_dataloader() -> None:
    base = regression_bundle()
    bundle = DataBundle("cubic", "regression", base.inputs, PairDataset(base.train), PairDataset(base.val), None)
    result = Trainer(mlp(1), bundle, config(epochs=8)).run()
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"]
    assert result.steps == 8 * 8


def test_augment_is_applied_to_training_batches_only() -> None:
    seen = []

    def augment(x: torch.Tensor) -> torch.Tensor:
        seen.append(x.shape[0])
        return x + 0.01 * torch.randn_like(x)
    base = regression_bundle()
    base.augment = augment
    result = Trainer(mlp(1), base, config(epochs=2)).run()
    assert sum(seen) == 2 * 128 and result.steps == len(seen)


def test_events_arrive_in_order_with_the_plan_and_metrics() -> None:
    log = []

    class Log(Callback):
        def on_run_start(self, trainer, plan):
            log.append(("start", plan.epochs, plan.steps_per_epoch, plan.device, plan.group_names))

        def on_lr(self, trainer, step, lrs):
            log.append(("lr", step, lrs))

        def on_epoch_end(self, trainer, epoch, metrics):
            log.append(("epoch", epoch, sorted(metrics)))

        def on_run_end(self, trainer, result):
            log.append(("end", result.stop_reason))
    Trainer(TwoPart(), regression_bundle(), config(epochs=2, scheduler={"type": "StepLR", "step_size": 1}),
            [Log()]).run()
    keys = ["epoch", "loss", "lr", "mae", "r2", "time", "val_loss", "val_mae", "val_r2"]
    assert log == [("start", 2, 8, "cpu", ["default"]), ("lr", 0, [0.05]), ("epoch", 0, keys),
                   ("lr", 8, [pytest.approx(0.005)]), ("epoch", 1, keys), ("end", "completed")]


def test_progress_bar_prints_epochs_and_eta() -> None:
    stream = io.StringIO()
    Trainer(mlp(1), regression_bundle(), config(epochs=3), [ProgressBar(stream)]).run()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("training 3 epochs × 8 steps on cpu")
    assert [line.split()[1] for line in lines[1:4]] == ["1/3", "2/3", "3/3"]
    assert all("ETA" in line and "val_loss" in line for line in lines[1:4])
    assert lines[-1].startswith("stopped: completed")


def test_shape_mismatch_between_output_and_target_is_named() -> None:
    with pytest.raises(DataError, match=r"model output shape \(16, 3\) does not match target shape \(16, 1\)"):
        Trainer(mlp(3), regression_bundle(), config()).run()


def test_monitoring_a_missing_validation_split_is_refused() -> None:
    base = regression_bundle()
    base.val = None
    with pytest.raises(DataError, match="training.early_stopping.monitor: 'val_loss' needs a validation split"):
        Trainer(mlp(1), base, config(early_stopping={"patience": 1})).run()


def test_accelerator_style_windowed_read_back_reports_every_log_every_steps_and_catches_nan() -> None:
    losses = []

    class Losses(Callback):
        def on_batch_end(self, trainer, step, epoch, loss):
            losses.append(loss)

    class PoisonLater(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = mlp(1)
            self.calls = 0

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.calls += self.training
            return self.net(x) * (float("inf") if self.calls == 13 else 1.0)
    model = PoisonLater()
    trainer = Trainer(model, regression_bundle(), config(epochs=3, log_every=5), [Losses()])
    trainer.setup()
    trainer.read_every = 5  # what a CUDA run uses: no host sync between read-backs
    result = trainer.run()
    assert [i for i, v in enumerate(losses, 1) if v is not None] == [5, 10]
    assert result.stop_reason == "nan" and result.steps == 14  # detected at the read-back of step 15
    assert "restored to step 9" in result.message  # the weights verified at the read-back of step 10
    assert all(torch.isfinite(p).all() for p in model.parameters())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="mixed precision needs CUDA")
@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_on_cuda(precision: str) -> None:
    cfg = config(device="cuda", precision=precision, optimizer={"type": "Adam", "lr": 0.01}, epochs=8)
    result = Trainer(mlp(1), regression_bundle(), cfg).run()
    assert result.stop_reason == "completed"
    assert result.history[-1]["val_loss"] < 0.7 * result.history[0]["val_loss"]


def test_a_stop_requested_before_run_starts_is_honoured() -> None:
    trainer = Trainer(mlp(1), regression_bundle(), config(epochs=5))
    trainer.stop()
    result = trainer.run()
    assert result.stop_reason == "stopped" and result.steps == 0
    assert trainer.run().stop_reason == "completed"  # the request is cleared when run returns


def test_regression_metrics_match_a_direct_computation() -> None:
    bundle = regression_bundle()
    model = mlp(1)
    trainer = Trainer(model, bundle, config(epochs=3, batch_size=10))
    trainer.run()
    metrics = trainer.evaluate(trainer.val_source)
    x, y = bundle.val.inputs[0], bundle.val.targets
    with torch.no_grad():
        pred = model(x)
    assert metrics["mae"] == pytest.approx((pred - y).abs().mean().item(), rel=1e-5)
    assert metrics["r2"] == pytest.approx(1 - ((pred - y) ** 2).sum().item() / ((y - y.mean()) ** 2).sum().item(),
                                          rel=1e-5)
    assert metrics["loss"] == pytest.approx(((pred - y) ** 2).mean().item(), rel=1e-5)
