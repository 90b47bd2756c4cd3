"""Preview of the chosen data set: image grid, 2-D scatter, a few sequences or the table head.

The data set is loaded on a short-lived background thread (image sets take a moment);
the result comes back through a queued signal, the newest request wins.
"""
from __future__ import annotations

import copy
import threading
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from nnbuilder.app.dashboard.curves import make_plot
from nnbuilder.app.dashboard.results import CLASS_COLORS


def load_preview(section: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """Load the data set and describe it: preview dict, augmented samples, train size, task or an error."""
    from nnbuilder.data import DataError, load_data, preview, preview_augmented, validate_data_section

    problems = validate_data_section(section)
    if problems:
        return {"error": "\n".join(f"{where}: {message}" for where, message in problems)}
    try:
        bundle = load_data(section, seed=seed)
        shown = preview(bundle, 16)
        augmented = preview_augmented(bundle, 8) if bundle.augment is not None and shown["kind"] == "images" else None
    except DataError as exc:
        return {"error": f"data: {exc}"}
    return {"preview": shown, "augmented": augmented, "train_size": len(bundle.train), "task": bundle.task,
            "name": bundle.name, "classes": bundle.num_classes}


def _to_image(grid: Any) -> np.ndarray:
    array = grid.numpy()
    return array[0] if array.shape[0] == 1 else np.moveaxis(array, 0, -1)


class DataView(QWidget):
    """Shows a :func:`load_preview` result; ``loaded(dict)`` fires on the GUI thread when one arrives."""

    loaded = Signal(object)
    _arrived = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.plot = make_plot("", "", "")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.scatter = pg.ScatterPlotItem(size=5, pen=None)
        self.plot.addItem(self.image)
        self.plot.addItem(self.scatter)
        self.augmented_plot = make_plot("Augmented training samples", "", "")
        self.augmented = pg.ImageItem(axisOrder="row-major")
        self.augmented_plot.addItem(self.augmented)
        for p in (self.augmented_plot,):
            p.getPlotItem().invertY(True)
            p.getPlotItem().setAspectLocked(True)
        self.table = QTableWidget()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 2)
        layout.addWidget(self.augmented_plot, 1)
        self.augmented_plot.hide()
        self._token = 0
        self._curves: list[pg.PlotDataItem] = []
        self._thread: threading.Thread | None = None
        self.result: dict[str, Any] | None = None
        self._arrived.connect(self._on_arrived)

    def request(self, section: dict[str, Any] | None, seed: int = 0) -> None:
        """Load ``section`` in the background; older pending requests are ignored when they finish."""
        if not section:
            return
        self._token += 1
        token, section = self._token, copy.deepcopy(section)

        def work() -> None:
            try:
                result = load_preview(section, seed)
            except Exception as exc:  # noqa: BLE001 - shown in the panel
                result = {"error": f"data: {type(exc).__name__}: {exc}"}
            try:
                self._arrived.emit(token, result)
            except RuntimeError:  # the widget was deleted meanwhile
                pass
        self._thread = threading.Thread(target=work, name="nnbuilder-data-preview", daemon=True)
        self._thread.start()

    def join(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _on_arrived(self, token: int, result: dict[str, Any]) -> None:
        if token != self._token:
            return
        self.result = result
        self.show_result(result)
        self.loaded.emit(result)

    def show_result(self, result: dict[str, Any]) -> None:
        if "error" in result:
            self.title.setText(result["error"])
            self.image.clear()
            self.scatter.setData([], [])
            return
        shown = result["preview"]
        self.title.setText(f"{result['name']}: {result['task']}, {result['train_size']} training samples")
        self.image.clear()
        self.scatter.setData([], [])
        for curve in self._curves:
            self.plot.removeItem(curve)
        self._curves = []
        item = self.plot.getPlotItem()
        item.invertY(shown["kind"] == "images")
        item.setAspectLocked(shown["kind"] in ("images", "scatter"))
        self.stack.setCurrentIndex(1 if shown["kind"] == "table" else 0)
        getattr(self, f"_show_{shown['kind']}")(shown)
        self.augmented_plot.setVisible(result.get("augmented") is not None)
        if result.get("augmented") is not None:
            from torchvision.utils import make_grid

            self.augmented.setImage(_to_image(make_grid(result["augmented"], nrow=8, padding=2)), levels=(0, 1))

    def _show_images(self, shown: dict[str, Any]) -> None:
        self.image.setImage(_to_image(shown["grid"]), levels=(0, 1))
        self.plot.setTitle("Samples: " + ", ".join(shown["labels"][:8]) + ("…" if len(shown["labels"]) > 8 else ""))
        self.plot.getPlotItem().autoRange()

    def _show_scatter(self, shown: dict[str, Any]) -> None:
        pts = shown["points"].numpy()
        if pts.shape[1] == 1:  # one feature (curve_1d): the target against x
            pts = np.column_stack([pts[:, 0], shown["targets"].numpy().reshape(len(pts), -1)[:, 0]])
        if "labels" in shown:
            brushes = [pg.mkBrush(*CLASS_COLORS[int(c) % len(CLASS_COLORS)]) for c in shown["labels"].numpy()]
        else:
            values = shown["targets"].numpy().reshape(len(pts), -1)[:, 0]
            scaled = (values - values.min()) / max(1e-8, float(values.max() - values.min()))
            lut = pg.colormap.get("viridis").getLookupTable(nPts=256)
            brushes = [pg.mkBrush(*lut[int(v * 255)]) for v in scaled]
        self.scatter.setData(pts[:, 0], pts[:, 1], brush=brushes)
        self.plot.setTitle(f"{len(pts)} training points")
        self.plot.getPlotItem().autoRange()

    def _show_sequence(self, shown: dict[str, Any]) -> None:
        for i, series in enumerate(shown["series"][:6].numpy()):
            self._curves.append(self.plot.plot(np.arange(len(series)), series,
                                               pen=pg.mkPen(tuple(CLASS_COLORS[i % len(CLASS_COLORS)]), width=1)))
        self.plot.setTitle("Sequences: " + ", ".join(shown["labels"][:6]))
        self.plot.getPlotItem().autoRange()

    def _show_table(self, shown: dict[str, Any]) -> None:
        rows = shown["rows"][:12]
        self.table.clear()
        self.table.setColumnCount(len(shown["columns"]))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(shown["columns"])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(str(value)))
        self.table.resizeColumnsToContents()
