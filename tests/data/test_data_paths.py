"""Data paths in a project are relative to the project file: resolved against it, re-based on Save As."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnbuilder.cli import main
from nnbuilder.data.paths import rebase_data_paths, resolve_data_paths
from nnbuilder.graph.project import load_project


def csv_project(folder: Path, data_path: str) -> Path:
    """``folder/project/p.nnb``: a regression MLP on ``data_path`` (a CSV of 40 rows x, z -> y)."""
    (folder / "project" / "data").mkdir(parents=True)
    rows = "\n".join(f"{i / 40},{(i % 7) / 7},{2 * i / 40 + 1}" for i in range(40))
    (folder / "project" / "data" / "table.csv").write_text("x,z,y\n" + rows + "\n")
    nodes = [{"id": "in", "type": "Input", "params": {"shape": [2]}},
             {"id": "fc", "type": "Linear", "params": {"out_features": 1}},
             {"id": "out", "type": "Output", "params": {}}]
    edges = [{"source": "in", "target": "fc"}, {"source": "fc", "target": "out"}]
    project = {"format": "nnbuilder", "version": 1, "name": "csv", "graph": {"nodes": nodes, "edges": edges},
               "data": {"dataset": "csv", "params": {"path": data_path, "target": "y"}, "split": [0.5, 0.5],
                        "batch_size": 8},
               "training": {"loss": "MSELoss", "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 1}}
    path = folder / "project" / "p.nnb"
    path.write_text(json.dumps(project))
    return path


def test_cli_train_reads_a_relative_csv_next_to_the_project_from_another_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    project = csv_project(tmp_path, "data/table.csv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the current folder has no data/table.csv
    assert main(["train", str(project), "--out", str(tmp_path / "run")]) == 0, capsys.readouterr().err
    assert (tmp_path / "run" / "weights.safetensors").is_file()
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert [h["epoch"] for h in history["history"]] == [1]  # epochs are 1-based in history.json


def test_load_project_records_its_folder_and_paths_resolve_against_it(tmp_path: Path) -> None:
    project = load_project(csv_project(tmp_path, "data/table.csv"))
    assert project.folder == (tmp_path / "project").resolve()
    resolved = resolve_data_paths(project.data, project.folder)
    assert Path(resolved["params"]["path"]) == (tmp_path / "project" / "data" / "table.csv").resolve()
    assert project.data["params"]["path"] == "data/table.csv"  # the project itself is unchanged


def test_rebase_keeps_the_same_file_from_the_new_folder(tmp_path: Path) -> None:
    old, new = tmp_path / "a", tmp_path / "b" / "c"
    section = {"dataset": "image_folder", "params": {"path": "imgs"}}
    moved = rebase_data_paths(section, old, new)
    assert moved["params"]["path"] == "../../a/imgs" and section["params"]["path"] == "imgs"
    assert Path(resolve_data_paths(moved, new)["params"]["path"]).resolve() == (old / "imgs").resolve()
    absolute = rebase_data_paths({"dataset": "csv", "params": {"path": str(new / "t.csv")}}, None, new)
    assert absolute["params"]["path"] == "t.csv"  # a file picked in a dialog is stored relative to the project
    home = {"dataset": "csv", "params": {"path": "~/t.csv"}}
    assert rebase_data_paths(home, old, new) == home  # ~ paths are portable as written
    synthetic = {"dataset": "spirals", "params": {"n_samples": 10}}
    assert rebase_data_paths(synthetic, old, new) == synthetic
