"""``nnbuilder sweep PROJECT --set KEY=V1,V2 [--set ...] --out DIR``."""
from __future__ import annotations

import sys

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def cmd_sweep(path: str, sets: list[str], out: str) -> int:
    from nnbuilder.graph.project import ProjectFileError, load_project
    from nnbuilder.sweep import SweepError, parse_setting, run_sweep

    try:
        settings = [parse_setting(text) for text in sets]
    except SweepError as exc:
        print(f"nnbuilder sweep: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        project = load_project(path)
    except ProjectFileError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    try:
        runs = run_sweep(project, settings, out, report=lambda line: print(line, file=sys.stderr))
    except SweepError as exc:
        print(f"nnbuilder sweep: {exc}", file=sys.stderr)
        return EXIT_INVALID
    failed = [r for r in runs if r.error and not r.history]
    print(f"wrote {out}/summary.csv ({len(runs)} runs) and {out}/curves.png")
    return EXIT_INVALID if len(failed) == len(runs) else EXIT_OK
