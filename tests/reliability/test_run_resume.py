"""Interrupted runs outside the CLI (the dashboard's training process): written resumable, read back, continued
exactly; a folder that cannot be written goes to a named fallback."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from reliability_helpers import spirals_project

from nnbuilder.app.dashboard.child import save_folder
from nnbuilder.app.dashboard.worker import RunOptions
from nnbuilder.graph.project import load_project
from nnbuilder.pipeline import prepare
from nnbuilder.run_resume import ResumeError, read_resumable, write_run
from nnbuilder.training import Callback, Trainer


class InterruptAt(Callback):
    def __init__(self, step: int) -> None:
        self.at = step

    def on_batch_end(self, trainer, step, epoch, loss):
        if step == self.at:
            trainer.interrupt()  # what the dashboard's Stop asks the training process to do


def _interrupted(tmp_path: Path, step: int = 11):
    prepared = prepare(load_project(spirals_project(tmp_path / "s.nnb", epochs=3, samples=200, batch=32)))
    ckpt = tmp_path / "ckpt"
    result = Trainer(prepared.model, prepared.bundle, prepared.config, [InterruptAt(step)],
                     batch_size=prepared.batch_size, checkpoint_dir=ckpt).run()
    assert result.stop_reason == "interrupted"
    return prepared, result, ckpt


def test_an_interrupted_run_is_written_read_back_and_resumed_exactly(tmp_path: Path) -> None:
    full = prepare(load_project(spirals_project(tmp_path / "f.nnb", epochs=3, samples=200, batch=32)))
    Trainer(full.model, full.bundle, full.config, batch_size=full.batch_size).run()

    prepared, result, ckpt = _interrupted(tmp_path)
    folder = write_run(prepared, result, tmp_path / "runs" / "s-1", ckpt)
    assert {p.name for p in folder.iterdir()} == {"weights.safetensors", "model.py", "history.json", "run.json",
                                                  "project.nnb", "checkpoint"}
    assert json.loads((folder / "run.json").read_text())["stop_reason"] == "interrupted"

    resumable = read_resumable(folder)
    assert resumable.epochs == 3 and resumable.project.training["epochs"] == 3
    again = prepare(resumable.project)  # what the training process does with RunOptions.resume_from
    trainer = Trainer(again.model, again.bundle, again.config, batch_size=again.batch_size)
    trainer.load_checkpoint(folder / "checkpoint")
    end = trainer.run()
    assert end.stop_reason == "completed"
    mine, theirs = again.model.state_dict(), full.model.state_dict()
    assert all(torch.equal(mine[k], theirs[k]) for k in theirs)

    write_run(again, end, folder, None)  # the finished run replaces the folder; nothing is left to resume
    assert not (folder / "checkpoint").exists()
    with pytest.raises(ResumeError, match="the run finished \\(completed\\); there is nothing to resume"):
        read_resumable(folder)


def test_folders_that_cannot_be_resumed_say_why(tmp_path: Path) -> None:
    with pytest.raises(ResumeError, match="is not a run folder"):
        read_resumable(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResumeError, match="no checkpoint to resume from"):
        read_resumable(tmp_path / "empty")
    prepared, result, ckpt = _interrupted(tmp_path)
    folder = write_run(prepared, result, tmp_path / "run", ckpt)
    latest = json.loads((folder / "checkpoint" / "latest.json").read_text())["latest"]
    (folder / "checkpoint" / latest / "meta.json").write_text('{"format": "nnbuilder-checkpoint", "version": 1, '
                                                              '"epoch": -5}')
    with pytest.raises(ResumeError, match="cannot resume: .*meta.json: field 'epoch'"):
        read_resumable(folder)


def test_a_run_folder_that_cannot_be_written_goes_to_a_named_fallback(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    prepared, result, ckpt = _interrupted(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    saved = save_folder(prepared, result, RunOptions(checkpoint_dir=str(ckpt), run_dir=str(blocker / "run")))
    assert saved.folder is not None and Path(saved.folder).is_relative_to(tmp_path / "cache")
    assert f"could not write the run folder {blocker / 'run'}" in saved.error and saved.folder in saved.error
    assert (Path(saved.folder) / "checkpoint" / "latest.json").is_file()
    assert save_folder(prepared, result, RunOptions()) is None  # no folder asked for (an LR test, a bare job)
