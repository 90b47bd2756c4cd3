"""Every example project loads, validates, compiles, exports, and trains a few steps offline."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from nnbuilder.analysis import analyze
from nnbuilder.compile import compile_graph
from nnbuilder.graph.project import dumps_project, load_project
from nnbuilder.package_data import examples_dir
from nnbuilder.pipeline import prepare
from nnbuilder.training import Trainer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(examples_dir().glob("*.nnb"))
HEAVY = {"resnet18_blocks"}  # 11.7 M parameters: a few steps take over 10 s on 2 CPU cores


def test_there_is_an_example_per_core_concept() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"seed_regression", "mnist_mlp", "lenet_cnn", "residual_block", "lstm_forecast",
            "attention_classifier", "tabular_embeddings"} <= names


@pytest.mark.parametrize("path", [pytest.param(p, marks=[pytest.mark.slow] if p.stem in HEAVY else [])
                                  for p in EXAMPLES], ids=[p.stem for p in EXAMPLES])
def test_example_validates_compiles_and_trains(path: Path) -> None:
    project = load_project(path)
    assert isinstance(project.extra.get("description"), str) and project.extra["description"]
    assert json.loads(dumps_project(project)) == json.loads(path.read_text(encoding="utf-8"))
    analysis = analyze(project.graph)
    assert analysis.valid, [i.text() for i in analysis.issues]
    compile(compile_graph(project.graph, project.name).source, str(path), "exec")
    # a few steps on a small slice of the offline data
    params = project.data.setdefault("params", {})
    params["n_samples" if project.data["dataset"] != "ratings" else "n_ratings"] = 200
    prepared = prepare(project, epochs=1)
    before = {k: v.clone() for k, v in prepared.model.state_dict().items()}
    result = Trainer(prepared.model, prepared.bundle, prepared.config, batch_size=prepared.batch_size).run()
    assert result.stop_reason == "completed" and result.steps > 0
    assert torch.isfinite(torch.tensor(result.history[-1]["loss"]))
    changed = [k for k, v in prepared.model.state_dict().items() if not torch.equal(v, before[k])]
    assert changed, "training changed no weight"


def test_cli_train_writes_weights_that_load_strictly_into_the_exported_class(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = subprocess.run(check=False, args=[sys.executable, "-m", "nnbuilder", "train",
                                               str(examples_dir() / "seed_regression.nnb"),
                                               "--epochs", "3", "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "epoch 3/3" in result.stderr  # the progress bar
    spec = importlib.util.spec_from_file_location("trained_model", out / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.SeedRegression()
    model.load_state_dict(load_file(out / "weights.safetensors"), strict=True)
    history = json.loads((out / "history.json").read_text())
    assert len(history["history"]) == 3 and history["stop_reason"] == "completed"
    x = torch.randn(5, 2)
    assert model(x).shape == (5, 1)


def test_cli_train_reports_a_model_that_does_not_fit_the_data(tmp_path: Path) -> None:
    data = json.loads((examples_dir() / "spirals_mlp.nnb").read_text())
    for node in data["graph"]["nodes"]:
        if node["id"] == "logits":
            node["params"]["out_features"] = 5
    bad = tmp_path / "bad.nnb"
    bad.write_text(json.dumps(data))
    result = subprocess.run(check=False, args=[sys.executable, "-m", "nnbuilder", "train", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "2 classes" in result.stderr and "out_features" in result.stderr
