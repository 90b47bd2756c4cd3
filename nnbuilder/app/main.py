"""Start the editor: ``run_app(path)`` is what ``nnbuilder [PROJECT]`` calls.

The window is shown before torch is imported; the first analysis (which
imports torch) runs from the event loop right after.
"""
from __future__ import annotations

import itertools
import os
import sys
import time

from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project

SEED_EXAMPLE = "seed_regression.nnb"


def seed_project() -> Project:
    """The seed regression MLP 2→20→10→1 with ReLU (used when examples/ is missing)."""
    nodes = [Node("in", "Input", {"shape": [2]}, (0.0, 0.0)),
             Node("fc1", "Linear", {"out_features": 20}, (220.0, 0.0)),
             Node("act1", "ReLU", {}, (440.0, 0.0)),
             Node("fc2", "Linear", {"out_features": 10}, (660.0, 0.0)),
             Node("act2", "ReLU", {}, (880.0, 0.0)),
             Node("fc3", "Linear", {"out_features": 1}, (1100.0, 0.0)),
             Node("out", "Output", {}, (1320.0, 0.0))]
    ids = [n.id for n in nodes]
    edges = [Edge(a, b) for a, b in itertools.pairwise(ids)]
    return Project("seed regression", GraphDocument(nodes, edges),
                   training={"loss": "MSELoss", "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 100})


def open_initial(window: object, project_path: str | None) -> None:
    """Open ``project_path``, or the seed example when none is given."""
    from nnbuilder.app.window.files import examples_dir

    if project_path is not None:
        if not window.open_path(project_path):  # type: ignore[attr-defined]
            window.new_document()  # type: ignore[attr-defined]
        return
    folder = examples_dir()
    seed = folder / SEED_EXAMPLE if folder else None
    if seed is None or not seed.is_file() or not window.open_path(str(seed), as_example=True):  # type: ignore[attr-defined]
        window.install(seed_project(), None)  # type: ignore[attr-defined]


def run_app(project_path: str | None) -> int:
    """Run the editor until its window closes; returns the process exit code.

    With ``NNBUILDER_STARTUP_TIMING`` set it prints, once the window is shown, how long each
    start-up step took (what ``benchmarks/bench_editor.py`` reads).
    """
    marks = [("start", time.perf_counter())]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("nnbuilder")
    app.setApplicationName("nnbuilder")
    app.setApplicationDisplayName("nnbuilder")
    app.setStyle("Fusion")
    marks.append(("qt", time.perf_counter()))

    from nnbuilder.app.window import MainWindow

    marks.append(("imports", time.perf_counter()))
    window = MainWindow()
    marks.append(("window", time.perf_counter()))
    open_initial(window, project_path)
    marks.append(("open", time.perf_counter()))
    window.show()
    marks.append(("show", time.perf_counter()))
    if os.environ.get("NNBUILDER_STARTUP_TIMING"):
        steps = ", ".join(f"{name} {1000 * (t - marks[i][1]):.0f} ms" for i, (name, t) in enumerate(marks[1:]))
        print(f"window shown after {marks[-1][1] - marks[0][1]:.3f} s ({steps}); torch imported: "
              f"{'torch' in sys.modules}", file=sys.stderr)
    QTimer.singleShot(0, window.runner.run_now)  # imports torch after the window is on screen
    QTimer.singleShot(0, window.offer_recovery)
    return app.exec()
