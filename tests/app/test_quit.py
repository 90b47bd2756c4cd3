"""Quitting: Ctrl+Q reaches Quit (one binding per key), and the app's process ends right after its window closes."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[2]


def test_a_key_listed_twice_is_bound_once(qapp) -> None:
    from PySide6.QtGui import QKeySequence

    from nnbuilder.app.window.actions import StdKey, sequences

    assert sequences(("Ctrl+Q", "Ctrl+Q")) == [QKeySequence("Ctrl+Q")]
    quit_keys = [s.toString() for s in sequences((StdKey.Quit, "Ctrl+Q"))]  # X11's Quit is Ctrl+Q itself
    assert quit_keys.count("Ctrl+Q") == 1


def test_every_action_lists_each_key_once(make_window) -> None:
    window = make_window(examples_dir() / "spirals_mlp.nnb", height=720)
    for name, action in window.menu_actions.items():
        keys = [s.toString() for s in action.shortcuts()]
        assert len(keys) == len(set(keys)), (name, keys)  # a repeated key is "ambiguous" to Qt: it does nothing


def test_ctrl_q_closes_the_window(make_window, qtbot) -> None:
    window = make_window(examples_dir() / "spirals_mlp.nnb", height=720, exposed=True)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window.view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)


APP = textwrap.dedent("""
    import atexit, sys, time
    from PySide6.QtCore import QTimer
    import nnbuilder.app.main as main
    from nnbuilder.app.window import main_window

    atexit.register(lambda: print("exit handlers ran", flush=True))
    _close = main_window.MainWindow.closeEvent

    def close_event(self, event):
        _close(self, event)
        print(f"closed {time.time():.6f}", flush=True)

    main_window.MainWindow.closeEvent = close_event
    _open = main.open_initial

    def open_initial(window, path):
        _open(window, path)
        window.runner.ready.connect(lambda: QTimer.singleShot(300, window.close))  # once torch is loaded

    main.open_initial = open_initial
    main.run_app(sys.argv[1], exit_process=True)
    print("not reached", flush=True)
""")


@pytest.mark.slow  # a whole app start with torch (≈ 10-40 s on a busy 2-core machine)
def test_the_app_process_ends_right_after_its_window_closes(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", APP, str(examples_dir() / "spirals_mlp.nnb")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path)
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
    proc.wait(timeout=120)
    ended = time.time()
    closed = float(next(line.split()[1] for line in lines if line.startswith("closed ")))
    assert proc.returncode == 0
    assert "exit handlers ran" in lines and "not reached" not in lines
    assert ended - closed < 2.0  # was ≈ 5 s of interpreter teardown on this 2-core machine (0.5 s now)
    settings = list(tmp_path.rglob("nnbuilder.conf"))
    assert settings and "window_state" in settings[0].read_text()  # the settings reached the disk
