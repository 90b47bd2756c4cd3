"""Checkpoints: safetensors weights, a weights-only torch file of optimizer/RNG state, and JSON metadata.

Layout of a checkpoint root::

    latest.json              {"latest": "epoch-0003"} — replaced atomically after a write completes
    epoch-0003-batch-000040/ a mid-epoch checkpoint (interrupt, or the periodic one of a long epoch)
    epoch-0003/weights.safetensors   model state_dict (loadable with strict=True into the exported class)
    epoch-0003/best.safetensors      best epoch's weights (early stopping with restore_best)
    epoch-0003/state.pt              optimizer, scheduler, scaler, RNG states (torch.load(weights_only=True))
    epoch-0003/meta.json             epoch, step, config, history, LR changes, early-stopping state
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from nnbuilder.fileio import JsonFileError, atomic_dir, atomic_write_text, clean_stale_temps, read_json_object
from nnbuilder.training.device import rng_state, set_rng_state
from nnbuilder.training.errors import CheckpointError
from nnbuilder.training.legacy import describe, keep_raw_targets, migrate_state

if TYPE_CHECKING:
    from nnbuilder.training.engine import Trainer

FORMAT = "nnbuilder-checkpoint"
VERSION = 1


NAME_RE = re.compile(r"^epoch-(\d+)(?:-batch-(\d+))?$")


def checkpoint_name(epochs_done: int, batch: int = 0) -> str:
    """``epoch-0003`` after three whole epochs; ``epoch-0003-batch-000040`` 40 batches into the fourth."""
    return f"epoch-{epochs_done:04d}" + (f"-batch-{batch:06d}" if batch else "")


def checkpoint_key(name: str) -> tuple[int, int] | None:
    """(whole epochs, batches into the next) of a checkpoint folder name; None for other names."""
    match = NAME_RE.match(name)
    return (int(match.group(1)), int(match.group(2) or 0)) if match else None


def save_checkpoint(root: str | Path, trainer: Trainer, epoch: int, keep_last: int = 1, *,
                    partial: dict | None = None) -> Path:
    """Write the state after ``epoch`` under ``root`` and point ``latest.json`` at it; return its folder.

    With ``partial`` (``{"batch", "train", "generator", "rng"}``) the state is ``batch`` steps into
    epoch ``epoch + 1``: ``generator`` is the shuffling generator's state at that epoch's start and
    ``train`` the epoch's metric sums so far. The folder appears by one rename (see
    :func:`nnbuilder.fileio.atomic_dir`); ``latest.json`` is replaced after it, then older ones are pruned.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(root)  # left by a writer killed while writing another epoch's folder
    partial = partial or {}
    name = checkpoint_name(epoch + 1, partial.get("batch", 0))
    with atomic_dir(root / name) as tmp:
        save_file(_cpu(trainer.model.state_dict()), tmp / "weights.safetensors", metadata={"format": FORMAT})
        if trainer.early.best_state is not None:
            save_file(_cpu(trainer.early.best_state), tmp / "best.safetensors", metadata={"format": FORMAT})
        torch.save({
            "optimizer": trainer.optimizer.state_dict(),
            "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
            "scaler": trainer.scaler.state_dict() if trainer.scaler is not None else None,
            "generator": partial.get("generator", trainer.generator.get_state()),
            "rng": partial.get("rng") or rng_state(),
        }, tmp / "state.pt")
        # "epoch" is the engine's 0-based index of the last completed epoch (resume starts at epoch + 1); the
        # history entries, like history.json, number epochs from 1, so history[-1]["epoch"] == epoch + 1
        meta = {"format": FORMAT, "version": VERSION, "epoch": epoch, "step": trainer.step,
                "config": trainer.config.to_dict(), "history": trainer.result.history,
                "lr_changes": trainer.result.lr_changes, "early_stopping": trainer.early.state(),
                "metrics": trainer.result.history[-1] if trainer.result.history else {},
                "callbacks": _callback_states(trainer)}
        if partial:
            meta["partial"] = {"batch": partial["batch"], "train": partial["train"]}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")  # compact: indent is 10x slower
    atomic_write_text(root / "latest.json", json.dumps({"latest": name}))
    prune(root, keep_last, name)
    return root / name


