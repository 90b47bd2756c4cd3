"""The Python API (load_model, train, load_run), large regression targets and run folders of older versions."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import nnbuilder
from nnbuilder.data import load_data
from nnbuilder.graph.project import Project, load_project
from nnbuilder.recipe import RunFolderError

ROOT = Path(__file__).resolve().parents[2]


def _house_prices(tmp_path: Path, n: int = 400) -> Path:
    """A CSV whose target is around 5e5 (house prices): y = 5e5 + 1e5·(rooms - 3) + 2e3·area noise."""
    rng = np.random.default_rng(0)
    rooms, area = rng.uniform(1, 5, n), rng.uniform(40, 200, n)
    price = 5e5 + 1e5 * (rooms - 3) + 2e3 * (area - 120) + rng.normal(0, 1e4, n)
    lines = ["rooms,area,price", *(f"{r:.3f},{a:.2f},{p:.1f}" for r, a, p in zip(rooms, area, price))]
    path = tmp_path / "houses.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv_project(csv: Path) -> Project:
    project = load_project(ROOT / "nnbuilder" / "examples" / "seed_regression.nnb")
    project.data = {"dataset": "csv", "params": {"path": str(csv), "target": "price"}, "split": [0.6, 0.2, 0.2],
                    "batch_size": 32}
    project.training = {"loss": "MSELoss", "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 30}
    return project


@pytest.mark.slow
def test_targets_around_5e5_train_and_metrics_are_in_the_datas_units(tmp_path: Path) -> None:
    project = _csv_project(_house_prices(tmp_path))
    history = nnbuilder.train(project, out=tmp_path / "run")
    assert history[-1]["val_r2"] > 0.9  # without target scaling this run "completed" with R² ≈ -4e7
    assert history[-1]["loss"] < 1.0  # the loss is on the standardised scale
    run = nnbuilder.load_run(tmp_path / "run")
    assert run.test_metrics["test_r2"] > 0.9
    assert 1e3 < run.test_metrics["test_mae"] < 1e5  # in dollars, not standardised units
    raw = load_data(project.data, standardize_inputs=False).test
    predicted = run.predict(raw.inputs[0])
    assert abs(predicted.mean().item() - 5e5) < 5e4
    mae = (predicted.reshape(-1) - raw.targets.reshape(-1)).abs().mean().item()
    assert mae == pytest.approx(run.test_metrics["test_mae"], rel=1e-4)


def test_load_model_is_the_untrained_module_with_fitted_preprocessing() -> None:
    model = nnbuilder.load_model(ROOT / "nnbuilder" / "examples" / "spirals_mlp.nnb")
    assert model.TASK == "classification" and len(model.CLASSES) == 2
    assert model.point_std.shape == (2,) and not torch.allclose(model.point_std, torch.ones(2))
    assert set(model.state_dict()) >= {"point_mean", "point_std", "fc1.weight"}


@pytest.mark.slow
def test_load_run_predicts_raw_inputs_and_names_classes(tmp_path: Path) -> None:
    project = load_project(ROOT / "nnbuilder" / "examples" / "spirals_mlp.nnb")
    project.training["epochs"] = 15
    nnbuilder.train(project, out=tmp_path / "run")
    run = nnbuilder.load_run(tmp_path / "run")
    assert run.classes == ("arm 0", "arm 1") and run.task == "classification"
    test = load_data(project.data, standardize_inputs=False).test
    accuracy = (run.predict(test.inputs[0].numpy()) == test.targets).double().mean().item()
    assert accuracy == pytest.approx(run.test_metrics["test_accuracy"], abs=1e-9)
    assert run.predict([0.1, -0.3]).shape == (1,)  # one sample, given as a list
    assert torch.allclose(run.predict_proba(test.inputs[0][:5]).sum(1), torch.ones(5))


def test_a_run_folder_from_an_older_version_gives_a_clear_message_and_is_left_alone(tmp_path: Path) -> None:
    old = tmp_path / "old-run"
    old.mkdir()
    files = {"model.py": "import torch\n", "weights.safetensors": "x", "history.json": "{}",
             "run.json": json.dumps({"project": "p", "class": "P", "dataset": "spirals", "task": "classification",
                                     "test_metrics": {}, "load": "..."})}
    for name, text in files.items():
        (old / name).write_text(text)
    with pytest.raises(RunFolderError, match="older nnbuilder.*no preprocessing statistics.*train the project again"):
        nnbuilder.load_run(old)
    assert {p.name: p.read_text() for p in old.iterdir()} == files  # nothing lost or rewritten
    with pytest.raises(RunFolderError, match="no run.json"):
        nnbuilder.load_run(tmp_path)


@pytest.mark.slow
def test_the_readme_api_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nnbuilder").mkdir()
    (tmp_path / "nnbuilder" / "examples").symlink_to(ROOT / "nnbuilder" / "examples")
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    assert namespace["history"] and (tmp_path / "runs" / "spirals").is_dir()
