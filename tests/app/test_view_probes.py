"""The view probes run in the training process: they read the model without changing the run (no Qt)."""
from __future__ import annotations

import json

import torch

from nnbuilder.app.dashboard import view_probes
from nnbuilder.app.dashboard.buffer import EventBuffer
from nnbuilder.app.dashboard.view_probes import ViewProbes
from nnbuilder.graph.project import loads_project
from nnbuilder.package_data import examples_dir
from nnbuilder.pipeline import prepare
from nnbuilder.training import Callback, Trainer


def curve_with_dropout_and_batchnorm(epochs: int = 2):
    """curve_64_units with BatchNorm1d and Dropout: layers whose train/eval modes differ."""
    doc = json.loads((examples_dir() / "curve_64_units.nnb").read_text())
    graph = doc["graph"]
    graph["nodes"] += [{"id": "bn", "type": "BatchNorm1d", "params": {}},
                       {"id": "drop", "type": "Dropout", "params": {"p": 0.3}}]
    graph["edges"] = [{"source": "x", "target": "fc1"}, {"source": "fc1", "target": "bn"},
                      {"source": "bn", "target": "act1"}, {"source": "act1", "target": "drop"},
                      {"source": "drop", "target": "head"}, {"source": "head", "target": "out"}]
    doc["training"]["epochs"] = epochs
    return prepare(loads_project(json.dumps(doc)))


class Record(Callback):
    """After each step: was the model in training mode, and which curve arrived."""

    def __init__(self) -> None:
        self.buffer: EventBuffer | None = None
        self.modes: list[bool] = []
        self.curves: list = []

    def on_batch_end(self, trainer, step, epoch, loss) -> None:
        self.modes.append(trainer.model.training)
        box = self.buffer.drain()
        if box.curve is not None:
            self.curves.append(box.curve)


def test_curves_taken_every_step_leave_the_run_bit_identical(monkeypatch) -> None:
    monkeypatch.setattr(view_probes, "CURVE_EVERY_S", 0.0)
    monkeypatch.setattr(view_probes, "EMBEDDINGS_EVERY_S", 0.0)
    monkeypatch.setattr(view_probes, "SHARE", 1.0)
    runs = []
    for with_views in (False, True):
        p = curve_with_dropout_and_batchnorm()
        buffer, record = EventBuffer(), Record()
        record.buffer = buffer
        callbacks = [ViewProbes(buffer, p.bundle, p.project.graph, p.compiled.code.attr_of), record] \
            if with_views else [record]
        result = Trainer(p.model, p.bundle, p.config, callbacks, batch_size=p.batch_size).run()
        runs.append((result.history, {k: v.clone() for k, v in p.model.state_dict().items()}, record.curves))
        assert all(record.modes)  # the model is back in training mode after every curve
    (history_a, state_a, _), (history_b, state_b, curves) = runs
    assert len(curves) == result.steps  # one curve a step in this test
    assert [e["loss"] for e in history_a] == [e["loss"] for e in history_b]
    for name, value in state_a.items():  # weights and BatchNorm's running statistics
        assert torch.equal(state_b[name], value), name




def test_a_run_that_restored_its_best_epoch_labels_the_final_views_with_that_epoch() -> None:
    from types import SimpleNamespace

    from nnbuilder.training.config import EarlyStoppingConfig

    p = curve_with_dropout_and_batchnorm()
    buffer = EventBuffer()
    probes = ViewProbes(buffer, p.bundle)
    trainer = SimpleNamespace(model=p.model, device=torch.device("cpu"), step=0,
                              config=SimpleNamespace(early_stopping=EarlyStoppingConfig(patience=3)))
    probes.on_run_start(trainer, SimpleNamespace(steps_per_epoch=11))
    assert (buffer.drain().curve.step, probes.told_no_layers) == (0, True)
    trainer.step = 66  # 6 epochs of 11 steps; early stopping restored epoch 2's weights
    probes.on_run_end(trainer, SimpleNamespace(stop_reason="early_stopping", best_epoch=2))
    curve = buffer.drain().curve
    assert (curve.step, curve.epoch) == (22, 2)
    probes.on_run_end(trainer, SimpleNamespace(stop_reason="stopped", best_epoch=2))  # a stop restores nothing
    curve = buffer.drain().curve
    assert (curve.step, curve.epoch) == (66, 6)
