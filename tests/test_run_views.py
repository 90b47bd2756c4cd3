"""A saved run's fitted curve and embedding projection, computed from its folder as load_run opens it."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from nnbuilder.api import load_run, train
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir
from nnbuilder.run_views import RunViewError, fit_problem, open_run_views, weights_when
from nnbuilder.runs import save_project_copy
from nnbuilder.training.embedding_map import pca_2d
from nnbuilder.training.fitted_curve import CURVE_POINTS


def trained_run(root: Path, example: str, epochs: int) -> Path:
    """``example`` trained for ``epochs`` into ``root/runs/<example>-20261206-000000`` with its project copy."""
    project = load_project(examples_dir() / f"{example}.nnb")
    folder = root / "runs" / f"{example}-20261206-000000"
    train(project, epochs=epochs, out=folder)
    save_project_copy(project, folder)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("views")
    torch.set_num_threads(1)
    return {"curve": trained_run(root, "curve_3_units", 2), "embeddings": trained_run(root, "tabular_embeddings", 1)}


def test_a_1d_regression_run_gives_its_training_points_and_its_models_curve(runs) -> None:
    views = open_run_views(runs["curve"])
    assert views.fit_problem == "" and views.data_problem == "" and views.embeddings == []
    fit, curve = views.fit, views.curve
    assert len(curve.x) == len(curve.y) == CURVE_POINTS and fit.points_x.min() >= -2 and fit.points_x.max() <= 2
    assert len(fit.points_x) == 350  # the training split of 500 samples at 0.7, as the run had it
    expected = load_run(runs["curve"]).predict(torch.as_tensor(curve.x, dtype=torch.float32).reshape(-1, 1))
    assert np.allclose(curve.y, expected.numpy()[:, 0], atol=1e-5)  # raw inputs in, the target's units out
    history = json.loads((runs["curve"] / "history.json").read_text())
    assert (curve.step, curve.epoch) == (history["steps"], 2)


def test_an_embedding_run_gives_each_layers_rows_named_by_category(runs) -> None:
    views = open_run_views(runs["embeddings"])
    assert views.fit_problem == "the data set 'tabular' is classification, not regression" and views.fit is None
    layers = {p.layer: p for p in views.embeddings}
    assert set(layers) == {"city_emb", "plan_emb", "weekday_emb"}  # the graph's node ids, not module paths
    weekday = layers["weekday_emb"]
    assert weekday.labels[:3] == ["Mon", "Tue", "Wed"] and weekday.points.shape == (7, 2)
    assert weekday.epoch == 1 and views.label_note == ""
    weight = load_run(runs["embeddings"]).model.get_submodule("weekday_emb").weight  # the trained table
    scores, explained = pca_2d(weight)
    assert np.allclose(weekday.points, scores.numpy()) and weekday.explained == explained
    assert not np.allclose(weekday.points, 0)


def test_an_old_run_folder_is_refused_with_load_runs_message(runs, tmp_path) -> None:
    old = shutil.copytree(runs["curve"], tmp_path / "old")
    info = json.loads((old / "run.json").read_text())
    del info["run_format"]
    (old / "run.json").write_text(json.dumps(info))
    with pytest.raises(RunViewError, match="written by an older nnbuilder"):
        open_run_views(old)


def test_missing_or_broken_weights_are_named(runs, tmp_path) -> None:
    missing = shutil.copytree(runs["curve"], tmp_path / "missing")
    (missing / "weights.safetensors").unlink()
    with pytest.raises(RunViewError, match="no weights.safetensors"):
        open_run_views(missing)
    broken = shutil.copytree(runs["curve"], tmp_path / "broken")
    (broken / "weights.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(RunViewError, match="weights.safetensors cannot be read"):
        open_run_views(broken)


def test_data_that_cannot_be_loaded_again_is_said_and_embedding_rows_are_numbered(runs, tmp_path) -> None:
    moved = shutil.copytree(runs["embeddings"], tmp_path / "moved")
    info = json.loads((moved / "run.json").read_text())
    info["data"]["section"] = {"dataset": "csv", "params": {"path": "gone.csv", "target": "y"}}
    (moved / "run.json").write_text(json.dumps(info))
    views = open_run_views(moved)
    assert "could not be loaded again" in views.data_problem and "csv" in views.data_problem
    assert views.label_note.startswith("rows are numbered") and views.embeddings[0].labels[:2] == ["0", "1"]


def test_the_curve_applies_only_to_runs_with_one_float_input_and_regression() -> None:
    one = {"dataset": "curve_1d", "task": "regression", "inputs": [{"shape": [1], "dtype": "float32"}]}
    assert fit_problem(one) is None
    assert fit_problem({**one, "inputs": [{"shape": [2], "dtype": "float32"}]}) == \
        "the data set 'curve_1d' has input shape [2] (float32), not one float feature"
    assert fit_problem({**one, "task": "binary"}) == "the data set 'curve_1d' is binary, not regression"


def test_restored_best_weights_are_dated_to_the_best_epoch(tmp_path) -> None:
    (tmp_path / "history.json").write_text(json.dumps({"steps": 50, "epochs_run": 5, "best_epoch": 2,
                                                        "stop_reason": "early_stopping", "history": []}))
    early = {"training": {"early_stopping": {"patience": 3}}}
    assert weights_when(tmp_path, early) == (20, 2)
    assert weights_when(tmp_path, {"training": {"early_stopping": {"restore_best": False}}}) == (50, 5)
    assert weights_when(tmp_path, {"training": {}}) == (50, 5)
