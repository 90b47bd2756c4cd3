"""``nnbuilder export PROJECT --notebook FILE.ipynb``: the training script as a Jupyter notebook (nbformat).

The notebook's files (model.py, initial.safetensors, data.pt for built-in sets and the train.py it is cut from) go to
``FILE_files/`` beside it; its cells are train.py's, in order, ending with a call of ``main()``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from nnbuilder.export.script import ScriptExport, ScriptExportError, export_script


def export_notebook(project: Any, path: str | os.PathLike[str], *, epochs: int | None = None) -> ScriptExport:
    """Write ``path`` (.ipynb) and its files folder; returns what :func:`export_script` wrote, plus the notebook."""
    try:
        import nbformat
    except ImportError:
        raise ScriptExportError("notebook export needs nbformat: pip install 'nnbuilder[notebook]' or pip install nbformat") from None
    path = Path(path)
    if path.suffix != ".ipynb":
        raise ScriptExportError(f"{path}: a notebook file must end in .ipynb")
    files = path.with_name(f"{path.stem}_files")
    done = export_script(project, files, epochs=epochs)
    source = (files / "train.py").read_text(encoding="utf-8")
    match = re.match(r'"""(.*?)"""\n', source, re.DOTALL)
    doc = match.group(1) if match else ""
    body = source[match.end():] if match else source
    body = body.replace('if __name__ == "__main__":\n    main()\n', "")
    chunks = [c.strip("\n") for c in re.split(r"\n\n\n(?=def |class |HERE = )", body) if c.strip()]
    chunks = [c.replace('HERE = Path(__file__).resolve().parent', f'HERE = Path({files.name!r}).resolve()')
              for c in chunks]
    nb = nbformat.v4.new_notebook()
    title = doc.splitlines()[0] if doc else "Training script"
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n```\n{doc.strip()}\n```"),
                *(nbformat.v4.new_code_cell(chunk) for chunk in chunks),
                nbformat.v4.new_markdown_cell("Train (the arguments are train.py's: `--epochs`, `--device`, `--out`)."),
                nbformat.v4.new_code_cell('sys.argv = ["train.py"]\nmain()')]
    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return ScriptExport(done.folder, [path, *done.files], done.notes)
