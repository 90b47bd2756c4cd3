"""Output checks of the CLI's writing commands: never overwrite a project with code, name an unwritable target."""
from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_MAGIC = b'"format": "nnbuilder"'


def overwrites_project(output: str | os.PathLike[str], project: str | os.PathLike[str] | None = None) -> str | None:
    """Why writing ``output`` would destroy a project file (``project`` itself, or any ``.nnb``); else None."""
    out = Path(output)
    if project is not None and out.exists():
        try:
            if out.samefile(project):
                return f"{output} is the project file itself; choose another output (e.g. {out.with_suffix('.py')})"
        except OSError:
            pass
    if out.suffix.lower() == ".nnb":
        return f"{output} ends in .nnb, which is a project file; export writes Python (use a .py name)"
    if out.is_file():
        try:
            with out.open("rb") as fh:
                head = fh.read(4096)
        except OSError:
            return None
        if PROJECT_MAGIC in head:
            return f"{output} is an nnbuilder project file; refusing to overwrite it with Python code"
    return None


def unwritable_reason(output: str | os.PathLike[str]) -> str | None:
    """Why a file cannot be created at ``output`` (missing or read-only folder, a file in the way); else None."""
    parent = Path(output).parent
    if not parent.exists():
        return f"the folder {parent} does not exist"
    if not parent.is_dir():
        return f"{parent} is not a folder"
    if Path(output).is_dir():
        return f"{output} is a folder"
    if not os.access(parent, os.W_OK):
        return f"the folder {parent} is not writable"
    return None


def import_preflight(model: str, output: str) -> str | None:
    """Refuse an import whose output cannot be written; say that a FILE.py is executed (its top-level code runs)."""
    if (reason := unwritable_reason(output)) is not None:
        return f"nnbuilder import: cannot write {output}: {reason}"
    if ":" in model and model.split(":", 1)[0].endswith(".py"):
        print(f"nnbuilder import: executing {model.split(':', 1)[0]} (its top-level code runs; import only files "
              "you trust)", file=sys.stderr)
    return None
