"""The take-away is the predictor that was trained: model.py + weights alone reproduce the run's test metrics.

Each task type trains a small project through the public API, then a fresh interpreter in which
nnbuilder cannot be imported loads model.py by path with weights.safetensors and evaluates the raw
held-out test split (not standardised): the metrics equal run.json's.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from takeaway_helpers import example, raw_test_data, standalone_metrics

import nnbuilder

SPLIT3 = [0.6, 0.2, 0.2]

CASES = {
    "regression": lambda: example("seed_regression", data={"split": SPLIT3, "params": {"n_samples": 300}},
                                  training={"epochs": 40, "optimizer": {"type": "Adam", "lr": 0.01}}),
    "binary": lambda: example("spirals_mlp", data={"dataset": "moons", "params": {"n_samples": 400}},
                              training={"epochs": 8, "loss": "BCEWithLogitsLoss"},
                              params={"logits": {"out_features": 1}}),
    "multiclass": lambda: example("spirals_mlp", data={"params": {"n_samples": 600}}, training={"epochs": 8}),
    "image_preprocess": lambda: example("mnist_mlp", data={"params": {"n_samples": 300}, "split": SPLIT3,
                                                          "preprocess": {"mean": [0.5], "std": [0.25]}},
                                        training={"epochs": 2}),
    "image_resize_crop": lambda: example("mnist_mlp", data={"params": {"n_samples": 300}, "split": SPLIT3,
                                                           "preprocess": {"resize": 20, "crop": 18, "channels": 3,
                                                                          "mean": [0.5], "std": [0.25]}},
                                         training={"epochs": 2}, params={"image": {"shape": [3, 18, 18]}}),
    "tabular_categorical": lambda: example("tabular_embeddings", data={"params": {"n_samples": 600}},
                                           training={"epochs": 3}),
}
EXPECTED_TASK = {"regression": "regression", "binary": "binary", "multiclass": "classification",
                 "image_preprocess": "classification", "image_resize_crop": "classification",
                 "tabular_categorical": "classification"}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_model_py_and_weights_alone_reproduce_the_runs_test_metrics_on_raw_data(case: str, tmp_path: Path) -> None:
    project = CASES[case]()
    run = tmp_path / "run"
    history = nnbuilder.train(project, out=run)
    assert history and "loss" in history[-1]
    info = json.loads((run / "run.json").read_text())
    assert info["test_metrics"], "the project must have a test split"
    data = raw_test_data(project, tmp_path / "test.pt")
    if case == "image_resize_crop":  # the module itself turns the stored 1×28×28 images into 3×18×18
        assert tuple(torch.load(data)["inputs"][0].shape[1:]) == (1, 28, 28)
    got = standalone_metrics(run, data)
    assert got["task"] == EXPECTED_TASK[case] == info["task"]
    for key, value in got["metrics"].items():
        assert math.isclose(value, info["test_metrics"][key], rel_tol=1e-5, abs_tol=1e-6), (key, value, info)
    if info["task"] != "regression":
        assert got["classes"] == info["classes"] and len(got["classes"]) >= 2
    else:
        assert got["metrics"]["test_r2"] > 0.5  # it learnt something: the raw-data predictor is a real one


@pytest.mark.slow
def test_the_load_hint_in_run_json_runs_as_pasted(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    run = tmp_path / "run"
    nnbuilder.train(CASES["multiclass"](), epochs=1, out=run)
    info = json.loads((run / "run.json").read_text())
    hint = info["load"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", hint + "; print(type(m).__name__, m.CLASSES)"],
                          check=False, cwd=run, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"SpiralsMLP {tuple(info['classes'])}"
