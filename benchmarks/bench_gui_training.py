"""The same training run headless and with the live dashboard (offscreen): overhead, GUI stalls, update rate.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui_training.py [--epochs 150] [--repeat 25]

Both runs use the dashboard's settings (probes, checkpoints) so that the ratio
measures only the GUI: the listener, the event shipping and the redraws. The dashboard trains
in a child process of the fork server; the headless run therefore also runs in a fresh child
of that server (as ``nnbuilder train`` runs in a process of its own), so that both start from
the same interpreter state. Headless and dashboard runs alternate (in turn first in a pair); the
ratio is given as the median of the pairs' ratios with a bootstrap 95 % interval, as the ratio of
the medians and as best against best. A 10 ms heartbeat QTimer measures how
long the event loop is blocked. The last line holds key=value pairs.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication


def project(epochs: int):
    from nnbuilder.graph.project import load_project

    proj = load_project(ROOT / "nnbuilder" / "examples" / "spirals_mlp.nnb")
    proj.training = {**proj.training, "epochs": epochs}
    return proj


def headless_run(epochs: int) -> float:
    """Engine seconds of the run without any GUI (same probes and checkpoints as the dashboard)."""
    from nnbuilder.app.dashboard.child import CHECKPOINT_EVERY_S, leave_a_core_for_the_gui, probe_every
    from nnbuilder.pipeline import prepare
    from nnbuilder.training import Trainer

    leave_a_core_for_the_gui()  # the same torch thread count as the dashboard's training process
    p = prepare(project(epochs))
    with tempfile.TemporaryDirectory() as ckpt:
        trainer = Trainer(p.model, p.bundle, p.config, batch_size=p.batch_size,
                          probe_every=probe_every(p, True), checkpoint_dir=ckpt,
                          checkpoint_every_s=CHECKPOINT_EVERY_S)
        return trainer.run().seconds


def headless(epochs: int) -> float:
    """:func:`headless_run` in a fresh child of the dashboard's fork server."""
    from concurrent.futures import ProcessPoolExecutor

    from nnbuilder.app.dashboard.worker import process_context

    with ProcessPoolExecutor(max_workers=1, mp_context=process_context()) as pool:
        return pool.submit(headless_run, epochs).result()


def with_dashboard(app: QApplication, epochs: int, scratch: Path) -> tuple[float, list[float], float]:
    """Engine seconds, heartbeat intervals (ms) and GUI updates per second of a dashboard run."""
    from nnbuilder.app.window import MainWindow

    window = MainWindow(settings=QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat),
                        recovery_dir=scratch / "recovery")
    window.resize(1600, 1000)
    window.show()
    window.install(project(epochs), None)
    dash = window.show_dashboard()
    deadline = time.perf_counter() + 30
    while dash.data_view.result is None and time.perf_counter() < deadline:
        app.processEvents()
    done: list = []
    loop = QEventLoop()
    dash.runFinished.connect(lambda result: (done.append(result), loop.quit()))
    dash.runFailed.connect(lambda message: (done.append(RuntimeError(message)), loop.quit()))
    ticks: list[float] = []
    tick = dash._tick

    def timed_tick() -> None:
        t0 = time.perf_counter()
        tick()
        ticks.append((time.perf_counter() - t0) * 1000)
    dash.timer.timeout.disconnect()
    dash.timer.timeout.connect(timed_tick)
    beats: list[float] = []
    clock = QElapsedTimer()
    heartbeat = QTimer(interval=10)
    heartbeat.timeout.connect(lambda: (beats.append(clock.nsecsElapsed() / 1e6), clock.restart()))
    dash.updates = 0
    clock.start()
    heartbeat.start()
    started, cpu = time.perf_counter(), time.process_time()
    dash.start()
    loop.exec()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    heartbeat.stop()
    if isinstance(done[0], Exception):
        raise SystemExit(f"the dashboard run failed: {done[0]}")
    updates = dash.updates / wall
    window.stack.setClean()
    window.close()
    print(f"  dashboard run: redraw per tick median {np.median(ticks):.1f} ms, max {max(ticks):.1f} ms; "
          f"the GUI process used {100 * cpu / wall:.0f} % of a core")
    return done[0].seconds, beats[1:], updates


def median_ci(values: np.ndarray, resamples: int = 4000, level: float = 0.95) -> tuple[float, float]:
    """Bootstrap confidence interval of the median of ``values`` (seeded: the same data gives the same interval)."""
    rng = np.random.default_rng(0)
    medians = np.median(rng.choice(values, size=(resamples, len(values))), axis=1)
    return float(np.quantile(medians, (1 - level) / 2)), float(np.quantile(medians, (1 + level) / 2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=25, help="pairs of runs (the machine's noise needs many)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    headless(1)  # start the fork server (it imports torch) before anything is timed
    plain, gui, beats, rates = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            # every other pair the dashboard goes first, so that drifts in the machine's speed cancel
            for kind in ("dashboard", "headless") if i % 2 else ("headless", "dashboard"):
                if kind == "headless":
                    plain.append(headless(args.epochs))
                    continue
                seconds, intervals, rate = with_dashboard(app, args.epochs, Path(tmp) / str(i))
                gui.append(seconds)
                beats.extend(intervals)
                rates.append(rate)
            print(f"pair {i + 1}: headless {plain[-1]:.2f} s, dashboard {gui[-1]:.2f} s, {rates[-1]:.1f} updates/s")
    intervals = np.asarray(beats)
    pairs = np.asarray(gui) / np.asarray(plain)
    low, high = median_ci(pairs)
    print(f"pair ratios: {', '.join(f'{r:.3f}' for r in pairs)}")
    print(f"ratio={np.median(pairs):.3f} ratio_ci95={low:.3f}-{high:.3f} ratio_of_medians="
          f"{np.median(gui) / np.median(plain):.3f} ratio_best={min(gui) / min(plain):.3f} pairs={len(pairs)} "
          f"headless_s={np.median(plain):.2f} gui_s={np.median(gui):.2f} "
          f"stall_max_ms={intervals.max():.1f} stall_p99_ms={np.percentile(intervals, 99):.1f} "
          f"stall_median_ms={np.median(intervals):.1f} updates_per_s={np.mean(rates):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
