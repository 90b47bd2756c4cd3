"""Data paths in a project (a CSV file, an image folder...) are relative to the project file.

A project stores them relative to its own folder, so that a project and its data move together;
they are resolved against that folder when the data loads (CLI and GUI), and re-based when the
project is saved elsewhere.  ``~/...`` paths are kept as written; a project that was never saved
resolves relative paths against the current folder.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from .params import PATH


def path_params(dataset: object) -> list[str]:
    """Names of ``dataset``'s parameters that are file or folder paths (none for an unknown data set)."""
    from .registry import get_dataset

    try:
        info = get_dataset(dataset)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - unknown names are reported by validate_data_section
        return []
    return [p.name for p in info.params if p.kind == PATH]


def _paths(section: dict[str, Any] | None) -> list[str]:
    if not isinstance(section, dict) or not isinstance(section.get("params"), dict):
        return []
    return [name for name in path_params(section.get("dataset")) if isinstance(section["params"].get(name), str)]


def resolve_path(value: str, folder: Path | None) -> str:
    """``value`` as the loader reads it: ``~`` expanded, relative paths joined to ``folder``."""
    path = Path(value).expanduser()
    if not path.is_absolute() and folder is not None:
        path = Path(folder) / path
    return str(path)


def resolve_data_paths(section: dict[str, Any] | None, folder: Path | None) -> dict[str, Any] | None:
    """A copy of the data section whose paths the loader can open from any current folder."""
    names = _paths(section)
    if not names or folder is None:
        return section
    out = copy.deepcopy(section)
    for name in names:
        out["params"][name] = resolve_path(out["params"][name], folder)
    return out


def rebase_data_paths(section: dict[str, Any] | None, old: Path | None, new: Path) -> dict[str, Any] | None:
    """A copy of the data section whose paths are relative to ``new`` (the folder the project moves to)."""
    names = _paths(section)
    if not names:
        return section
    out = copy.deepcopy(section)
    for name in names:
        value = out["params"][name]
        if value.startswith("~"):
            continue
        target = resolve_path(value, old if old is not None else Path.cwd())
        try:
            out["params"][name] = Path(os.path.relpath(target, new)).as_posix()
        except ValueError:  # another drive (Windows): only an absolute path can reach it
            out["params"][name] = target
    return out
