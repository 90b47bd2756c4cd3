"""Probes: activation statistics, feature maps, gradient norms and weight histograms, without side effects."""
from __future__ import annotations

import torch
from torch import nn
from training_helpers import config, mlp, regression_bundle, same_weights, weights

from nnbuilder.data.bundle import DataBundle, InputInfo, TensorSplit
from nnbuilder.training import Callback, Trainer
from nnbuilder.training.probes import BINS


class Collect(Callback):
    def __init__(self, check=None) -> None:
        self.probes = []
        self.check = check

    def on_probe(self, trainer, step, probe):
        self.probes.append(probe)
        if self.check is not None:
            self.check(trainer, probe)


def test_probe_statistics_match_a_manual_forward_pass() -> None:
    bundle = regression_bundle()
    probe_x = bundle.val.inputs[0][:64]

    def check(trainer, probe):
        model = trainer.model
        with torch.no_grad():
            hidden = model[1](model[0](probe_x))
        stats = probe.activations["1"]
        assert abs(stats.zero_fraction - (hidden == 0).float().mean().item()) < 1e-6
        assert abs(stats.mean - hidden.mean().item()) < 1e-5
        assert int(stats.histogram.counts.sum().item()) == hidden.numel() and len(stats.histogram.counts) == BINS
        assert stats.histogram.low == hidden.min().item() and stats.histogram.high == hidden.max().item()
        for name in ("0", "2", "4"):
            module = model.get_submodule(name)
            expected = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in module.parameters()]))
            assert abs(probe.grad_norms[name] - expected.item()) < 1e-5 * max(1.0, expected.item())
        hist = probe.weights["2.weight"]
        assert int(hist.counts.sum().item()) == model[2].weight.numel()
        assert all(t.device.type == "cpu" and not t.requires_grad for t in (stats.histogram.counts, hist.counts))
    collect = Collect(check)
    Trainer(mlp(1), bundle, config(epochs=2), [collect], probe_every=4).run()
    assert [p.step for p in collect.probes] == [4, 8, 12, 16]
    assert set(collect.probes[0].activations) == {"0", "1", "2", "3", "4"}
    assert collect.probes[0].feature_maps == {}


def test_cnn_probes_give_downsampled_feature_maps_of_one_sample() -> None:
    g = torch.Generator().manual_seed(0)
    images = torch.randn(24, 1, 40, 40, generator=g)
    split = TensorSplit((images,), torch.randint(0, 2, (24,), generator=g))
    bundle = DataBundle("noise", "classification", [InputInfo((1, 40, 40))], split, split, None, num_classes=2)
    model = nn.Sequential(nn.Conv2d(1, 20, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(20, 2))
    collect = Collect()
    Trainer(model, bundle, config(loss="CrossEntropyLoss", epochs=1, batch_size=8), [collect], probe_every=3).run()
    maps = collect.probes[0].feature_maps
    assert maps["0"].shape == (16, 32, 32) and maps["1"].shape == (16, 32, 32)
    with torch.no_grad():
        expected = nn.functional.adaptive_avg_pool2d(model[0](images[:1])[0, :16], (32, 32))
    assert set(maps) == {"0", "1"}
    last = collect.probes[-1].feature_maps["0"]
    assert torch.allclose(last, expected, atol=1e-5)


def test_feature_maps_hold_only_their_own_values() -> None:
    """A feature map small enough to need no pooling is a copy, not a view of the whole probe batch."""
    g = torch.Generator().manual_seed(0)
    images = torch.randn(24, 1, 12, 12, generator=g)
    split = TensorSplit((images,), torch.randint(0, 2, (24,), generator=g))
    bundle = DataBundle("noise", "classification", [InputInfo((1, 12, 12))], split, split, None, num_classes=2)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    collect = Collect()
    Trainer(model, bundle, config(loss="CrossEntropyLoss", epochs=1, batch_size=8), [collect], probe_every=1).run()
    fmap = collect.probes[0].feature_maps["0"]
    assert fmap.shape == (4, 12, 12)
    assert fmap.untyped_storage().nbytes() == fmap.numel() * fmap.element_size()


def test_probes_do_not_change_training() -> None:
    plain, probed = mlp(1), mlp(1)
    model_cfg = config(epochs=3)
    Trainer(plain, regression_bundle(), model_cfg).run()
    Trainer(probed, regression_bundle(), model_cfg, [Collect()], probe_every=2).run()
    assert same_weights(weights(plain), weights(probed))
