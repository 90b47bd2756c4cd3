"""kill -9 while checkpoints and run folders are written: the previous or the new version, never a mix,
and no temp garbage once the next write has run (a forked writer killed at random instants, ≥ 100 times each)."""
from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from nnbuilder.pipeline import TrainedModel, save_run
from nnbuilder.training import Trainer, TrainingConfig, TrainResult
from nnbuilder.training.checkpoint import checkpoint_folder, read_meta, save_checkpoint

KILLS = 100


def _kill_loop(write_forever, check, after_write, rounds: int = KILLS) -> int:
    """Fork a writer, SIGKILL it after a random delay, check what is on disk; return how many kills hit."""
    rng = random.Random(0)
    kills = 0
    for _ in range(rounds):
        pid = os.fork()
        if pid == 0:  # the writer: never returns
            try:
                write_forever()
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        kills += os.WIFSIGNALED(status)
        check()
    after_write()
    return kills


def _garbage(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_kill_9_during_run_folder_writes(tmp_path: Path) -> None:
    target = tmp_path / "run"

    def version(i: int) -> TrainedModel:
        source = f"import torch\n\n\nclass Net{i}(torch.nn.Module):\n    pass\n" + "# padding\n" * 2000
        return TrainedModel("p", f"Net{i}", source, "spirals", "regression", {"w": torch.full((64, 1024), float(i))})

    def write(i: int) -> None:
        save_run(version(i), TrainResult(message=f"v{i}"), target)

    write(0)

    def write_forever() -> None:
        i = 1
        while True:
            write(i)
            i += 1

    def check() -> None:
        info = json.loads((target / "run.json").read_text())
        i = int(info["class"].removeprefix("Net"))
        assert f"class Net{i}(" in (target / "model.py").read_text()
        assert (load_file(target / "weights.safetensors")["w"] == i).all()
        assert json.loads((target / "history.json").read_text())["message"] == f"v{i}"

    def after_write() -> None:
        write(10_000)
        check()
        assert _garbage(tmp_path) == []

    assert _kill_loop(write_forever, check, after_write) >= KILLS * 0.9


@pytest.mark.slow
def test_kill_9_during_checkpoint_writes(tmp_path: Path) -> None:
    from training_helpers_shim import regression_bundle, tiny_model

    root = tmp_path / "ckpt"
    trainer = Trainer(tiny_model(), regression_bundle(), TrainingConfig.from_dict(
        {"loss": "MSELoss", "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 1000}))
    trainer.setup()

    def write(epoch: int, batch: int = 0) -> None:
        with torch.no_grad():
            for p in trainer.model.parameters():
                p.fill_(epoch * 1000 + batch)
        trainer.result.history = [{"epoch": e} for e in range(epoch + 1)]
        partial = {"batch": batch, "train": {}, "generator": trainer.generator.get_state(), "rng": None} \
            if batch else None
        save_checkpoint(root, trainer, epoch, partial=partial)

    write(0)

    def write_forever() -> None:
        epoch = 1
        while True:
            write(epoch, batch=epoch % 3)  # mid-epoch and whole-epoch names, each written once
            write(epoch)  # the same name again: replaced whole
            epoch += 1

    def check() -> None:
        folder = checkpoint_folder(root)
        meta = read_meta(folder / "meta.json")
        batch = (meta.get("partial") or {}).get("batch", 0)
        value = meta["epoch"] * 1000 + batch
        assert all((t == value).all() for t in load_file(folder / "weights.safetensors").values()), folder
        torch.load(folder / "state.pt", weights_only=True)

    def after_write() -> None:
        write(5000)
        check()
        assert _garbage(root) == [] and sorted(p.name for p in root.iterdir()) == ["epoch-5001", "latest.json"]

    assert _kill_loop(write_forever, check, after_write) >= KILLS * 0.9
