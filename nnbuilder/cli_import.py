"""``nnbuilder import NAME|timm:NAME|FILE.py:Class -o FILE.nnb``: trace a model into a project, check it
(validates, compiles, loads the source's own state dict strictly, same outputs) and only then write it."""
from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
DTYPES = ("float32", "float64", "int64")


def parse_args(pairs: list[str] | None) -> dict[str, Any]:
    """``["num_classes=10", "aux_logits=False"]`` -> keyword arguments (Python literals, else text)."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--arg expects KEY=VALUE with a Python name as KEY, got {pair!r}")
        try:
            out[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            out[key] = text
    return out


def cmd_import(model: str, output: str, shapes: list[list[int]] | None, args: list[str] | None = None,
               dtype: str = "float32") -> int:
    """Import, check, write; exit 1 with the reason when the result would not open or load the weights."""
    from nnbuilder.backbones.fx_convert import UnsupportedModel
    from nnbuilder.backbones.sources import import_source, set_input_dtype, verify
    from nnbuilder.graph.project import Project, save_project

    if shapes and any(d < 1 for shape in shapes for d in shape):
        print("nnbuilder import: --shape dimensions must be positive", file=sys.stderr)
        return EXIT_USAGE
    try:
        kwargs = parse_args(args)
    except ValueError as exc:
        print(f"nnbuilder import: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result, original, name = import_source(model, shapes, kwargs)
        set_input_dtype(result, dtype)
        used = [n.params["shape"] for n in result.doc.nodes if n.type == "Input"]
        verify(result, original, used, dtype)
    except UnsupportedModel as exc:
        print(f"nnbuilder import: {model}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    save_project(Project(name, result.doc), Path(output))
    print(f"wrote {output}: {len(result.doc)} nodes, {len(result.doc.edges)} edges; the source's state dict "
          "loads strictly into its export"
          + (f"; {len(result.opaque)} opaque node(s) kept as-is: {', '.join(result.opaque[:8])}"
             if result.opaque else ""))
    return EXIT_OK
