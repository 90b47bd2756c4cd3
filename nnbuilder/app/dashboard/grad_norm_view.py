"""Gradient norm per layer and epoch of a saved run (history.json's ``grad_norm``): vanishing gradients, seen."""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnbuilder.app.dashboard.curves import curve, make_plot
from nnbuilder.runs import RunSummary


class GradNormView(QWidget):
    """One line per layer (node id): the mean L2 norm of its gradient in each epoch, on a log axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Gradient norm per layer", "epoch", "‖grad‖ (log)")
        self.plot.getPlotItem().setLogMode(y=True)
        self.plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # "×0.001" reads badly on a log axis
        self.plot.getPlotItem().setClipToView(False)
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.run: RunSummary | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.show_run(None)

    def show_run(self, run: RunSummary | None) -> None:
        """Draw ``run``'s gradient norms (the title says why when it has none)."""
        self.run = run
        for item in self.lines.values():
            self.plot.removeItem(item)
        self.lines = {}
        norms = run.grad_norm if run is not None else {}
        if run is None:
            self.plot.setTitle("Gradient norm per layer: click a run in the list")
            return
        if not norms:
            self.plot.setTitle(f"{run.name}: no gradient norms recorded (a run from an older nnbuilder)")
            return
        self.plot.setTitle(f"Gradient norm per layer — {run.name}")
        for i, (node, values) in enumerate(norms.items()):
            points = [(e + 1.0, float(v)) for e, v in enumerate(values)
                      if isinstance(v, (int, float)) and math.isfinite(v) and v > 0]  # a log axis shows no zeros
            if not points:
                continue
            pen = pg.intColor(i, hues=max(len(norms), 2), values=1, maxValue=220)
            item = curve(self.plot, pen, node, width=2, symbol="o" if len(points) <= 40 else None, symbolSize=4,
                         symbolBrush=pen)
            item.setData([p[0] for p in points], [p[1] for p in points])
            self.lines[node] = item
        self.plot.getPlotItem().autoRange()
