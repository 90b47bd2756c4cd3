"""At 1280×720 the canvas keeps ≥ 1000×400 px beside the training dashboard (the training arrangement)."""
from __future__ import annotations

from PySide6.QtCore import Qt

from nnbuilder.package_data import examples_dir

SPIRALS = examples_dir() / "spirals_mlp.nnb"


def _ctrl_t(window, qtbot) -> None:
    """Ctrl+T as the student types it (Train ▸ Training Dashboard)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window.view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_t_switches_to_the_training_arrangement_and_back_at_1280x720(make_window, qtbot) -> None:
    window = make_window(SPIRALS, height=720, exposed=True)
    window.resize(1280, 720)
    qtbot.wait(100)
    editing = (window.view.viewport().size(), window.palette_dock.width(), window.inspector_dock.width())
    assert not window.inspector_dock.visibleRegion().isEmpty() and not window.palette_dock.visibleRegion().isEmpty()

    _ctrl_t(window, qtbot)
    qtbot.waitUntil(lambda: window.dashboard is not None and window.training_dock.widget() is window.dashboard,
                    timeout=15000)
    viewport = window.view.viewport()
    qtbot.waitUntil(lambda: viewport.width() >= 1000 and viewport.height() >= 400, timeout=3000)
    dash = window.dashboard
    assert not dash.visibleRegion().isEmpty() and dash.curves.isVisible()  # the dashboard is on screen
    assert dash.height() >= dash.minimumSizeHint().height()  # nothing of it is squeezed off
    assert viewport.width() + window.palette_dock.width() <= 1280
    # the Inspector is a tab beside Layers (one narrow column), a click away
    assert window.tabifiedDockWidgets(window.palette_dock) == [window.inspector_dock]
    print(f"canvas beside the dashboard at 1280×720: {viewport.width()}×{viewport.height()} px "
          f"(editing: {editing[0].width()}×{editing[0].height()})")

    _ctrl_t(window, qtbot)  # back to editing, as it was
    qtbot.waitUntil(lambda: window.training_dock.isHidden() and not window.tabifiedDockWidgets(window.palette_dock),
                    timeout=3000)
    qtbot.waitUntil(lambda: window.view.viewport().size() == editing[0], timeout=3000)
    assert abs(window.inspector_dock.width() - editing[2]) <= 2 and abs(window.palette_dock.width() - editing[1]) <= 2


def test_the_layout_remembered_at_exit_is_the_editing_arrangement(make_window, qtbot, tmp_path) -> None:
    from PySide6.QtCore import QSettings

    from nnbuilder.app.window import MainWindow

    window = make_window(SPIRALS, height=720)
    window.resize(1280, 720)
    window.show_dashboard()
    qtbot.waitUntil(lambda: window.arrangement.active, timeout=3000)
    window.close()
    again = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                       recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(again)
    assert again.training_dock.isHidden() and not again.tabifiedDockWidgets(again.palette_dock)
