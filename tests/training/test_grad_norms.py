"""GradNormRecorder: one value per epoch per layer, equal to the gradient norms a plain loop measures."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("stop_step", [3, 8, 20])  # 8 steps per epoch: mid-epoch, at an epoch's end, later
def test_a_resumed_run_continues_the_gradient_norm_history(tmp_path: Path, stop_step: int) -> None:
    """The recorder's state travels in the checkpoint: a resumed run reports every epoch, as if never stopped."""
    from test_checkpoint import RESUMABLE, Dropping
    from test_interrupt import InterruptAt

    from nnbuilder.training import Trainer

    cfg = config(**RESUMABLE)
    full = Trainer(Dropping(), regression_bundle(), cfg, [GradNormRecorder()]).run().extra["grad_norm"]
    first = Trainer(Dropping(), regression_bundle(), cfg, [GradNormRecorder(), InterruptAt(stop_step)],
                    checkpoint_dir=tmp_path).run()
    assert first.stop_reason == "interrupted"
    resumed = Trainer(Dropping(), regression_bundle(), cfg, [GradNormRecorder()],
                      checkpoint_dir=tmp_path).resume(tmp_path).extra["grad_norm"]
    assert resumed.keys() == full.keys()
    for name, values in full.items():
        assert len(resumed[name]) == len(values) == cfg.epochs
        assert resumed[name] == pytest.approx(values, rel=1e-5)
