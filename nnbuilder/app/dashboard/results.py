"""Decision boundary of 2-D problems (live), confusion matrix or predicted-vs-true at the end of a run."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QWidget

from nnbuilder.app.dashboard.curves import make_plot

CLASS_COLORS = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
                         [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]])


def boundary_rgb(probs: np.ndarray) -> np.ndarray:
    """(X, Y, classes) probabilities → (Y, X, 3) colours: the class colour, paler where the model hesitates."""
    colors = CLASS_COLORS[np.arange(probs.shape[-1]) % len(CLASS_COLORS)]
    mixed = probs @ colors
    confidence = probs.max(-1, keepdims=True)
    k = probs.shape[-1]
    strength = (confidence - 1 / k) / (1 - 1 / k) if k > 1 else confidence
    rgb = 255 - (255 - mixed) * (0.25 + 0.45 * strength)
    return np.ascontiguousarray(rgb.transpose(1, 0, 2)).clip(0, 255).astype(np.uint8)


class ResultsView(QWidget):
    """Left: the decision boundary with the data points. Right: confusion matrix or predicted vs true."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boundary_plot = make_plot("Decision boundary", "x0", "x1")
        self.boundary_plot.getPlotItem().setAspectLocked(False)
        self.boundary = pg.ImageItem(axisOrder="row-major")
        self.boundary_plot.addItem(self.boundary)
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen("w", width=0.5))
        self.boundary_plot.addItem(self.points)
        self.outcome_plot = make_plot("Test results (at the end of the run)", "", "")
        self.matrix = pg.ImageItem(axisOrder="row-major")
        self.matrix.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.scatter = pg.ScatterPlotItem(size=4, brush=pg.mkBrush(31, 119, 180, 120), pen=None)
        self.diagonal = pg.PlotDataItem([], [], pen=pg.mkPen("#d62728", style=pg.QtCore.Qt.PenStyle.DashLine))
        for item in (self.matrix, self.scatter, self.diagonal):
            self.outcome_plot.addItem(item)
        self.texts: list[pg.TextItem] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.boundary_plot, 1)
        layout.addWidget(self.outcome_plot, 1)
        self.boundary_updates = 0  # boundaries received (the view shows only the latest)
        self.reset()

    def reset(self) -> None:
        self.boundary.clear()
        self.pending: Any = None
        self.boundary_step = -1
        self.clear_outcome()

    def clear_outcome(self) -> None:
        self.matrix.clear()
        self.scatter.setData([], [])
        self.diagonal.setData([], [])
        for text in self.texts:
            self.outcome_plot.removeItem(text)
        self.texts = []

    def set_points(self, preview: dict[str, Any] | None) -> None:
        """The training points of a 2-D data set (a ``preview`` dict of kind scatter), coloured by class."""
        if not preview or preview.get("kind") != "scatter" or "labels" not in preview:
            self.points.setData([], [])
            self.boundary_plot.setTitle("Decision boundary (2-D classification data sets only)")
            return
        pts, labels = preview["points"].numpy(), preview["labels"].numpy()
        brushes = [pg.mkBrush(*CLASS_COLORS[int(c) % len(CLASS_COLORS)]) for c in labels]
        self.points.setData(pts[:, 0], pts[:, 1], brush=brushes)
        self.boundary_plot.setTitle("Decision boundary")

    def set_boundary(self, boundary: Any, count: int = 1) -> None:
        """Keep the model's latest class regions (``count`` arrived since the last call); :meth:`redraw` shows them."""
        self.pending = boundary
        self.boundary_updates += count

    def redraw(self) -> bool:
        """Show the latest decision boundary, if a new one arrived (True then)."""
        boundary, self.pending = self.pending, None
        if boundary is None:
            return False
        self.boundary.setImage(boundary_rgb(boundary.image))
        (x0, x1), (y0, y1) = boundary.x_range, boundary.y_range
        self.boundary.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.boundary_step = boundary.step
        self.boundary_plot.setTitle(f"Decision boundary at step {boundary.step}")
        return True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()  # what arrived while hidden

    def set_outcome(self, outcome: Any) -> None:
        self.clear_outcome()
        if outcome.confusion is not None:
            counts = outcome.confusion.astype(float)
            share = counts / np.maximum(counts.sum(1, keepdims=True), 1)
            self.matrix.setImage(share, levels=(0, 1))
            n = len(counts)
            for t in range(n):
                for p in range(n):
                    text = pg.TextItem(str(int(counts[t, p])), color="w" if share[t, p] < 0.6 else "k",
                                       anchor=(0.5, 0.5))
                    text.setPos(p + 0.5, t + 0.5)
                    self.outcome_plot.addItem(text)
                    self.texts.append(text)
            names = outcome.class_names or [str(i) for i in range(n)]
            ticks = [[(i + 0.5, str(name)[:10]) for i, name in enumerate(names)]]
            item = self.outcome_plot.getPlotItem()
            item.getAxis("bottom").setTicks(ticks)
            item.getAxis("left").setTicks(ticks)
            item.invertY(True)
            item.setLabel("bottom", "predicted")
            item.setLabel("left", "true")
            self.outcome_plot.setTitle(f"Confusion matrix ({outcome.split} split)")
            item.autoRange()
            return
        item = self.outcome_plot.getPlotItem()
        item.invertY(False)
        item.getAxis("bottom").setTicks(None)
        item.getAxis("left").setTicks(None)
        self.scatter.setData(outcome.truth, outcome.predicted)
        low = float(min(outcome.truth.min(), outcome.predicted.min()))
        high = float(max(outcome.truth.max(), outcome.predicted.max()))
        self.diagonal.setData([low, high], [low, high])
        item.setLabel("bottom", "true")
        item.setLabel("left", "predicted")
        self.outcome_plot.setTitle(f"Predicted vs true ({outcome.split} split)")
        item.autoRange()
