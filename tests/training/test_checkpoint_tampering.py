"""Tampered or truncated checkpoint files raise one CheckpointError that names the file and the field."""
from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from training_helpers import config, mlp, regression_bundle

from nnbuilder.training import CheckpointError, Trainer


class Hostile:
    def __reduce__(self):
        return (print, ("code ran",))


def meta_edit(**changes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        meta = json.loads((folder / "meta.json").read_text())
        meta.update(changes)
        (folder / "meta.json").write_text(json.dumps(meta))
    return edit


def state_edit(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        state = torch.load(folder / "state.pt", weights_only=True)
        change(state)
        torch.save(state, folder / "state.pt")
    return edit


def write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(data)


CASES = {
    "negative epoch": (meta_edit(epoch=-5), "meta.json", "'epoch'"),
    "epoch as text": (meta_edit(epoch="2"), "meta.json", "'epoch'"),
    "history too short": (meta_edit(history=[]), "meta.json", "'history'"),
    "step missing": (meta_edit(step=None), "meta.json", "'step'"),
    "lr changes garbage": (meta_edit(lr_changes=[["x"]]), "meta.json", "'lr_changes'"),
    "early stopping garbage": (meta_edit(early_stopping={"best": "x"}), "meta.json", "'early_stopping'"),
    "partial batch past the epoch": (meta_edit(partial={"batch": 10**6, "train": {}}), "meta.json", "'partial'"),
    "meta not json": (write("meta.json", b"\x00{not json"), "meta.json", "unreadable"),
    "meta a list": (write("meta.json", b"[1, 2]"), "meta.json", "JSON object"),
    "weights garbage": (write("weights.safetensors", b"\xff" * 64), "weights.safetensors", "unreadable"),
    "weights truncated": (lambda f: (f / "weights.safetensors").write_bytes(
        (f / "weights.safetensors").read_bytes()[:40]), "weights.safetensors", "unreadable"),
    "state hostile pickle": (write("state.pt", pickle.dumps(Hostile())), "state.pt", "unreadable"),
    "state garbage": (write("state.pt", b"PK\x03\x04garbage"), "state.pt", "unreadable"),
    "state not a dict": (lambda f: torch.save([1, 2], f / "state.pt"), "state.pt", "expected a dict"),
    "optimizer key missing": (state_edit(lambda s: s.pop("optimizer")), "state.pt", "'optimizer'"),
    "optimizer state wrong": (state_edit(lambda s: s.__setitem__("optimizer", {"state": 3})), "state.pt",
                              "'optimizer'"),
    "generator state wrong": (state_edit(lambda s: s.__setitem__("generator", torch.zeros(3))), "state.pt",
                              "'generator'"),
    "rng state wrong": (state_edit(lambda s: s.__setitem__("rng", {"python": 1})), "state.pt", "'rng'"),
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ckpt")
    Trainer(mlp(1), regression_bundle(), config(epochs=2), checkpoint_dir=root).run()
    return root


@pytest.mark.parametrize("case", list(CASES))
def test_tampered_checkpoint_raises_checkpoint_error_naming_file_and_field(saved: Path, tmp_path: Path, case: str,
                                                                         capsys) -> None:
    import shutil

    edit, filename, field = CASES[case]
    root = tmp_path / "ckpt"
    shutil.copytree(saved, root)
    edit(root / "epoch-0002")
    with pytest.raises(CheckpointError) as caught:
        Trainer(mlp(1), regression_bundle(), config(epochs=2)).resume(root)
    message = str(caught.value)
    assert filename in message and field in message, message
    assert len(message) < 2500
    assert "code ran" not in capsys.readouterr().out


def test_a_broken_latest_json_falls_back_to_the_newest_complete_checkpoint(saved: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "ckpt"
    shutil.copytree(saved, root)
    (root / "latest.json").write_text("{garbage")
    result = Trainer(mlp(1), regression_bundle(), config(epochs=3)).resume(root)
    assert result.stop_reason == "completed" and len(result.history) == 3
