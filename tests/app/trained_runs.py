"""Real run folders (trained for a step or two), laid out as ``nnbuilder train`` writes them beside a project."""
from __future__ import annotations

import shutil
from pathlib import Path

from nnbuilder.api import train
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir
from nnbuilder.runs import save_project_copy


def project_with_run(root: Path, example: str, epochs: int, stamp: str = "20261206-000000") -> tuple[Path, Path]:
    """``root/<example>.nnb`` (a copy of the example) and its run ``root/runs/<example>-<stamp>``, trained."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{example}.nnb"
    shutil.copy(examples_dir() / f"{example}.nnb", path)
    project = load_project(path)
    folder = root / "runs" / f"{example}-{stamp}"
    train(project, epochs=epochs, out=folder)
    save_project_copy(project, folder)
    return path, folder
