"""The LR range test's curve (loss against LR, log scale) with its suggestion and an Apply button."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnbuilder.app.dashboard.curves import make_plot


class LRFinderView(QWidget):
    """``runRequested`` starts a range test; ``applyRequested(lr)`` puts the suggestion into the setup."""

    runRequested = Signal()
    applyRequested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_button = QPushButton("Find learning rate")
        self.run_button.setToolTip("Train ~100 steps with a growing LR (weights are restored afterwards)")
        self.apply_button = QPushButton("Apply suggested LR")
        self.apply_button.setEnabled(False)
        self.label = QLabel("The range test trains briefly with an exponentially growing learning rate.")
        self.label.setWordWrap(True)
        self.run_button.clicked.connect(self.runRequested)
        self.apply_button.clicked.connect(lambda: self.applyRequested.emit(self.suggestion))
        self.plot = make_plot("Loss vs learning rate", "learning rate (log)", "loss")
        self.plot.getPlotItem().setLogMode(True, False)
        self.raw = self.plot.plot([], [], pen=pg.mkPen((31, 119, 180, 80)), name="loss")
        self.smooth = self.plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2), name="smoothed")
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen("#d62728", width=2), label="suggested",
                                      labelOpts={"position": 0.9, "color": "#d62728"})
        self.marker.hide()
        self.plot.addItem(self.marker)
        self.suggestion = 0.0
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.apply_button)
        row.addWidget(self.label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)

    def set_result(self, result: Any) -> None:
        lrs = np.asarray(result.lrs, dtype=float)
        self.raw.setData(lrs, np.asarray(result.losses, dtype=float), skipFiniteCheck=False)
        self.smooth.setData(lrs, np.asarray(result.smoothed, dtype=float), skipFiniteCheck=False)
        if result.suggestion is None:
            self.marker.hide()
            self.apply_button.setEnabled(False)
            self.label.setText("No clear suggestion: the loss did not fall. Try more data or another optimizer.")
            return
        self.suggestion = float(result.suggestion)
        self.marker.setValue(np.log10(self.suggestion))
        self.marker.show()
        self.apply_button.setEnabled(True)
        self.apply_button.setText(f"Apply LR {self.suggestion:.2g}")
        stop = " (stopped when the loss diverged)" if result.diverged else ""
        self.label.setText(f"Suggested learning rate: {self.suggestion:.3g} — {result.method}{stop}")
