"""Render the editor into docs/screenshots/*.png for the README.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/screenshots]

Writes editor-light.png, editor-dark.png and editor-error.png (a shape error
with its badge, problem and inspector message) and editor-finetune.png (the
transfer-learning example's Backbone node expanded to its per-block freeze
locks, with the inspector beside it) at 1366×768, and the training
dashboard mid-run (dashboard-spirals.png: decision boundary; dashboard-curves.png;
dashboard-cnn.png: LeNet on shapes28 with feature maps) at 1600×1000.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

SIZE = (1366, 768)
DASHBOARD_SIZE = (1600, 1000)


def settle(app: QApplication, window) -> None:
    """Run the pending analysis and let layouts and paints finish."""
    for _ in range(5):
        app.processEvents()
    window.runner.run_now()
    for _ in range(5):
        app.processEvents()


def make_window(app: QApplication, example: str, theme: str, scratch: Path):
    from nnbuilder.app.window import MainWindow

    settings = QSettings(str(scratch / f"{theme}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_dir=scratch / "recovery")
    window.resize(*SIZE)
    window.show()
    if not window.open_path(str(ROOT / "nnbuilder" / "examples" / example), as_example=True):
        raise SystemExit(f"cannot open examples/{example}")
    window.set_theme(theme)
    settle(app, window)
    window.frame_all()
    if window.view.zoom() < 0.8:  # a long chain: show its start at a readable zoom instead
        window.view.resetTransform()
        window.view.scale(0.9, 0.9)
        first = [p for p in (n.pos for n in window.doc.nodes[:5]) if p is not None]
        if first:
            half_width = window.view.viewport().width() / 0.9 / 2
            window.view.centerOn(min(x for x, _ in first) - 30 + half_width,
                                 sum(y for _, y in first) / len(first) + 30)
    return window


def grab(window, path: Path) -> None:
    QApplication.processEvents()
    if not window.grab().save(str(path)):
        raise SystemExit(f"cannot write {path}")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--example", default="lenet_cnn.nnb")
    parser.add_argument("--finetune-only", action="store_true", help="only write editor-finetune.png")
    parser.add_argument("--laptop-only", action="store_true",
                        help="only write the 1280×720 shots (laptop-{editor,dashboard}-{light,dark}.png)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    from nnbuilder.app.undo import push
    from nnbuilder.graph.commands import SetParam

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        if args.finetune_only:
            finetune_shot(app, scratch, args.out)
            return 0
        if args.laptop_only:
            laptop_shots(app, scratch, args.out)
            return 0
        for theme in ("light", "dark"):
            window = make_window(app, args.example, theme, scratch)
            linear = next((n.id for n in window.doc.nodes if n.type in ("Conv2d", "Linear")), None)
            if linear:
                window.select_node(linear)
            settle(app, window)
            grab(window, args.out / f"editor-{theme}.png")
            window.stack.setClean()
            window.close()

        window = make_window(app, "seed_regression.nnb", "light", scratch)
        push(window.stack, window.doc, SetParam("fc2", "in_features", 7))
        settle(app, window)
        window.problems_dock.raise_()
        window.select_node("fc2")
        settle(app, window)
        grab(window, args.out / "editor-error.png")
        window.stack.setClean()
        window.close()
        finetune_shot(app, scratch, args.out)
        dashboard_shots(app, scratch, args.out)
    return 0


def finetune_shot(app: QApplication, scratch: Path, out: Path) -> None:
    """The transfer-learning example with its Backbone expanded (a lock per block) and selected."""
    window = make_window(app, "transfer_learning.nnb", "light", scratch)
    backbone = next(n.id for n in window.doc.nodes if n.type == "Backbone")
    window.scene.set_expanded(backbone, True)
    window.select_node(backbone)
    settle(app, window)
    window.view.resetTransform()
    window.view.centerOn(window.scene.node_item(backbone).sceneBoundingRect().center())
    settle(app, window)
    grab(window, out / "editor-finetune.png")
    window.stack.setClean()
    window.close()


def laptop_shots(app: QApplication, scratch: Path, out: Path) -> None:
    """1280×720 (a laptop): the editor as it opens (Frame All) and with the dashboard mid-run, light and dark."""
    for theme in ("light", "dark"):
        window = make_window(app, "lenet_cnn.nnb", theme, scratch)
        window.resize(1280, 720)
        settle(app, window)
        window.frame_all()
        settle(app, window)
        grab(window, out / f"laptop-editor-{theme}.png")
        window.stack.setClean()
        window.close()
        window = make_window(app, "spirals_mlp.nnb", theme, scratch)
        window.resize(1280, 720)
        window.project.training = {**window.project.training, "epochs": 60}
        dash = window.show_dashboard()
        run_until(app, lambda: dash.data_view.result is not None)  # noqa: B023 - called at once
        dash.start()
        run_until(app, lambda: len(dash.curves.epoch_losses) >= 15)  # noqa: B023 - called at once
        pause_and_catch_up(app, dash)
        settle(app, window)
        window.frame_all()
        settle(app, window)
        grab(window, out / f"laptop-dashboard-{theme}.png")
        dash.stop()
        dash.job.join(5)
        window.stack.setClean()
        window.close()


def run_until(app: QApplication, condition, timeout: float = 120.0) -> None:
    import time

    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit("the dashboard run did not get far enough in time")
        app.processEvents()
        time.sleep(0.005)


def pause_and_catch_up(app: QApplication, dash) -> None:
    """Pause the run, let the events already on their way from the training process arrive, draw them all."""
    import time

    dash.toggle_pause()
    deadline = time.perf_counter() + 0.3
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.005)
    dash._tick()
    dash._redraw(everything=True)


def dashboard_shots(app: QApplication, scratch: Path, out: Path) -> None:
    """Train two examples in the dashboard, pause mid-run and grab the views."""
    window = make_window(app, "spirals_mlp.nnb", "light", scratch)
    window.resize(*DASHBOARD_SIZE)
    window.project.training = {**window.project.training, "epochs": 150}
    dash = window.show_dashboard()
    dash.set_project(window.project, None)
    run_until(app, lambda: dash.data_view.result is not None)
    dash.tabs.setCurrentWidget(dash.results)  # the live boundary is computed only while it is on screen
    dash.start()
    run_until(app, lambda: len(dash.curves.epoch_losses) >= 40 and dash.results.boundary_updates > 3)
    pause_and_catch_up(app, dash)
    window.resizeDocks([window.training_dock], [600], Qt.Orientation.Vertical)
    settle(app, window)
    dash.tabs.setCurrentWidget(dash.results)
    grab(window, out / "dashboard-spirals.png")
    dash.tabs.setCurrentWidget(dash.curves)
    grab(window, out / "dashboard-curves.png")
    dash.stop()
    dash.job.join(5)
    window.stack.setClean()
    window.close()

    window = make_window(app, "lenet_cnn.nnb", "light", scratch)
    window.resize(*DASHBOARD_SIZE)
    window.project.data = {**window.project.data, "params": {"n_samples": 3000}}
    window.project.training = {**window.project.training, "epochs": 4}
    dash = window.show_dashboard()
    dash.set_project(window.project, None)
    run_until(app, lambda: dash.data_view.result is not None)
    dash.start()
    run_until(app, lambda: len(dash.curves.epoch_losses) >= 1 and dash.inside.probe is not None)
    pause_and_catch_up(app, dash)
    window.select_node("conv1")
    dash.tabs.setCurrentWidget(dash.inside)
    window.resizeDocks([window.training_dock], [640], Qt.Orientation.Vertical)
    settle(app, window)
    grab(window, out / "dashboard-cnn.png")
    dash.stop()
    dash.job.join(5)
    window.stack.setClean()
    window.close()


if __name__ == "__main__":
    raise SystemExit(main())
