"""Start the editor: ``run_app(path)`` is what ``nnbuilder [PROJECT]`` calls.

The window is shown and painted before torch is imported; the first analysis (which
imports torch) runs from the event loop once the first frame is on screen.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import os
import sys
import time
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:  # the graph core loads in run_app, with the garbage collector paused
    from collections.abc import Iterator

    from nnbuilder.graph.project import Project

SEED_EXAMPLE = "seed_regression.nnb"


def seed_project() -> Project:
    """The seed regression MLP 2→20→10→1 with ReLU (used when the shipped example is missing)."""
    from nnbuilder.graph.document import Edge, GraphDocument, Node
    from nnbuilder.graph.project import Project

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
    from nnbuilder.package_data import example_path

    if project_path is not None:
        if not window.open_path(project_path):  # type: ignore[attr-defined]
            window.new_document()  # type: ignore[attr-defined]
        return
    seed = example_path(SEED_EXAMPLE)
    if not seed.is_file() or not window.open_path(str(seed), as_example=True):  # type: ignore[attr-defined]
        window.install(seed_project(), None)  # type: ignore[attr-defined]


def load_core() -> None:
    """Import the Qt-free modules the window needs, before PySide6 is imported.

    PySide6 replaces ``builtins.__import__`` with a hook that, among other things, reads the source of
    every module imported after it; the core (layer registry with every family, graph commands,
    formatting, project files) loaded first keeps its many small modules at plain import speed.
    """
    from nnbuilder import formatting  # noqa: F401
    from nnbuilder.graph import commands, project  # noqa: F401
    from nnbuilder.layers import registry

    registry()  # every built-in layer family


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector off during start-up, and off its objects afterwards.

    Start-up creates tens of thousands of long-lived objects (modules, classes, PySide's enum types,
    the window's widgets) and next to no garbage (a full collection at show time finds ≈ 50
    unreachable objects): the collector would sweep them dozens of times before the window shows,
    then again in every full collection.  ``gc.freeze`` leaves them to reference counting alone while
    the app runs (``run_app`` unfreezes them when the window closes).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()  # before re-enabling, or the next allocation would sweep them all at once
    finally:
        if enabled:
            gc.enable()


def report_loading(window: object) -> None:
    """Print, once the first analysis arrives, how long after the first frame it came and the longest time
    the event loop went without turning meanwhile (torch loads then: the window should keep answering)."""
    from PySide6.QtCore import Qt, QTimer

    start = last = time.perf_counter()
    longest = 0.0

    def beat() -> None:
        nonlocal last, longest
        now = time.perf_counter()
        longest, last = max(longest, now - last), now

    def done(_analysis: object) -> None:
        beat()
        heartbeat.stop()
        print(f"analysis ready {last - start:.3f} s after the first frame; longest event-loop stall meanwhile "
              f"{1000 * longest:.0f} ms", file=sys.stderr)

    heartbeat = QTimer(window, interval=10, timeout=beat)  # type: ignore[call-overload]
    window.runner.analyzed.connect(done, Qt.ConnectionType.SingleShotConnection)  # type: ignore[attr-defined]
    heartbeat.start()


def end_process(code: int) -> NoReturn:
    """End the app's process once its window has closed: exit handlers run, then the process leaves at once.

    The interpreter's own finalisation (tearing down torch's, Qt's and pyqtgraph's modules and objects)
    took ≈ 5 s after the window closed on a 2-core machine, for nothing: every save, the settings and the
    training process are finished by then (``MainWindow.closeEvent``)."""
    import atexit

    atexit._run_exitfuncs()  # multiprocessing, logging, tempfile: what a normal exit would have run
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def run_app(project_path: str | None, exit_process: bool = False) -> int:
    """Run the editor until its window closes; returns the process exit code (``exit_process``: leave the
    process at once through :func:`end_process` instead of returning, as ``nnbuilder [PROJECT]`` does).

    With ``NNBUILDER_STARTUP_TIMING`` set it prints, once the window's first frame is painted, how
    long each start-up step took (what ``benchmarks/bench_editor.py`` reads).
    """
    marks = [("start", time.perf_counter())]
    with gc_paused():
        load_core()
        marks.append(("core", time.perf_counter()))
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setOrganizationName("nnbuilder")
        app.setApplicationName("nnbuilder")
        app.setApplicationDisplayName("nnbuilder")
        app.setStyle("Fusion")
        marks.append(("qt", time.perf_counter()))

        from nnbuilder.app.first_frame import after_first_frame
        from nnbuilder.app.window import MainWindow

        marks.append(("imports", time.perf_counter()))
        window = MainWindow()
        window.runner.hold()  # no analysis (torch) before the first frame
        marks.append(("window", time.perf_counter()))
        open_initial(window, project_path)
        marks.append(("open", time.perf_counter()))
        window.show()
        marks.append(("show", time.perf_counter()))
    def on_screen() -> None:
        marks.append(("frame", time.perf_counter()))
        if os.environ.get("NNBUILDER_STARTUP_TIMING"):
            steps = ", ".join(f"{name} {1000 * (t - marks[i][1]):.0f} ms" for i, (name, t) in enumerate(marks[1:]))
            print(f"window shown after {marks[-1][1] - marks[0][1]:.3f} s ({steps}); torch imported: "
                  f"{'torch' in sys.modules}", file=sys.stderr)
            report_loading(window)
        window.runner.release()  # analyses, importing torch (on a thread): only once the first frame is on screen
        window.offer_recovery()

    after_first_frame(window, on_screen)
    from nnbuilder.app.gc_on_gui_thread import GuiThreadCollector

    collector = GuiThreadCollector(app).start()  # not in the analysis or data threads: see that module
    try:
        code = app.exec()
    finally:
        collector.stop()
        gc.unfreeze()  # the start-up objects are the collector's again (for a caller that goes on: the tests)
    if exit_process:
        end_process(code)
    return code
