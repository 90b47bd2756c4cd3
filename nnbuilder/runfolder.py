"""A run folder appears whole: its files are written into a temp folder beside it, then one rename publishes it.

A reader (or a process killed at any instant) sees the previous version or the new one, never
``run.json`` of one run beside ``model.py`` of another. Entries of the previous version that the
new one does not write (the ``checkpoint/`` folder of an interrupted run) are carried over by
hard link, so resuming into the same folder keeps them.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nnbuilder.fileio import check_writable, make_temp_dir, publish_dir

CHECKPOINT_SUBDIR = "checkpoint"


class RunFolderError(OSError):
    """A run folder cannot be written; the message names the folder and the reason."""


def write_run_folder(target: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call ``write(temp_folder)`` to fill a new version of ``target``, then publish it by one rename."""
    target = Path(target)
    tmp = make_temp_dir(target)
    try:
        write(tmp)
        _carry_over(target, tmp)
        publish_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _carry_over(old: Path, new: Path) -> None:
    """Link what the previous version holds and the new one lacks (a checkpoint folder) into ``new``."""
    if not old.is_dir():
        return
    for entry in old.iterdir():
        if (new / entry.name).exists() or entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, copy_function=_link_or_copy, symlinks=True)
        else:
            _link_or_copy(entry, new / entry.name)


def _link_or_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def ensure_writable(folder: str | os.PathLike[str]) -> None:
    """Raise :class:`RunFolderError` naming ``folder`` and the reason unless a run folder can be written there."""
    try:
        check_writable(folder)
    except OSError as exc:
        raise RunFolderError(f"cannot write the run folder {folder}: {exc.strerror or exc}") from None


def fallback_folder(name: str) -> Path:
    """Where a run goes when its own folder cannot be written: a fresh folder under the user's cache."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for base in (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nnbuilder" / "unsaved-runs",
                 Path(tempfile.gettempdir()) / "nnbuilder-unsaved-runs"):
        try:
            base.mkdir(parents=True, exist_ok=True)
            folder = base / f"{name}-{stamp}-{os.getpid()}"
            check_writable(folder)
            return folder
        except OSError:
            continue
    raise RunFolderError("no fallback folder is writable (tried ~/.cache/nnbuilder and the temp folder)")
