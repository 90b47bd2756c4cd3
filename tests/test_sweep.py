"""nnbuilder sweep: a grid of 3 writes 3 CSV rows and a PNG; bad --set values are usage errors."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir
from nnbuilder.sweep import SweepError, apply_setting, grid, parse_setting

ROOT = Path(__file__).resolve().parents[1]


def _small_project(tmp_path: Path) -> Path:
    data = json.loads((examples_dir() / "spirals_mlp.nnb").read_text())
    data["data"]["params"]["n_samples"] = 300
    data["training"]["epochs"] = 4
    path = tmp_path / "spirals.nnb"
    path.write_text(json.dumps(data))
    return path


def test_a_grid_of_three_writes_three_rows_and_the_curves(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = subprocess.run([sys.executable, "-m", "nnbuilder", "sweep", str(_small_project(tmp_path)),
                             "--set", "training.optimizer.lr=0.001,0.01,0.1", "--out", str(out)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [float(r["training.optimizer.lr"]) for r in rows] == [0.001, 0.01, 0.1]
    assert all(r["stop_reason"] == "completed" and r["epochs"] == "4" for r in rows)
    assert all(float(r["final_val_loss"]) > 0 for r in rows)
    assert float(rows[0]["final_val_loss"]) != float(rows[2]["final_val_loss"])  # the setting took effect
    png = (out / "curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    history = json.loads((out / "run-02" / "history.json").read_text())
    assert set(history["grad_norm"]) == {"fc1", "fc2", "logits"}
    assert json.loads((out / "run-02" / "project.nnb").read_text())["training"]["optimizer"]["lr"] == 0.01


def test_settings_parse_into_a_product_and_apply_to_sections_and_nodes() -> None:
    settings = [parse_setting("training.optimizer.lr=0.001,0.1"), parse_setting("data.batch_size=1,32,full")]
    assert settings[1].values == (1, 32, "full")
    assert len(grid(settings)) == 6
    project = load_project(examples_dir() / "spirals_mlp.nnb")
    changed = apply_setting(project, "training.loss.label_smoothing", 0.1)
    assert changed.training["loss"] == {"type": "CrossEntropyLoss", "label_smoothing": 0.1}
    assert project.training["loss"] == "CrossEntropyLoss"  # the original is untouched
    wide = apply_setting(project, "graph.fc1.out_features", 8)
    assert next(n for n in wide.graph.nodes if n.id == "fc1").params["out_features"] == 8


@pytest.mark.parametrize("text", ["lr=0.1", "training.optimizer.lr", "training.optimizer.lr=", "model.x=1"])
def test_bad_settings_are_refused_naming_them(text: str) -> None:
    with pytest.raises(SweepError, match="--set"):
        parse_setting(text)


def test_cli_reports_a_bad_setting_as_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "nnbuilder", "sweep", str(_small_project(tmp_path)),
                             "--set", "lr=0.1", "--out", str(tmp_path / "o")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2 and "training." in result.stderr and "Traceback" not in result.stderr
