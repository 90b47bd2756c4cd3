"""Where the docks go on a laptop screen: an editing arrangement and a training one (like Blender's workspaces).

The bottom area (Model summary, Problems, Training) keeps its tabs and title bars down its left side, so
that its height all goes to the panels.  Showing the dashboard on a small window (Ctrl+T, F5) switches to
the training arrangement: the Inspector shares the Layers column as a tab (one narrow side column) and the
dashboard gets the height the canvas can spare above :data:`CANVAS_MIN_HEIGHT`; closing the dashboard
(Ctrl+T again, or its close button) puts the editing arrangement back as it was.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QTabWidget

if TYPE_CHECKING:
    from nnbuilder.app.window.main_window import MainWindow

COMPACT_SIZE = (1500, 860)  # a window narrower or shorter than this is packed for training
SIDE_WIDTH = 250  # the one side column (Layers | Inspector) in the training arrangement
CANVAS_MIN_HEIGHT = 420  # the canvas keeps this much height beside the dashboard (when the window allows)
LARGE_SHARE = 0.62  # a large window gives the dashboard this share of its height


def style_bottom_area(window: MainWindow, docks: tuple[QDockWidget, ...]) -> None:
    """Tabs and title bars of the bottom panels on their left: they cost width, which the bottom has spare."""
    window.setTabPosition(Qt.DockWidgetArea.BottomDockWidgetArea, QTabWidget.TabPosition.West)
    for dock in docks:
        dock.setFeatures(dock.features() | QDockWidget.DockWidgetFeature.DockWidgetVerticalTitleBar)


class TrainingArrangement:
    """Switches ``window`` into the training arrangement and back."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.editing_state: QByteArray | None = None  # the editing arrangement to go back to

    @property
    def active(self) -> bool:
        return self.editing_state is not None

    def compact(self) -> bool:
        return self.window.width() < COMPACT_SIZE[0] or self.window.height() < COMPACT_SIZE[1]

    def enter(self) -> None:
        """Show the Training dock, packing the side panels on a small window."""
        w = self.window
        if not self.compact():
            w.training_dock.show()
            QTimer.singleShot(0, lambda: w.resizeDocks([w.training_dock], [int(w.height() * LARGE_SHARE)],
                                                       Qt.Orientation.Vertical))
            return
        self.editing_state = w.saveState()
        side = [d for d in (w.palette_dock, w.inspector_dock) if d.isVisible() and not d.isFloating()]
        if len(side) == 2 and w.dockWidgetArea(w.inspector_dock) != w.dockWidgetArea(w.palette_dock):
            w.tabifyDockWidget(w.palette_dock, w.inspector_dock)
            w.palette_dock.raise_()
        w.training_dock.show()
        w.training_dock.raise_()
        QTimer.singleShot(0, self.size_docks)

    def size_docks(self) -> None:
        """One narrow side column; the dashboard as tall as the canvas's minimum height allows."""
        w = self.window
        if not self.active or w.training_dock.isHidden():
            return
        column = next((d for d in (w.palette_dock, w.inspector_dock) if d.isVisible() and not d.isFloating()), None)
        if column is not None:
            w.resizeDocks([column], [SIDE_WIDTH], Qt.Orientation.Horizontal)
        shared = w.view.height() + w.training_dock.height()
        wanted = max(shared - CANVAS_MIN_HEIGHT, w.training_dock.minimumSizeHint().height())
        w.resizeDocks([w.training_dock], [wanted], Qt.Orientation.Vertical)

    def leave(self) -> None:
        """The Training dock was closed: the editing arrangement as it was before (or the canvas takes the room)."""
        w = self.window
        state, self.editing_state = self.editing_state, None
        if state is not None:
            QTimer.singleShot(0, lambda: w.training_dock.isHidden() and w.restoreState(state))
            return
        height = max(w.height(), 500)
        QTimer.singleShot(0, lambda: w.resizeDocks([w.summary_dock], [min(200, height // 4)],
                                                   Qt.Orientation.Vertical))

    def state_to_save(self) -> QByteArray:
        """The layout to remember at exit: the editing arrangement (the app opens for editing)."""
        return self.editing_state if self.editing_state is not None else self.window.saveState()
