"""Opening a project in a window already on screen keeps the canvas its space."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from nnbuilder.app.window import MainWindow, dialogs
from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[2]


def test_opening_a_file_in_a_shown_window_keeps_the_canvas_wide(qtbot, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda _parent, _name: dialogs.DISCARD)
    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    before = (win.view.width(), win.palette_dock.width())
    view = win.view
    for name in ("lenet_cnn.nnb", "residual_block.nnb"):
        assert win.open_path(str(examples_dir() / name), as_example=True)
        qtbot.wait(50)
        assert win.view is view  # the same canvas widget, showing the new scene
        assert win.view.scene() is win.scene
        assert win.view.width() >= before[0] - 2 and win.palette_dock.width() <= before[1] + 2
        assert win.view.width() > win.width() // 2
