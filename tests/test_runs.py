"""CLI runs land in the project's runs/ folder with their project copy; a later process lists them."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from nnbuilder.package_data import examples_dir
from nnbuilder.runs import list_runs, read_run

ROOT = Path(__file__).resolve().parents[1]


def test_cli_runs_are_saved_next_to_the_project_and_listed_after_a_restart(tmp_path: Path) -> None:
    project = tmp_path / "seed.nnb"
    shutil.copy(examples_dir() / "seed_regression.nnb", project)
    (tmp_path / "other.nnb").write_text("{}")
    board = tmp_path / "board"
    for epochs in ("2", "3"):
        args = [sys.executable, "-m", "nnbuilder", "train", str(project), "--epochs", epochs]
        if epochs == "2":
            args += ["--tensorboard", str(board)]
        result = subprocess.run(args, capture_output=True, text=True, check=False, cwd=tmp_path / "..")
        assert result.returncode == 0, result.stderr
    runs = list_runs(project)  # this process did not train them: the history is read from disk
    assert [len(r.history) for r in runs] == [2, 3]
    assert all(r.folder.parent == tmp_path / "runs" and r.name.startswith("seed-") for r in runs)
    first = runs[0]
    assert first.training["optimizer"] == {"type": "SGD", "lr": 0.01} and first.data["dataset"] == "seed_regression"
    assert set(first.grad_norm) == {"fc1", "fc2", "fc3"} and all(len(v) == 2 for v in first.grad_norm.values())
    assert first.final["val_loss"] == first.curve("val_loss")[-1] and first.stop_reason == "completed"
    assert list(board.glob("events.out.tfevents.*")), "no TensorBoard event file"
    assert list_runs(tmp_path / "other.nnb") == []


def test_a_folder_without_history_is_named_when_read(tmp_path: Path) -> None:
    (tmp_path / "history.json").write_text("{not json")
    try:
        read_run(tmp_path)
    except ValueError as exc:
        assert "history.json" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a broken history was read")
