"""The lean step loop: same work as a plain loop, events only to listeners, bulk metrics, cheap probe histograms."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from training_helpers import config, mlp, regression_bundle, same_weights, weights

from nnbuilder.training import Callback, Trainer
from nnbuilder.training.callbacks import CallbackList
from nnbuilder.training.metrics import MetricAccumulator
from nnbuilder.training.probes import BINS, MAX_HIST_VALUES, histogram_counts


def test_the_engine_does_exactly_the_work_of_a_plain_index_batched_loop() -> None:
    """Same permutation per epoch, same batches, same SGD maths: bit-identical weights and losses."""
    bundle = regression_bundle()
    cfg = config(epochs=3, batch_size=16, seed=7)
    engine_model, plain_model = mlp(1), mlp(1)
    losses: list[float] = []

    class Losses(Callback):
        def on_batch_end(self, trainer, step, epoch, loss):
            losses.append(loss)
    Trainer(engine_model, bundle, cfg, [Losses()]).run()

    x, y = bundle.train.inputs[0], bundle.train.targets
    optimizer = torch.optim.SGD(plain_model.parameters(), lr=0.05)
    generator = torch.Generator().manual_seed(7)
    plain_losses = []
    for _ in range(3):
        for index in torch.randperm(len(x), generator=generator).split(16):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(plain_model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            plain_losses.append(loss.item())
    assert losses == plain_losses
    assert same_weights(weights(engine_model), weights(plain_model))


def test_callback_list_calls_only_callbacks_that_override_a_hook() -> None:
    calls = []

    class Batches(Callback):
        def on_batch_end(self, trainer, step, epoch, loss):
            calls.append(("batch", step))

    class Epochs(Callback):
        def on_epoch_end(self, trainer, epoch, metrics):
            calls.append(("epoch", epoch))

    instance = Callback()
    instance.on_lr = lambda trainer, step, lrs: calls.append(("lr", step))  # an instance attribute counts too
    hooks = CallbackList([Batches(), Epochs(), instance])
    assert hooks.listens("on_batch_end") and hooks.listens("on_epoch_end") and hooks.listens("on_lr")
    assert not hooks.listens("on_probe") and not hooks.listens("on_run_start")
    hooks.on_batch_end(None, 3, 0, 0.5)
    hooks.on_epoch_end(None, 0, {})
    hooks.on_lr(None, 0, [0.1])
    hooks.on_probe(None, 1, None)  # nobody listens: a no-op
    assert calls == [("batch", 3), ("epoch", 0), ("lr", 0)]
    nested = CallbackList([hooks, Epochs()])
    assert nested.listens("on_batch_end") and not nested.listens("on_probe")
    nested.on_epoch_end(None, 1, {})
    assert calls[-2:] == [("epoch", 1), ("epoch", 1)]
    with pytest.raises(TypeError, match="expected Callback instances, got int"):
        CallbackList([3])


def test_a_run_without_batch_listeners_still_counts_every_step() -> None:
    result = Trainer(mlp(1), regression_bundle(), config(epochs=2)).run()
    assert result.steps == 2 * 8 and result.stop_reason == "completed"


def test_running_metrics_match_a_direct_computation() -> None:
    g = torch.Generator().manual_seed(0)
    batches = [(torch.randn(n, 3, generator=g), torch.randint(0, 3, (n,), generator=g)) for n in (16, 16, 7)]
    acc = MetricAccumulator("classification", torch.device("cpu"))
    for i, (out, y) in enumerate(batches):
        loss = nn.functional.cross_entropy(out, y)
        acc.add(loss, out, y, loss.item() if i % 2 else None)  # host-read and device-summed losses mixed
    out, y = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    metrics = acc.result("val_")
    assert metrics["val_accuracy"] == pytest.approx((out.argmax(1) == y).float().mean().item())
    expected_loss = sum(nn.functional.cross_entropy(o, t).item() * len(t) for o, t in batches) / len(y)
    assert metrics["val_loss"] == pytest.approx(expected_loss)

    reg = MetricAccumulator("regression", torch.device("cpu"))
    pairs = [(torch.randn(n, 2, generator=g), torch.randn(n, 2, generator=g)) for n in (20, 20, 5)]
    for out, target in pairs:
        reg.add(nn.functional.mse_loss(out, target), out, target)
    out, target = torch.cat([p[0] for p in pairs]).double(), torch.cat([p[1] for p in pairs]).double()
    metrics = reg.result()
    assert metrics["mae"] == pytest.approx((out - target).abs().mean().item())
    assert metrics["r2"] == pytest.approx(1 - ((out - target) ** 2).sum().item()
                                          / ((target - target.mean()) ** 2).sum().item())

    binary = MetricAccumulator("binary", torch.device("cpu"))
    logits, labels = torch.randn(30, 1, generator=g), (torch.rand(30, 1, generator=g) > 0.5).float()
    binary.add(nn.functional.binary_cross_entropy_with_logits(logits, labels), logits, labels, 0.7)
    assert binary.result()["accuracy"] == pytest.approx(((logits > 0) == (labels > 0.5)).float().mean().item())
    assert MetricAccumulator("binary", torch.device("cpu")).result() == {}


def test_metrics_keep_no_step_outputs_alive() -> None:
    """Outputs are reduced as they arrive: nothing refers to a batch's output after add() returns."""
    import weakref

    acc = MetricAccumulator("classification", torch.device("cpu"))
    out, y = torch.randn(8, 3), torch.randint(0, 3, (8,))
    ref = weakref.ref(out)
    acc.add(nn.functional.cross_entropy(out, y), out, y)
    del out
    assert ref() is None and acc.result()["accuracy"] >= 0


def test_histogram_counts_match_torch_histc_and_sample_large_tensors() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1000, generator=g)
    low, high = torch.aminmax(x)
    assert torch.equal(histogram_counts(x, low, high), torch.histc(x, bins=BINS, min=0, max=0))
    constant = torch.full((10,), 2.0)
    counts = histogram_counts(constant, *torch.aminmax(constant))
    assert counts[0] == 10 and counts.sum() == 10
    big = torch.randn(300_000, generator=g)
    counts = histogram_counts(big, *torch.aminmax(big))
    assert counts.shape == (BINS,) and MAX_HIST_VALUES // 2 < counts.sum() <= MAX_HIST_VALUES
    sample = big[:: -(-big.numel() // MAX_HIST_VALUES)]
    assert torch.equal(counts, torch.histc(sample, bins=BINS, min=big.min().item(), max=big.max().item()))
