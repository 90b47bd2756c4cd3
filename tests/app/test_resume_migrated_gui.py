"""Resuming an older nnbuilder's checkpoint from the dashboard: the panel says what was filled in, as the CLI does."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from test_dashboard import PROGRESS_MS, SPIRALS, dashboard_for

from nnbuilder.app.dashboard.resuming import MIGRATED_PREFIX
from nnbuilder.compile import compile_graph
from nnbuilder.data import load_data
from nnbuilder.graph.project import load_project, save_project
from nnbuilder.package_data import examples_dir
from nnbuilder.training import Callback, Trainer, TrainingConfig


class _StopAfterFirstEpoch(Callback):
    def on_epoch_end(self, trainer, epoch, metrics):
        trainer.stop()


def _old_interrupted_run(folder: Path) -> Path:
    """A run folder as nnbuilder wrote it before run format 2: inputs standardised by the data pipeline, so
    the model and its checkpoint have no preprocessing buffers; stopped after one of three epochs."""
    project = load_project(examples_dir() / "seed_regression.nnb")
    project.data = {**project.data, "params": {"n_samples": 200}}
    project.training = {**project.training, "epochs": 3}
    torch.manual_seed(0)
    model = compile_graph(project.graph, project.name).build()
    bundle = load_data(project.data, seed=0)  # standardize_inputs=True: the old pipeline
    trainer = Trainer(model, bundle, TrainingConfig.from_dict(project.training), [_StopAfterFirstEpoch()],
                      batch_size=project.data.get("batch_size", 32), checkpoint_dir=folder / "checkpoint")
    assert trainer.run().stop_reason == "stopped"
    assert "in_mean" not in model.state_dict()
    save_project(project, folder / "project.nnb")
    (folder / "run.json").write_text(json.dumps({"project": project.name, "stop_reason": "interrupted"}))
    return folder


@pytest.mark.slow
def test_resuming_an_old_checkpoint_shows_what_was_migrated(make_window, qtbot, tmp_path: Path) -> None:
    folder = _old_interrupted_run(tmp_path / "runs" / "seed-20261101-120000")
    window = make_window(SPIRALS, height=900)
    dash = dashboard_for(window, qtbot)
    with qtbot.waitSignal(dash.runFinished, timeout=PROGRESS_MS) as blocker:
        assert window.resume_run(folder)
    assert blocker.args[0].stop_reason == "completed"
    note = dash.note.text()
    assert dash.note.isVisibleTo(dash) and note.startswith(MIGRATED_PREFIX)
    assert "older nnbuilder without the model's preprocessing buffers" in note
    assert "in_mean, in_std from the training split's statistics" in note and "target_mean/target_std" in note

    with qtbot.waitSignal(dash.runFinished, timeout=PROGRESS_MS):  # a run of this version: the note goes
        assert dash.start()
    assert not dash.note.text().startswith(MIGRATED_PREFIX)
