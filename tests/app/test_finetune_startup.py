"""The editor's first frame: final dock sizes, the whole graph framed, Model summary raised.

(Named test_finetune_* only because that is the test file pattern this change may add.)
"""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from nnbuilder.app.canvas.view import FRAME_MIN_ZOOM
from nnbuilder.app.main import open_initial
from nnbuilder.app.window import MainWindow, dialogs


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch):
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda _parent, _name: dialogs.DISCARD)
    monkeypatch.setattr(dialogs, "ask_restore", lambda *_args: False)


def layout_of(win: MainWindow) -> tuple:
    return (win.palette_dock.width(), win.inspector_dock.width(), win.summary_dock.height(),
            win.view.width(), win.view.height())


def nodes_in_view(win: MainWindow, margin: int = 2) -> bool:
    """Every node is visible — or, when that would shrink nodes below the readable zoom, the graph opens at
    that zoom with its input side (the leftmost node) fully visible."""
    viewport = win.view.viewport().rect().adjusted(margin, margin, -margin, -margin)
    rect = win.view.mapFromScene(win.scene.itemsBoundingRect(win.scene.node_items())).boundingRect()
    if viewport.contains(rect):
        return True
    first = min(win.scene.node_items(), key=lambda item: item.sceneBoundingRect().left())
    return (abs(win.view.zoom() - FRAME_MIN_ZOOM) < 1e-6
            and viewport.contains(win.view.mapFromScene(first.sceneBoundingRect()).boundingRect()))


def start(qtbot, settings_path: Path, recovery: Path) -> MainWindow:
    """Like ``run_app``: build, open the seed example, show."""
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings, recovery_dir=recovery)
    qtbot.addWidget(win)
    open_initial(win, None)
    win.show()
    return win


def test_first_frame_has_the_final_layout(qtbot, tmp_path):
    win = start(qtbot, tmp_path / "settings.ini", tmp_path / "recovery")
    at_show = layout_of(win)
    assert win.view.width() > win.width() // 2
    assert nodes_in_view(win)
    assert not win.summary_dock.visibleRegion().isEmpty()  # Model summary is the raised tab
    assert win.problems_dock.visibleRegion().isEmpty()
    win.runner.run_now()
    qtbot.wait(300)
    assert layout_of(win) == at_show
    assert nodes_in_view(win)
    assert not win.summary_dock.visibleRegion().isEmpty()


def test_graph_stays_framed_through_resizes_until_the_user_moves_the_view(qtbot, tmp_path):
    win = start(qtbot, tmp_path / "settings.ini", tmp_path / "recovery")
    win.resize(900, 600)
    qtbot.wait(50)
    assert nodes_in_view(win)
    win.view.zoom_by(3.0)
    win.view.keep_framed = False  # what a wheel / click / key in the view does
    win.resize(1300, 800)
    qtbot.wait(50)
    assert not nodes_in_view(win)


def test_saved_layout_is_restored_before_the_first_frame(qtbot, tmp_path):
    first = start(qtbot, tmp_path / "settings.ini", tmp_path / "recovery")
    first.resize(780, 560)  # fits the offscreen platform's 800×600 screen, so the geometry restores as is
    qtbot.wait(50)
    first.resizeDocks([first.inspector_dock], [250], Qt.Orientation.Horizontal)
    qtbot.wait(50)
    saved_width = first.inspector_dock.width()
    first.close()
    second = start(qtbot, tmp_path / "settings.ini", tmp_path / "recovery")
    assert second.size() == first.size()
    assert second.inspector_dock.width() == saved_width
    assert nodes_in_view(second)
    qtbot.wait(200)
    assert second.inspector_dock.width() == saved_width