def prune(root: Path, keep_last: int, current: str) -> None:
    """Remove checkpoints past ``current`` (an abandoned future) and all but the ``keep_last`` newest, by number."""
    mine = checkpoint_key(current)
    found = sorted((key, p) for p in root.iterdir() if (key := checkpoint_key(p.name)) is not None and p.is_dir())
    older = [p for key, p in found if key < mine]
    newer = [p for key, p in found if key > mine]
    for old in newer + older[:max(0, len(older) - (keep_last - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def checkpoint_folder(path: str | Path) -> Path:
    """The folder of one checkpoint: ``path`` itself, or the one ``path/latest.json`` names.

    When ``latest.json`` is unreadable or names a missing folder, the newest complete one is taken.
    """
    path = Path(path)
    if path.is_dir() and checkpoint_key(path.name) is None:
        named = None
        if (path / "latest.json").is_file():
            try:
                latest = json.loads((path / "latest.json").read_text(encoding="utf-8"))["latest"]
                if isinstance(latest, str) and checkpoint_key(latest) is not None:
                    named = path / latest
            except (ValueError, KeyError, TypeError, OSError):
                named = None
        if named is None or not _complete(named):
            found = sorted((key, p) for p in path.iterdir()
                           if (key := checkpoint_key(p.name)) is not None and _complete(p))
            named = found[-1][1] if found else named
        if named is not None:
            path = named
    if not _complete(path):
        raise CheckpointError(f"{path}: not a checkpoint (meta.json or weights.safetensors missing)")
    return path


def _complete(folder: Path) -> bool:
    return all((folder / f).is_file() for f in ("meta.json", "weights.safetensors", "state.pt"))


def load_checkpoint(path: str | Path, trainer: Trainer) -> dict:
    """Load weights and all training state into a set-up ``trainer``; return the checked metadata.

    Every problem (unreadable, tampered or foreign files) raises :class:`CheckpointError` naming the file
    and the field.
    """
    folder = checkpoint_folder(path)
    meta = read_meta(folder / "meta.json", trainer.steps_per_epoch)
    data_meta = trainer.bundle.meta
    filled = load_weights(folder / "weights.safetensors", trainer.model, data_meta)
    state_file = folder / "state.pt"
    try:
        state = torch.load(state_file, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a tampered file
        raise CheckpointError(f"{state_file}: unreadable ({type(exc).__name__}: {_short(exc)})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{state_file}: expected a dict of training state, found {type(state).__name__}")
    for part in ("optimizer", "scheduler", "scaler", "generator", "rng"):
        if part not in state:
            raise CheckpointError(f"{state_file}: field {part!r} is missing")
    _restore(state_file, "optimizer", lambda: trainer.optimizer.load_state_dict(state["optimizer"]))
    for part, obj in (("scheduler", trainer.scheduler), ("scaler", trainer.scaler)):
        if (state[part] is None) != (obj is None):
            raise CheckpointError(f"{folder}: the checkpoint's {part} does not match training.{part} of the config")
        if obj is not None:
            _restore(state_file, part, lambda obj=obj, part=part: obj.load_state_dict(state[part]))
    _restore(state_file, "generator", lambda: trainer.generator.set_state(state["generator"]))
    _restore(state_file, "rng", lambda: set_rng_state(state["rng"]))
    meta["rng"] = state["rng"]
    best = None
    if (folder / "best.safetensors").is_file():
        try:
            best = load_file(folder / "best.safetensors", device=str(trainer.device))
        except Exception as exc:  # noqa: BLE001 - SafetensorError and friends
            raise CheckpointError(f"{folder / 'best.safetensors'}: unreadable ({_short(exc)})") from None
        if filled:
            best, _ = migrate_state(best, trainer.model, data_meta)
    trainer.early.load_state(meta["early_stopping"], best)
    states = meta.get("callbacks") or {}
    if not isinstance(states, dict):
        raise CheckpointError(f"{folder / 'meta.json'}: field 'callbacks' must be an object of callback states")
    for cb in trainer.callbacks.callbacks:
        if isinstance(states.get(type(cb).__name__), dict):
            _restore(folder / "meta.json", f"callbacks.{type(cb).__name__}",
                     lambda cb=cb: cb.load_state_dict(states[type(cb).__name__]))
    if filled:  # an older nnbuilder's checkpoint: the run continues as that version would have
        keep_raw_targets(trainer, filled)
        meta["migrated"] = describe(folder / "weights.safetensors", filled, data_meta)
    return meta


def _callback_states(trainer: Trainer) -> dict[str, dict]:
    """Each callback's state for resuming, by class name (callbacks without state are left out)."""
    states = {}
    for cb in trainer.callbacks.callbacks:
        state = cb.state_dict(trainer)
        if state is not None:
            states[type(cb).__name__] = state
    return states


def _restore(path: Path, field: str, action) -> None:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - a tampered field: name it instead of a raw KeyError/TypeError
        raise CheckpointError(f"{path}: field {field!r} does not fit this run ({type(exc).__name__}: "
                              f"{_short(exc)})") from None


def read_meta(path: Path, steps_per_epoch: int | None = None) -> dict:
    """``meta.json`` checked field by field; :class:`CheckpointError` names the first bad one."""
    try:
        meta = read_json_object(path)
    except JsonFileError as exc:
        raise CheckpointError(str(exc)) from None
    if meta.get("format") != FORMAT or not _int(meta.get("version"), 1) or meta["version"] > VERSION:
        raise CheckpointError(f"{path}: format {_short(meta.get('format'))!r} version "
                              f"{_short(meta.get('version'))!r} is not supported (this nnbuilder reads version "
                              f"{VERSION})")

    def bad(field: str, wanted: str) -> CheckpointError:
        return CheckpointError(f"{path}: field {field!r} must be {wanted}, found {_short(meta.get(field))!r}")

    partial = meta.get("partial")
    if partial is not None and (not isinstance(partial, dict) or not _int(partial.get("batch"), 1)
                                or (steps_per_epoch is not None and partial["batch"] > steps_per_epoch)
                                or not isinstance(partial.get("train"), dict)):
        raise bad("partial", f"{{'batch': 1..{steps_per_epoch}, 'train': {{...}}}}")
    if not _int(meta.get("epoch"), -1 if partial else 0):
        raise bad("epoch", "an epoch index ≥ 0" + (" (or -1 inside the first epoch)" if partial else ""))
    if not _int(meta.get("step"), 0):
        raise bad("step", "a step count ≥ 0")
    history = meta.get("history")
    if not isinstance(history, list) or len(history) != meta["epoch"] + 1 \
            or not all(isinstance(h, dict) for h in history):
        raise bad("history", f"a list of {meta['epoch'] + 1} per-epoch dicts")
    changes = meta.get("lr_changes")
    if not isinstance(changes, list) or not all(
            isinstance(c, list) and len(c) == 2 and _int(c[0], 0) and isinstance(c[1], list)
            and all(isinstance(v, (int, float)) for v in c[1]) for c in changes):
        raise bad("lr_changes", "a list of [step, [lr, ...]] pairs")
    early = meta.get("early_stopping")
    if not isinstance(early, dict) or not _int(early.get("bad_epochs"), 0) \
            or not (early.get("best_epoch") is None or _int(early.get("best_epoch"), 0)) \
            or not (early.get("best") is None or isinstance(early.get("best"), (int, float))):
        raise bad("early_stopping", "{'best': number|null, 'best_epoch': int|null, 'bad_epochs': int ≥ 0}")
    if not isinstance(meta.get("config"), dict):
        raise bad("config", "the run's training configuration (an object)")
    return meta


def _int(value: object, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _short(value: object, limit: int = 200) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def load_weights(path: str | Path, model: nn.Module, data_meta: dict | None = None) -> list[str]:
    """Load a ``weights.safetensors`` file (or a checkpoint folder's) into ``model`` with strict key checks.

    With ``data_meta`` (the data bundle's meta) weights of an older nnbuilder that lack the model's
    preprocessing buffers are migrated (:mod:`nnbuilder.training.legacy`); returns the names filled in.
    """
    path = Path(path)
    if path.is_dir():
        path = checkpoint_folder(path) / "weights.safetensors"
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        tensors = load_file(path, device=str(device))
    except Exception as exc:  # noqa: BLE001 - SafetensorError, OSError, ...: one type naming the file
        raise CheckpointError(f"{path}: unreadable weights ({type(exc).__name__}: {_short(exc)})") from None
    filled: list[str] = []
    if data_meta is not None:
        tensors, filled = migrate_state(tensors, model, data_meta)
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: weights do not fit this model: {_short(exc, 2000)}") from exc
    return filled


def _cpu(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in state.items()}
