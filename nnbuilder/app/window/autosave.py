"""Recovery copies of modified documents, so a crash loses at most a few seconds.

A modified document is written every ~30 s and shortly after each edit to
``<AppDataLocation>/recovery/<key>.nnb`` with a ``<key>.json`` sidecar naming
the original file.  A clean exit (save, discard, close) removes both; the next
start offers to restore a copy newer than its project file.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from nnbuilder.graph.project import Project, save_project

INTERVAL_MS = 30_000
AFTER_EDIT_MS = 3_000


def default_recovery_dir() -> Path:
    """Where recovery copies live (tests point this elsewhere)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".nnbuilder") / "recovery"


@dataclass
class Recovery:
    """One recovery copy on disk."""

    copy: Path
    original: str | None  # the project file it belongs to; None for an unsaved document
    saved_at: float

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))


def key_for(original: str | None) -> str:
    if original is None:
        return "untitled"
    import hashlib  # ~3 ms of OpenSSL loading: only once a recovery copy is written or looked up

    return hashlib.sha1(os.path.abspath(original).encode("utf-8")).hexdigest()[:16]


class RecoveryStore:
    """Reads and writes recovery copies in one folder."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_recovery_dir()

    def write(self, project: Project, original: str | None) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        key = key_for(original)
        copy = save_project(project, self.folder / f"{key}.nnb")
        meta = {"original": os.path.abspath(original) if original else None, "saved_at": time.time()}
        (self.folder / f"{key}.json").write_text(json.dumps(meta), encoding="utf-8")
        return copy

    def remove(self, original: str | None) -> None:
        key = key_for(original)
        for suffix in (".nnb", ".json"):
            (self.folder / f"{key}{suffix}").unlink(missing_ok=True)

    def pending(self) -> list[Recovery]:
        """Copies newer than their project file (or whose file is gone), newest first."""
        found: list[Recovery] = []
        if not self.folder.is_dir():
            return found
        for meta_path in self.folder.glob("*.json"):
            copy = meta_path.with_suffix(".nnb")
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                saved_at = float(meta.get("saved_at", 0))
                original = meta.get("original")
            except (OSError, ValueError, AttributeError, TypeError):
                continue
            if not copy.is_file() or (original is not None and not isinstance(original, str)):
                continue
            if original and os.path.exists(original) and os.path.getmtime(original) >= saved_at:
                continue  # the project was saved after this copy: nothing to recover
            found.append(Recovery(copy, original, saved_at))
        return sorted(found, key=lambda r: r.saved_at, reverse=True)
