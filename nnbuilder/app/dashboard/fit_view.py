"""The fitted curve of a 1-D regression: the training points and the model's prediction, live and at the end.

The training process sends the points and the grid once (``Drained.fit``) and the latest
prediction on that grid (``Drained.curve``, see :mod:`~nnbuilder.app.dashboard.view_probes`);
this view keeps the latest and draws it when it is on screen. For other tasks it says when it applies.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnbuilder.app.dashboard.curves import make_plot

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
        self.plot = make_plot("Fitted curve", "x", "y")
        self.points = pg.ScatterPlotItem(size=4, brush=pg.mkBrush(*POINTS_BRUSH), pen=None, name="training points")
        self.plot.addItem(self.points)
        self.line = self.plot.plot([], [], pen=pg.mkPen(CURVE_PEN, width=2), name="model")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.plot, 1)
        self.shown: Any = None  # the FittedCurve on screen
        self.run_data = False  # a run's points are on screen (a data preview no longer replaces them)
        self.updates = 0  # curves received (only the latest is drawn)
        self.reset()

    def reset(self) -> None:
        """Forget the last run (a new one starts, or another project is shown)."""
        self.pending_fit: Any = None
        self.pending_curve: Any = None
        self.shown = None
        self.run_data = False
        self.points.setData([], [])
        self.line.setData([], [])
        self.plot.setTitle("Fitted curve")
        self._say(WAITING)
        self.plot.show()

    def set_preview(self, loaded: dict[str, Any]) -> None:
        """Before a run: the training points of a 1-feature regression set (a data view ``loaded`` result)."""
        if self.run_data:
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
            self.pending_fit = box.fit
        if box.curve is not None:
            self.pending_curve = box.curve
            self.updates += 1

    def redraw(self) -> bool:
        """Draw the points and the latest curve, if new ones arrived (True then)."""
        fit, curve = self.pending_fit, self.pending_curve
        self.pending_fit = self.pending_curve = None
        if fit is None and curve is None:
            return False
        if isinstance(fit, str):
            self._say(f"No fitted curve for this run: {fit}. It applies to {APPLIES_TO}.")
            self.plot.hide()
            return True
        if fit is not None:
            self.run_data = True
            self.plot.show()
            self._say("")
            self.points.setData(fit.points_x, fit.points_y)
            item = self.plot.getPlotItem()
            item.setLabel("bottom", fit.x_name)
            item.setLabel("left", fit.y_name)
        if curve is not None:
            finite = np.isfinite(curve.y)
            self.line.setData(curve.x[finite], curve.y[finite])
            when = f"at step {curve.step} (epoch {curve.epoch})" if curve.step else "before training"
            self.plot.setTitle(f"Fitted curve {when}" + ("" if finite.all() else " (not finite in places)"))
            self.shown = curve
        return True

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()  # what arrived while hidden
