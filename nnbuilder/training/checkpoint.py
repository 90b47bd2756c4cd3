"""Checkpoints: safetensors weights, a weights-only torch file of optimizer/RNG state, and JSON metadata.

Layout of a checkpoint root::

    latest.json              {"latest": "epoch-0003"} — replaced atomically after a write completes
                             (atomic against a crash of the process, not of the machine: nothing is fsynced)
    epoch-0003/weights.safetensors   model state_dict (loadable with strict=True into the exported class)
    epoch-0003/best.safetensors      best epoch's weights (early stopping with restore_best)
    epoch-0003/state.pt              optimizer, scheduler, scaler, RNG states (torch.load(weights_only=True))
    epoch-0003/meta.json             epoch, step, config, history, LR changes, early-stopping state
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from nnbuilder.training.device import rng_state, set_rng_state
from nnbuilder.training.errors import CheckpointError

if TYPE_CHECKING:
    from nnbuilder.training.engine import Trainer

FORMAT = "nnbuilder-checkpoint"
VERSION = 1


def save_checkpoint(root: str | Path, trainer: Trainer, epoch: int, keep_last: int = 1) -> Path:
    """Write the state after ``epoch`` under ``root`` and point ``latest.json`` at it; return its folder."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    name = f"epoch-{epoch + 1:04d}"
    tmp = root / f".tmp-{name}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    save_file(_cpu(trainer.model.state_dict()), tmp / "weights.safetensors", metadata={"format": FORMAT})
    if trainer.early.best_state is not None:
        save_file(_cpu(trainer.early.best_state), tmp / "best.safetensors", metadata={"format": FORMAT})
    torch.save({
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
        "scaler": trainer.scaler.state_dict() if trainer.scaler is not None else None,
        "generator": trainer.generator.get_state(),
        "rng": rng_state(),
    }, tmp / "state.pt")
    # "epoch" is the engine's 0-based index of the last completed epoch (resume starts at epoch + 1); the
    # history entries, like history.json, number epochs from 1, so history[-1]["epoch"] == epoch + 1
    meta = {"format": FORMAT, "version": VERSION, "epoch": epoch, "step": trainer.step,
            "config": trainer.config.to_dict(), "history": trainer.result.history,
            "lr_changes": trainer.result.lr_changes, "early_stopping": trainer.early.state(),
            "metrics": trainer.result.history[-1] if trainer.result.history else {}}
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")  # compact: indent is 10x slower
    final = root / name
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    _write_atomic(root / "latest.json", json.dumps({"latest": name}))
    for old in sorted(root.glob("epoch-*"))[:-keep_last]:
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return final


def checkpoint_folder(path: str | Path) -> Path:
    """The folder of one checkpoint: ``path`` itself, or the one ``path/latest.json`` names."""
    path = Path(path)
    if (path / "latest.json").is_file():
        try:
            path = path / json.loads((path / "latest.json").read_text(encoding="utf-8"))["latest"]
        except (ValueError, KeyError) as exc:
            raise CheckpointError(f"{path / 'latest.json'}: unreadable ({exc})") from exc
    if not (path / "meta.json").is_file() or not (path / "weights.safetensors").is_file():
        raise CheckpointError(f"{path}: not a checkpoint (meta.json or weights.safetensors missing)")
    return path


def load_checkpoint(path: str | Path, trainer: Trainer) -> dict:
    """Load weights and all training state into a set-up ``trainer``; return the metadata."""
    folder = checkpoint_folder(path)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT or meta.get("version", 0) > VERSION:
        raise CheckpointError(f"{folder / 'meta.json'}: format {meta.get('format')!r} version "
                              f"{meta.get('version')!r} is not supported (this nnbuilder reads version {VERSION})")
    load_weights(folder / "weights.safetensors", trainer.model)
    state = torch.load(folder / "state.pt", map_location="cpu", weights_only=True)
    trainer.optimizer.load_state_dict(state["optimizer"])
    for part, obj in (("scheduler", trainer.scheduler), ("scaler", trainer.scaler)):
        if (state[part] is None) != (obj is None):
            raise CheckpointError(f"{folder}: the checkpoint's {part} does not match training.{part} of the config")
        if obj is not None:
            obj.load_state_dict(state[part])
    trainer.generator.set_state(state["generator"])
    set_rng_state(state["rng"])
    best = None
    if (folder / "best.safetensors").is_file():
        best = load_file(folder / "best.safetensors", device=str(trainer.device))
    trainer.early.load_state(meta["early_stopping"], best)
    return meta


def load_weights(path: str | Path, model: nn.Module) -> None:
    """Load a ``weights.safetensors`` file (or a checkpoint folder's) into ``model`` with strict key checks."""
    path = Path(path)
    if path.is_dir():
        path = checkpoint_folder(path) / "weights.safetensors"
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    tensors = load_file(path, device=str(device))
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: weights do not fit this model: {exc}") from exc


def _cpu(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in state.items()}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
