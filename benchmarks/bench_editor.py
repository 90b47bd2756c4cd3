"""Editor speed: open + auto-layout of a 300-node project, drag frame time (500 vs 50 nodes), launch time.

Goals: open + layout of 300 nodes < 1 s (analysis reported apart); dragging a node: p95 frame < 16.7 ms and
p50(500 nodes) / p50(50 nodes) <= 2; ``python -m nnbuilder`` shows its window within 1.3x the time a bare
PySide6 window takes, without importing torch first. "Shown" means the first frame painted (the expose
event handled), for all: ``show()`` returning only asks the window system to map the window. The launch is
also compared with ``launch_replica.py``, the same first frame written in plain PySide6 (the toolkit's floor).
After the first frame: when the first analysis arrives (torch loads on a thread) and the longest the window
went without answering meanwhile.

Run (no display needed): QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_editor.py [--quick]
The last line holds every figure as key=value pairs.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from editor_graphs import branched_mlp
from graphs import residual_mlp

import nnbuilder.analysis
from nnbuilder.app.canvas import GraphScene, GraphView
from nnbuilder.app.main import seed_project
from nnbuilder.app.undo import push
from nnbuilder.app.window import MainWindow, dialogs
from nnbuilder.graph.commands import SetParam
from nnbuilder.graph.project import Project, save_project

LEFT = Qt.MouseButton.LeftButton
NOMOD = Qt.KeyboardModifier.NoModifier
FRAME_MS = 1000 / 60


def ms(seconds: float) -> float:
    return seconds * 1000.0


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def pump(app: QApplication, rounds: int = 3) -> None:
    for _ in range(rounds):
        app.processEvents()


# --------------------------------------------------------------------------- 1. open + auto-layout
def bench_open(app: QApplication, tmp: Path, repeat: int) -> dict[str, float]:
    """Open a 303-node project file into the main window (showing the seed example, as after start-up),
    auto-lay it out, paint, analyse; then edit one parameter and time the re-analysis."""
    doc = residual_mlp(303)
    path = tmp / "big300.nnb"
    save_project(Project("big300", doc), path)
    dialogs.ask_unsaved = lambda *_a, **_k: dialogs.DISCARD  # never block on "save changes?"
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_dir=tmp / "recovery")
    window.resize(1366, 768)
    window.show()
    pump(app)

    analyze_time: list[float] = []
    real_analyze = nnbuilder.analysis.analyze

    def timed_analyze(d):  # the window imports analyze lazily from the module: time it there
        t0 = time.perf_counter()
        try:
            return real_analyze(d)
        finally:
            analyze_time.append(time.perf_counter() - t0)

    nnbuilder.analysis.analyze = timed_analyze
    runs: list[dict[str, float]] = []
    try:
        for run in range(repeat + 1):  # the first run is a warm-up (first paint of every glyph, caches)
            window.stack.setClean()
            window.install(seed_project(), None)  # as after start-up: the seed example shown and analysed
            window.runner.run_now()
            pump(app)
            t0 = time.perf_counter()
            assert window.open_path(str(path)), "could not open the benchmark project"
            t1 = time.perf_counter()
            window.auto_layout()
            t2 = time.perf_counter()
            pump(app)  # the queued frame_all, the scene's dirty-item processing
            window.view.viewport().repaint()
            t3 = time.perf_counter()
            analyze_time.clear()
            assert window.runner.run_now() is not None, "analysis failed"
            pump(app)
            window.view.viewport().repaint()
            t5 = time.perf_counter()
            analyzed = analyze_time[0]
            # One parameter edit on the open graph, then its re-analysis shown everywhere (debounce skipped).
            push(window.stack, window.doc, SetParam("b5_fc1", "out_features", 65 + run % 2))
            analyze_time.clear()
            t6 = time.perf_counter()
            assert window.runner.run_now() is not None, "analysis failed"
            pump(app)
            window.view.viewport().repaint()
            t7 = time.perf_counter()
            runs.append({"load": t1 - t0, "layout": t2 - t1, "paint": t3 - t2, "analyze": analyzed,
                         "apply": (t5 - t3) - analyzed, "editor": t3 - t0, "total": t5 - t0,
                         "edit_analyze": analyze_time[0], "edit_apply": (t7 - t6) - analyze_time[0], "edit": t7 - t6})
    finally:
        nnbuilder.analysis.analyze = real_analyze
    assert len(window.doc) == len(doc)
    window.stack.setClean()
    window.close()
    window.deleteLater()
    pump(app)
    med = {k: ms(statistics.median(r[k] for r in runs[1:])) for k in runs[0]}
    print(f"[1] open {len(doc)}-node project + auto-layout (median of {repeat}, after 1 warm-up):")
    print(f"    load+build scene {med['load']:.0f} ms, auto-layout {med['layout']:.0f} ms, "
          f"first paint {med['paint']:.0f} ms  => editor {med['editor']:.0f} ms (goal < 1000)")
    print(f"    analysis: analyze() {med['analyze']:.0f} ms + showing it in scene/panels {med['apply']:.0f} ms"
          f"  => everything {med['total']:.0f} ms")
    print(f"    then one parameter edit: re-analysis {med['edit_analyze']:.0f} ms + showing it {med['edit_apply']:.0f} ms"
          f" => {med['edit']:.0f} ms with the UI blocked (no goal set)")
    return med


# --------------------------------------------------------------------------- 2. drag frame time
class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def drag_frames(app: QApplication, n_nodes: int, moves: int, zoomed_out: bool,
                full_repaint: bool) -> tuple[list[float], float, int]:
    """Per-move ms (move event + repaint) while dragging a middle node; also paints per move and item count."""
    doc = branched_mlp(n_nodes)
    scene = GraphScene(doc, QUndoStack())
    scene.auto_layout()
    scene.apply_analysis(nnbuilder.analysis.analyze(doc))  # shape labels on edges, as in the editor
    view = GraphView(scene)
    view.resize(1100, 700)
    view.show()
    QTest.qWaitForWindowExposed(view)
    middle = doc.nodes[1 + (len(doc) - 4) // 2]  # a chain node half way along the first branch
    item = scene.node_item(middle.id)
    before = middle.pos
    grab = item.scenePos() + QPointF(90, 12)  # on the title, away from the ports
    if zoomed_out:
        view.frame_all()
    view.centerOn(grab)
    pump(app)
    view.viewport().repaint()
    counter = PaintCounter()
    vp = view.viewport()
    vp.installEventFilter(counter)
    start = view.mapFromScene(grab)
    QTest.mousePress(vp, LEFT, NOMOD, start)
    pump(app)
    counter.paints = 0
    times = []
    for i in range(1, moves + 1):
        p = start + QPoint(2 * i, i % 25)  # right with a wiggle, staying inside the view
        t0 = time.perf_counter()
        QTest.mouseMove(vp, p)
        app.processEvents()
        if full_repaint:
            vp.repaint()
        times.append(ms(time.perf_counter() - t0))
    QTest.mouseRelease(vp, LEFT, NOMOD, p)
    pump(app)
    paints = counter.paints / moves
    moved = doc.node(middle.id).pos != before and doc.node(middle.id).pos == (item.pos().x(), item.pos().y())
    assert moved, "the drag did not move the node"
    count = len(scene.items())
    vp.removeEventFilter(counter)
    view.close()
    scene.dispose()
    view.deleteLater()
    scene.deleteLater()
    pump(app)
    return times, paints, count


def bench_drag(app: QApplication, moves: int, rounds: int) -> dict[str, float]:
    out: dict[str, float] = {}
    print(f"[2] dragging one node, {moves} mouse moves; each move timed with its repaint "
          f"(median of {rounds} interleaved rounds' p50/p95):")
    for label, zoomed_out, full in (("1:1 zoom", False, False), ("1:1 zoom, full-viewport repaint", False, True),
                                    ("zoomed out (frame all)", True, False)):
        per: dict[int, list[tuple[float, float]]] = {50: [], 500: []}
        paints: dict[int, float] = {}
        items: dict[int, int] = {}
        drag_frames(app, 50, 10, zoomed_out, full)  # warm-up
        for _ in range(rounds):
            for n in (50, 500):
                times, paints[n], items[n] = drag_frames(app, n, moves, zoomed_out, full)
                per[n].append((statistics.median(times), pct(times, 95)))
        p50 = {n: statistics.median(a for a, _ in per[n]) for n in per}
        p95 = {n: statistics.median(b for _, b in per[n]) for n in per}
        ratio = p50[500] / p50[50]
        print(f"    {label}: 50 nodes p50 {p50[50]:.2f} / p95 {p95[50]:.2f} ms; 500 nodes p50 {p50[500]:.2f} / "
              f"p95 {p95[500]:.2f} ms; ratio 500/50 {ratio:.2f} (goals: <= 2, p95 < {FRAME_MS:.1f}); "
              f"paints/move {paints[50]:.2f}/{paints[500]:.2f}; scene items {items[50]}/{items[500]}")
        key = {"1:1 zoom": "drag", "1:1 zoom, full-viewport repaint": "drag_full"}.get(label, "drag_zoomout")
        out.update({f"{key}50_p50_ms": p50[50], f"{key}50_p95_ms": p95[50], f"{key}500_p50_ms": p50[500],
                    f"{key}500_p95_ms": p95[500], f"{key}_ratio": ratio})
    return out


# --------------------------------------------------------------------------- 3. launch time
BARE = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1280, 760)
w.show()

def shown():
    print("window shown; torch imported:", "torch" in sys.modules, file=sys.stderr, flush=True)
    app.quit()

class FirstFrame(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Expose and w.windowHandle().isExposed():
            QTimer.singleShot(0, shown)  # after the expose's paint, as nnbuilder reports its first frame
        return False

watch = FirstFrame()
w.windowHandle().installEventFilter(watch)
app.exec()
"""


