"""CLI runs land in the project's runs/ folder with their project copy; a later process lists them."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnbuilder.package_data import examples_dir
from nnbuilder.recipe import RUN_FORMAT, RunFolderError
from nnbuilder.recipe import read_run as read_recipe
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


def _run_folder(folder: Path, run_json: object | None, checkpoint: bool = False) -> Path:
    """history.json and the files recipe.read_run looks for; ``run_json`` None writes no run.json."""
    folder.mkdir(parents=True)
    (folder / "history.json").write_text(json.dumps({"history": [{"epoch": 1, "loss": 0.5}], "stop_reason": "stopped"}))
    for name in ("model.py", "weights.safetensors"):
        (folder / name).write_text("")
    if run_json is not None:
        (folder / "run.json").write_text(json.dumps(run_json))
    if checkpoint:
        (folder / "checkpoint").mkdir()
    return folder


def test_a_run_folder_export_refuses_is_flagged_in_its_summary(tmp_path: Path) -> None:
    old = _run_folder(tmp_path / "old", {"project": "p", "class": "P", "stop_reason": "completed"})
    old_resumable = _run_folder(tmp_path / "old-ckpt", {"project": "p", "class": "P"}, checkpoint=True)
    newer = _run_folder(tmp_path / "newer", {"run_format": RUN_FORMAT + 1})
    for folder in (old, old_resumable, newer):  # the folders the list flags are the ones export/load_run refuse
        with pytest.raises(RunFolderError):
            read_recipe(folder)
    summary = read_run(old)
    assert summary.format_tag == "older version"
    assert "cannot be exported or loaded" in summary.format_note and "train the project again" in summary.format_note
    assert "Resume it to continue" in read_run(old_resumable).format_note
    assert read_run(newer).format_tag == "newer version" and "update nnbuilder" in read_run(newer).format_note
    for fine in (_run_folder(tmp_path / "current", {"run_format": RUN_FORMAT}), _run_folder(tmp_path / "bare", None),
                 _run_folder(tmp_path / "odd", ["not", "an", "object"])):
        assert (read_run(fine).format_tag, read_run(fine).format_note) == ("", "")
