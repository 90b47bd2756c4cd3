"""GradNormRecorder: one value per epoch per layer, equal to the gradient norms a plain loop measures."""
from __future__ import annotations

import json
import math

import torch
from torch import nn
from training_helpers import config, regression_bundle

from nnbuilder.training.grad_norms import GradNormRecorder


def test_every_layer_gets_one_value_per_epoch_and_vanishing_gradients_show() -> None:
    torch.manual_seed(0)
    layers = [nn.Linear(2, 16)] + [m for _ in range(8) for m in (nn.Linear(16, 16), nn.Sigmoid())] + [nn.Linear(16, 1)]
    model = nn.Sequential(*layers)
    from nnbuilder.training import Trainer

    recorder = GradNormRecorder({"0": "first", str(len(layers) - 1): "last"})
    result = Trainer(model, regression_bundle(), config(epochs=3), [recorder], batch_size=16).run()
    norms = result.extra["grad_norm"]
    assert len(norms) == 10 and all(len(v) == 3 for v in norms.values())
    assert "first" in norms and "last" in norms
    assert all(math.isfinite(x) and x >= 0 for v in norms.values() for x in v)
    assert norms["first"][0] < norms["last"][0] / 10  # deep sigmoid stack: the first layer's gradient vanishes
    assert json.loads(json.dumps(result.to_dict()))["grad_norm"] == norms


def test_the_recorded_norm_matches_a_hand_computed_one() -> None:
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    from nnbuilder.training import Trainer

    class Spy(GradNormRecorder):
        def on_batch_end(self, trainer, step, epoch, loss):  # type: ignore[override]
            self.seen.append(torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in model[0].parameters()])))
            super().on_batch_end(trainer, step, epoch, loss)

    spy = Spy(samples_per_epoch=10_000)  # every step
    spy.seen = []
    result = Trainer(model, regression_bundle(), config(epochs=1), [spy], batch_size=16).run()
    expected = float(torch.stack(spy.seen).mean())
    assert math.isclose(result.extra["grad_norm"]["0"][0], expected, rel_tol=1e-5)
