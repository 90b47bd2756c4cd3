"""Checkpoints and run folders from before the model carried its preprocessing buffers.

An "old" run is made the way nnbuilder trained until run format 2: the data pipeline standardises
the inputs, the module has no ``<input>_mean/_std``/``target_mean/_std`` buffers and regression
trains on raw targets. Resuming its checkpoint fills the buffers truthfully (the inputs' fitted
statistics, identity targets) and continues exactly as the old run; an old run folder, whose
statistics were never saved, is refused with a message that names it, and nothing in it changes.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from takeaway_helpers import example

import nnbuilder
from nnbuilder.cli import main
from nnbuilder.compile import compile_graph
from nnbuilder.data import load_data
from nnbuilder.graph.project import Project, save_project
from nnbuilder.pipeline import prepare
from nnbuilder.recipe import RunFolderError
from nnbuilder.training import Callback, Trainer, TrainingConfig

BUFFERS = {"in_mean", "in_std", "target_mean", "target_std"}  # the Input node is "in"


class StopAfter(Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, trainer, epoch, metrics):
        if epoch == self.epoch:
            trainer.stop()


def _project() -> Project:
    return example("seed_regression", data={"split": [0.6, 0.2, 0.2], "params": {"n_samples": 200}},
                   training={"epochs": 4, "optimizer": {"type": "Adam", "lr": 0.01},
                             "early_stopping": {"patience": 10}})


def _old_style_trainer(project: Project, callbacks=(), checkpoint_dir: Path | None = None):
    """A trainer as nnbuilder built it before run format 2 (inputs standardised by the data pipeline)."""
    torch.manual_seed(0)
    model = compile_graph(project.graph, project.name).build()
    assert not BUFFERS & set(model.state_dict())
    bundle = load_data(project.data, seed=0)  # standardize_inputs=True: the old pipeline
    config = TrainingConfig.from_dict(project.training)
    return model, Trainer(model, bundle, config, list(callbacks), batch_size=project.data.get("batch_size", 32),
                          checkpoint_dir=checkpoint_dir)


def test_an_old_checkpoint_resumes_exactly_as_the_old_run_with_truthful_buffers(tmp_path: Path) -> None:
    project = _project()
    old_model, old = _old_style_trainer(project)
    full = old.run()
    _, first = _old_style_trainer(project, [StopAfter(1)], tmp_path / "ckpt")
    assert first.run().stop_reason == "stopped"
    assert not BUFFERS & set(load_file(tmp_path / "ckpt" / "epoch-0002" / "weights.safetensors"))

    prepared = prepare(project)  # this version: the module standardises, the loss uses standardised targets
    assert BUFFERS <= set(prepared.model.state_dict())
    trainer = Trainer(prepared.model, prepared.bundle, prepared.config, batch_size=prepared.batch_size)
    meta = trainer.load_checkpoint(tmp_path / "ckpt")
    assert "older nnbuilder" in meta["migrated"] and "epoch-0002/weights.safetensors" in meta["migrated"]
    resumed = trainer.run()
    assert [h["loss"] for h in resumed.history] == [h["loss"] for h in full.history]  # raw-target loss, bit-exact
    assert resumed.test_metrics == full.test_metrics
    state = prepared.model.state_dict()
    for name, value in old_model.state_dict().items():
        assert torch.equal(state[name], value), name
    stats = prepared.bundle.meta["normalization"][prepared.bundle.inputs[0].name]  # what the old pipeline applied
    assert state["in_mean"].tolist() == pytest.approx(stats["mean"])
    assert state["in_std"].tolist() == pytest.approx(stats["std"])
    assert state["target_mean"].tolist() == [0.0] and state["target_std"].tolist() == [1.0]
    raw = prepared.bundle.test.inputs[0]  # the migrated module takes raw inputs and predicts in raw units
    standardised = old.bundle.test.inputs[0]
    with torch.no_grad():
        assert torch.allclose(prepared.model.eval()(raw), old_model.eval()(standardised), atol=1e-6)
    assert prepared.bundle.meta["fitted_preprocessing"]["target"]["source"].startswith("identity")


def test_cli_resume_of_an_old_run_says_what_it_filled_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project()
    path = tmp_path / "p.nnb"
    save_project(project, path)
    run = tmp_path / "run"
    old_model, first = _old_style_trainer(project, [StopAfter(1)], run / "checkpoint")
    first.run()
    (run / "model.py").write_text(compile_graph(project.graph, project.name).source)  # the old version's files
    save_file({k: v.contiguous() for k, v in old_model.state_dict().items()}, run / "weights.safetensors")
    (run / "run.json").write_text(json.dumps({"project": project.name, "class": "SeedRegression",
                                              "stop_reason": "interrupted"}))
    with pytest.raises(RunFolderError, match=f"--resume {run}' \\(its checkpoint is migrated\\)"):
        nnbuilder.load_run(run)
    assert main(["train", str(path), "--resume", str(run)]) == 0
    err = capsys.readouterr().err
    assert "resuming" in err and "older nnbuilder without the model's preprocessing buffers" in err
    assert "in_mean, in_std from the training split's statistics" in err and "target_mean/target_std as the identity" in err
    info = json.loads((run / "run.json").read_text())
    assert info["preprocessing"]["target"]["std"] == [1.0] and info["stop_reason"] == "completed"
    predictor = nnbuilder.load_run(run)  # the resumed run is a run of this version: raw inputs in, raw units out
    test = load_data(project.data, seed=0, standardize_inputs=False).test
    mae = (predictor.predict(test.inputs[0]).reshape(-1) - test.targets.reshape(-1)).abs().mean().item()
    assert mae == pytest.approx(info["test_metrics"]["test_mae"], rel=1e-5)


def test_a_checkpoint_missing_real_weights_still_fails_with_its_message(tmp_path: Path) -> None:
    project = _project()
    _, first = _old_style_trainer(project, [StopAfter(0)], tmp_path / "ckpt")
    first.run()
    weights = tmp_path / "ckpt" / "epoch-0001" / "weights.safetensors"
    state = load_file(weights)
    del state[next(k for k in state if k.endswith("weight"))]
    save_file(state, weights)
    prepared = prepare(project)
    from nnbuilder.training import CheckpointError

    with pytest.raises(CheckpointError, match="weights do not fit this model"):
        Trainer(prepared.model, prepared.bundle, prepared.config).load_checkpoint(tmp_path / "ckpt")


def _old_run_folder(tmp_path: Path) -> Path:
    """A run folder of this version stripped back to what nnbuilder wrote before run format 2."""
    project = _project()
    run = tmp_path / "old-run"
    nnbuilder.train(project, epochs=1, out=run)
    state = {k: v for k, v in load_file(run / "weights.safetensors").items() if k not in BUFFERS}
    save_file(state, run / "weights.safetensors")
    (run / "model.py").write_text(compile_graph(project.graph, project.name).source)
    info = json.loads((run / "run.json").read_text())
    keep = ("project", "class", "dataset", "task", "stop_reason", "message", "best_epoch", "test_metrics", "load")
    (run / "run.json").write_text(json.dumps({k: info[k] for k in keep}))
    return run


def test_an_old_run_folder_is_refused_clearly_by_load_run_and_export_and_left_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _old_run_folder(tmp_path)
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    with pytest.raises(RunFolderError, match="older nnbuilder.*train the project again"):
        nnbuilder.load_run(run)
    for output in ("m.py", "m.onnx"):
        assert main(["export", str(run), "-o", str(tmp_path / output)]) == 1
        err = capsys.readouterr().err
        assert str(run) in err and "older nnbuilder" in err and "Traceback" not in err
        assert not (tmp_path / output).exists()
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before  # nothing lost or rewritten
    namespace: dict = {}  # its files still load together as before (on standardised inputs)
    exec(compile((run / "model.py").read_text(), "model.py", "exec"), namespace)  # noqa: S102 - our own file
    model = namespace[json.loads((run / "run.json").read_text())["class"]]()
    model.load_state_dict(load_file(run / "weights.safetensors"), strict=True)
