"""The fitted curve of a 1-D regression: the training points and the model's prediction, live and at the end.

The training process sends the points and the grid once (``Drained.fit``) and the latest
prediction on that grid (``Drained.curve``, see :mod:`~nnbuilder.app.dashboard.view_probes`);
this view keeps the latest and draws it when it is on screen. For other tasks it says when it applies.
It can also show a saved run picked in the Runs tab (:mod:`~nnbuilder.app.dashboard.saved_run_views`);
the live run's curve is kept meanwhile and comes back with "Show the live run".
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnbuilder.app.dashboard.curves import make_plot
from nnbuilder.app.dashboard.saved_run_views import SavedRunBar

POINTS_BRUSH = (31, 119, 180, 160)
CURVE_PEN = "#d62728"
APPLIES_TO = "regression with one input feature and one output value (e.g. the curve_1d data set)"
WAITING = f"The fitted curve applies to {APPLIES_TO}. Start training to see the model's prediction over the inputs."
READY = "Start training to see the model's curve over these training points."


class FittedCurveView(QWidget):
    """Training points (x, y) and the model's curve over the input range, in the data's units."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel(WAITING)
        self.note.setWordWrap(True)
        self.bar = SavedRunBar()
        self.plot = make_plot("Fitted curve", "x", "y")
        self.points = pg.ScatterPlotItem(size=4, brush=pg.mkBrush(*POINTS_BRUSH), pen=None, name="training points")
        self.plot.addItem(self.points)
        self.line = self.plot.plot([], [], pen=pg.mkPen(CURVE_PEN, width=2), name="model")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.note)
        layout.addWidget(self.plot, 1)
        layout.addStretch(0)  # takes the room while the plot is hidden: the text stays at the top
        self.shown: Any = None  # the FittedCurve on screen
        self.run_data = False  # a run's points are on screen (a data preview no longer replaces them)
        self.updates = 0  # curves received (only the latest is drawn)
        self.preview: dict[str, Any] | None = None  # the last data preview (shown again back from a saved run)
        self.reset()

    def reset(self) -> None:
        """Forget the last run (a new one starts, or another project is shown) and any saved run shown."""
        self.pending_fit: Any = None
        self.pending_curve: Any = None
        self.live_fit: Any = None  # the live run's latest fit and curve (kept while a saved run is shown)
        self.live_curve: Any = None
        self.saved_folder: Path | None = None  # the saved run shown (None: the live run)
        self.saved_ready = False  # the saved run has arrived (else "Loading…")
        self._clear()

    def _clear(self) -> None:
        self.bar.hide()
        self.shown = None
        self.run_data = False
        self.points.setData([], [])
        self.line.setData([], [])
        self.plot.setTitle("Fitted curve")
        self._say(WAITING)
        self.plot.show()

    def set_preview(self, loaded: dict[str, Any]) -> None:
        """Before a run: the training points of a 1-feature regression set (a data view ``loaded`` result)."""
        self.preview = loaded
        if self.run_data or self.saved_folder is not None:
            return
        shown = loaded.get("preview") or {}
        points = shown.get("points")
        if loaded.get("task") != "regression" or shown.get("kind") != "scatter" or points is None \
                or points.shape[1] != 1:
            self.points.setData([], [])
            self._say(WAITING)
            return
        self.points.setData(points[:, 0].numpy(), shown["targets"].reshape(len(points), -1)[:, 0].numpy())
        self._say(READY)

    def take(self, box: Any) -> None:
        """Keep what ``box`` (a drained event box) brings for this view; :meth:`redraw` shows it."""
        if box.fit is not None:
            self.pending_fit = self.live_fit = box.fit
        if box.curve is not None:
            self.pending_curve = self.live_curve = box.curve
            self.updates += 1

    def redraw(self) -> bool:
        """Draw the points and the latest curve, if new ones arrived (True then); not while a saved run is shown."""
        if self.saved_folder is not None:
            return False
        fit, curve = self.pending_fit, self.pending_curve
        self.pending_fit = self.pending_curve = None
        if fit is None and curve is None:
            return False
        if isinstance(fit, str):
            self._say(f"No fitted curve for this run: {fit}. It applies to {APPLIES_TO}.")
            self.plot.hide()
            return True
        if fit is not None:
            self._draw_points(fit)
        if curve is not None:
            self._draw_curve(curve, "Fitted curve")
        return True

    def expect_saved(self, folder: Path) -> None:
        """Show the saved run in ``folder`` once it is opened (:meth:`show_saved`); till then say it is loading."""
        self.saved_folder, self.saved_ready = folder, False
        self._clear()
        self.bar.show_run(folder)
        self.plot.hide()
        self._say(f"Opening run {folder.name}…")

    def show_saved(self, views: Any) -> None:
        """Draw a saved run's points and curve (:class:`nnbuilder.run_views.SavedRunViews`), or say why there are none
        (``views`` is then the message why the run cannot be opened)."""
        self.saved_ready = True
        if isinstance(views, str):
            self._say(f"Cannot show this run: {views}")
            return
        if views.curve is None:
            why = views.fit_problem or views.data_problem
            applies = f" It applies to {APPLIES_TO}." if views.fit_problem else ""
            self._say(f"No fitted curve for run {views.name}: {why}.{applies}")
            return
        self._say("")
        self._draw_points(views.fit)
        self._draw_curve(views.curve, "Fitted curve")  # the bar above names the run

    def show_live(self) -> None:
        """Leave the saved run: the live run's latest points and curve, or the data preview before any run."""
        self.saved_folder, self.saved_ready = None, False
        self._clear()
        if self.live_fit is None and self.live_curve is None:
            if self.preview is not None:
                self.set_preview(self.preview)
            return
        self.pending_fit, self.pending_curve = self.live_fit, self.live_curve
        self.redraw()

    def _draw_points(self, fit: Any) -> None:
        self.run_data = True
        self.plot.show()
        self._say("")
        self.points.setData(fit.points_x, fit.points_y)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", fit.x_name)
        item.setLabel("left", fit.y_name)

    def _draw_curve(self, curve: Any, title: str) -> None:
        finite = np.isfinite(curve.y)
        self.line.setData(curve.x[finite], curve.y[finite])
        when = f"at step {curve.step} (epoch {curve.epoch})" if curve.step else "before training"
        self.plot.setTitle(f"{title} {when}" + ("" if finite.all() else " (not finite in places)"))
        self.shown = curve

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()  # what arrived while hidden