def launch_env(tmp: Path) -> dict[str, str]:
    """Offscreen, with start-up timing lines, settings in ``tmp`` (no saved layout or recent files)."""
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", NNBUILDER_STARTUP_TIMING="1",
                XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"), PYTHONUNBUFFERED="1")


def launch_once(cmd: list[str], env: dict[str, str], marker: str = "window shown") -> tuple[float, str]:
    """Seconds from spawning ``cmd`` until it writes a line containing ``marker``; that line."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if marker in line:
                return time.perf_counter() - t0, line.strip()
        raise RuntimeError(f"{cmd} exited ({proc.wait()}) before writing {marker!r}")
    finally:
        proc.kill()
        proc.wait()


def bench_launch(tmp: Path, runs: int) -> dict[str, float]:
    """Launch to first painted frame: nnbuilder, the bare window, and the same first frame in plain PySide6.

    The replica (``launch_replica.py``) is the toolkit's floor for what the editor shows: its ratio to the
    bare window is what any PySide6 program with that content pays; nnbuilder's ratio to the replica is
    the application's own start-up.
    """
    env = launch_env(tmp)
    cmds = {"app": [sys.executable, "-m", "nnbuilder"], "bare": [sys.executable, "-c", BARE],
            "replica": [sys.executable, str(Path(__file__).with_name("launch_replica.py"))]}
    for cmd in cmds.values():
        launch_once(cmd, env)  # warm the disk cache
    times: dict[str, list[float]] = {name: [] for name in cmds}
    lines = set()
    order = list(cmds)
    for i in range(runs):  # interleaved, each in turn first, so load changes hit all alike
        for name in order[i % 3:] + order[:i % 3]:
            t, line = launch_once(cmds[name], env)
            times[name].append(t)
            if name == "app":
                lines.add(line.split(";")[-1].strip())
    med = {name: ms(statistics.median(t)) for name, t in times.items()}
    span = {name: f"[{min(map(ms, t)):.0f}..{max(map(ms, t)):.0f}]" for name, t in times.items()}
    torch_before = any("torch imported: True" in s for s in lines)
    print(f"[3] launch to first painted frame (median of {runs}, interleaved): python -m nnbuilder {med['app']:.0f} ms "
          f"{span['app']}, bare PySide6 QMainWindow {med['bare']:.0f} ms {span['bare']}, the same first frame in "
          f"plain PySide6 {med['replica']:.0f} ms {span['replica']}")
    print(f"    nnbuilder / bare {med['app'] / med['bare']:.2f} (goal <= 1.3); plain-PySide6 replica / bare "
          f"{med['replica'] / med['bare']:.2f} (the toolkit's floor for this window); nnbuilder / replica "
          f"{med['app'] / med['replica']:.2f}; torch imported before the window was shown: "
          f"{'YES' if torch_before else 'no'}")
    return {"launch_app_ms": med["app"], "launch_bare_ms": med["bare"], "launch_replica_ms": med["replica"],
            "launch_ratio": med["app"] / med["bare"], "launch_replica_ratio": med["replica"] / med["bare"],
            "launch_app_vs_replica": med["app"] / med["replica"], "torch_before_window": int(torch_before)}


def bench_loading(tmp: Path, runs: int) -> dict[str, float]:
    """After the first frame torch loads (on a thread): when the first analysis arrives, and the longest the
    event loop went without answering meanwhile (the app's own heartbeat, NNBUILDER_STARTUP_TIMING).

    Goal (install issue): first shapes after the first frame <= ``python -c "import torch"`` + 0.5 s; the
    two are timed interleaved, the import in a fresh process from spawn to exit."""
    env = launch_env(tmp)
    ready, stall, torch_s = [], [], []
    for _ in range(runs):
        words = launch_once([sys.executable, "-m", "nnbuilder"], env, marker="analysis ready")[1].split()
        ready.append(float(words[2]))
        stall.append(float(words[-2]))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], cwd=ROOT, env=env, check=True)
        torch_s.append(time.perf_counter() - t0)
    r, s, t = statistics.median(ready), statistics.median(stall), statistics.median(torch_s)
    extra = statistics.median(a - b for a, b in zip(ready, torch_s))
    print(f"[4] after the first frame (median of {runs}): first analysis (torch loaded on a thread) after {r:.2f} s; "
          f"longest the window went without answering meanwhile {s:.0f} ms [{min(stall):.0f}..{max(stall):.0f}]")
    print(f"    python -c 'import torch' {t:.2f} s (interleaved); first shapes - import torch: median {extra:+.2f} s "
          f"[{min(a - b for a, b in zip(ready, torch_s)):+.2f}..{max(a - b for a, b in zip(ready, torch_s)):+.2f}] "
          "(goal <= +0.5 s)")
    return {"first_analysis_s": r, "loading_max_stall_ms": s, "import_torch_s": t, "first_shapes_minus_torch_s": extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--launch-only", action="store_true", help="only sections [3] and [4], launch and loading")
    parser.add_argument("--loading-runs", type=int, default=3, help="runs of section [4] (default 3)")
    parser.add_argument("--runs", type=int, default=None, help="launch runs per command (default 5, --quick 2)")
    args = parser.parse_args()
    repeat, rounds, runs = (2, 1, 2) if args.quick else (5, 3, 5)
    runs = args.runs or runs
    if args.launch_only:
        print(f"machine: {platform.machine()}, {os.cpu_count()} cpu(s), load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, python {platform.python_version()}")
        with tempfile.TemporaryDirectory() as tmp:
            figures = bench_launch(Path(tmp), runs)
            figures.update(bench_loading(Path(tmp), args.loading_runs))
        figures["load_avg_1m"] = os.getloadavg()[0]
        print(" ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
        return
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    nnbuilder.analysis.analyze(branched_mlp(50))  # torch + meta kernels, as the editor does right after start
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpu(s), load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, python {platform.python_version()}, "
          f"Qt platform {app.platformName()}")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        med = bench_open(app, Path(tmp), repeat)
        figures.update({f"open300_{k}_ms": v for k, v in med.items()})
        figures.update(bench_drag(app, 100, rounds))
        figures.update(bench_launch(Path(tmp), runs))
        figures.update(bench_loading(Path(tmp), args.loading_runs))
    figures["load_avg_1m"] = os.getloadavg()[0]
    print(" ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
