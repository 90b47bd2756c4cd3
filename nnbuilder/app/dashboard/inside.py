"""Inside the network: activation and weight histograms, dead ReLUs, gradient norms, CNN feature maps."""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnbuilder.app.dashboard.curves import make_plot
from nnbuilder.app.dashboard.series import Series
from nnbuilder.layers import registry

GRAD_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf"]


def tile_maps(maps: np.ndarray, columns: int = 4, pad: int = 1) -> np.ndarray:
    """(C, H, W) feature maps, each scaled to [0, 1], tiled into one (rows·H, columns·W) image (NaN gaps)."""
    count, height, width = maps.shape
    rows = -(-count // columns)
    out = np.full((rows * (height + pad), columns * (width + pad)), np.nan, dtype=np.float32)
    for i, fmap in enumerate(maps):
        low, high = float(fmap.min()), float(fmap.max())
        scaled = (fmap - low) / (high - low) if high > low else np.zeros_like(fmap)
        r, c = divmod(i, columns)
        out[r * (height + pad): r * (height + pad) + height, c * (width + pad): c * (width + pad) + width] = scaled
    return out


def image_item(plot: pg.PlotWidget) -> pg.ImageItem:
    item = pg.ImageItem(axisOrder="row-major")
    item.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
    plot.addItem(item)
    plot.getPlotItem().invertY(True)
    plot.getPlotItem().setAspectLocked(True)
    plot.getPlotItem().hideAxis("left")
    plot.getPlotItem().hideAxis("bottom")
    return item


class InsideView(QWidget):
    """Probe views; ``layerChosen`` fires when the user picks a layer here."""

    layerChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers = QComboBox()
        self.layers.currentTextChanged.connect(self._on_layer)
        self.info = QLabel("Probes appear once training runs.")
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer:"))
        top.addWidget(self.layers, 1)
        top.addWidget(self.info, 3)
        self.act_plot = make_plot("Activations", "value", "count")
        self.dead_plot = make_plot("Share of zero activations (dead ReLUs)", "layer", "share")
        self.grad_plot = make_plot("Gradient norm per layer", "step", "‖grad‖ (log)")
        self.grad_plot.getPlotItem().setLogMode(False, True)
        self.weight_plot = make_plot("Weights", "value", "count")
        self.map_plot = make_plot("Feature maps (pinned sample)", "", "")
        self.sample_plot = make_plot("Pinned sample", "", "")
        self.maps = image_item(self.map_plot)
        self.sample = image_item(self.sample_plot)
        self.sample.setLookupTable(None)
        self.act_bars = pg.BarGraphItem(x=[], height=[], width=1, brush="#1f77b4")
        self.weight_bars = pg.BarGraphItem(x=[], height=[], width=1, brush="#2ca02c")
        self.dead_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#d62728")
        self.act_plot.addItem(self.act_bars)
        self.weight_plot.addItem(self.weight_bars)
        self.dead_plot.addItem(self.dead_bars)
        grid = QGridLayout()
        for i, plot in enumerate((self.act_plot, self.weight_plot, self.dead_plot, self.grad_plot, self.map_plot,
                                  self.sample_plot)):
            grid.addWidget(plot, i // 3, i % 3)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        for row in range(2):
            grid.setRowStretch(row, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(grid, 1)
        self.layer_types: dict[str, str] = {}
        self.reset()

    def reset(self, layer_types: dict[str, str] | None = None) -> None:
        """Clear for a new run; ``layer_types`` maps module names to layer types (ReLU, Conv2d...)."""
        if layer_types is not None:
            self.layer_types = layer_types
        self.probe: Any = None
        self.dirty = False
        self.drawn_at = 0.0
        self.dead_names: list[str] = []
        self.grads: dict[str, Series] = {}
        self.grad_curves: dict[str, pg.PlotDataItem] = {}
        self.grad_plot.clear()
        self.grad_plot.getPlotItem().addLegend(offset=(-10, 10), labelTextSize="7pt")
        for bars in (self.act_bars, self.weight_bars, self.dead_bars):
            bars.setOpts(x=[], height=[])
        self.maps.clear()
        self.sample.clear()

    @property
    def layer(self) -> str:
        return self.layers.currentText()

    def select_layer(self, name: str) -> bool:
        """Show ``name`` (a module of the model); False when the probes know no such layer."""
        index = self.layers.findText(name)
        if index < 0:
            return False
        self.layers.setCurrentIndex(index)
        return True

    def _on_layer(self, name: str) -> None:
        if name:
            self._draw_layer()
            self._highlight_grad()
            self.layerChosen.emit(name)

    # ------------------------------------------------------------------ data
    def set_pinned(self, sample: np.ndarray) -> None:
        image = sample[0] if sample.ndim == 3 and sample.shape[0] == 1 else sample
        if image.ndim == 3:
            image = np.moveaxis(image, 0, -1)
            image = (image - image.min()) / max(1e-8, float(image.max() - image.min()))
        if image.ndim >= 2:
            self.sample.setImage(image)

    def add_probes(self, probes: list[Any]) -> None:
        """Record gradient norms of every probe and keep the latest one; :meth:`redraw` shows them."""
        if not probes:
            return
        for probe in probes:
            for name, norm in probe.grad_norms.items():
                self.grads.setdefault(name, Series()).append(probe.step, max(norm, 1e-12))
        self.probe = probes[-1]
        self.dirty = True
        names = list(self.probe.activations)
        if [self.layers.itemText(i) for i in range(self.layers.count())] != names:
            current = self.layer
            self.layers.blockSignals(True)
            self.layers.clear()
            self.layers.addItems(names)
            self.layers.blockSignals(False)
            if not self.select_layer(current) and names:
                self.layers.blockSignals(True)  # drawn by redraw(), not now
                self.select_layer(next((n for n in names if n in self.probe.feature_maps), names[0]))
                self.layers.blockSignals(False)
                self.layerChosen.emit(self.layer)

    def redraw(self) -> bool:
        """Draw the latest probe (histograms, dead ReLUs, feature maps) and the gradient norms, if new."""
        self.drawn_at = time.perf_counter()
        if not self.dirty or self.probe is None:
            return False
        self.dirty = False
        self._draw_grads()
        self._draw_dead()
        self._draw_layer()
        self.info.setText(f"probe at step {self.probe.step} (epoch {self.probe.epoch + 1})")
        return True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()  # what arrived while hidden

    def _draw_grads(self) -> None:
        for i, (name, series) in enumerate(self.grads.items()):
            item = self.grad_curves.get(name)
            if item is None:
                item = self.grad_plot.plot([], [], pen=pg.mkPen(GRAD_COLORS[i % len(GRAD_COLORS)], width=1),
                                           name=name, skipFiniteCheck=True)
                self.grad_curves[name] = item
            item.setData(series.x, series.y)
        self._decade_ticks()
        self._highlight_grad()

    def _decade_ticks(self) -> None:
        """Label whole decades only: pyqtgraph's log axis labels every 2…9 tick, which overlap."""
        values = [v for series in self.grads.values() for v in series.y if v > 0]
        if not values:
            return
        low, high = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
        ticks = [(k, f"{10.0 ** k:g}") for k in range(low, high + 1)]
        self.grad_plot.getPlotItem().getAxis("left").setTicks([ticks, []])

    def _highlight_grad(self) -> None:
        for i, (name, item) in enumerate(self.grad_curves.items()):
            item.setPen(pg.mkPen(GRAD_COLORS[i % len(GRAD_COLORS)], width=3 if name == self.layer else 1))

    def _draw_dead(self) -> None:
        acts = self.probe.activations
        names = [n for n in acts if exact_zeros(self.layer_types.get(n))]
        shares = [acts[n].zero_fraction for n in names]
        self.dead_bars.setOpts(x=np.arange(len(names)), height=shares)
        if names != self.dead_names:  # ticks and range only when the layers change: axes re-render then
            self.dead_names = names
            self.dead_plot.getPlotItem().getAxis("bottom").setTicks([list(enumerate(names))])
            self.dead_plot.setXRange(-0.5, len(names) - 0.5)
            self.dead_plot.setYRange(0, 1)

    def _draw_layer(self) -> None:
        if self.probe is None or not self.layer:
            return
        stats = self.probe.activations.get(self.layer)
        if stats is not None:
            self._bars(self.act_bars, stats.histogram)
            self.act_plot.setTitle(f"{self.layer}: mean {stats.mean:.2g}, std {stats.std:.2g}, "
                                   f"zeros {stats.zero_fraction:.0%}")
        weight = self.probe.weights.get(f"{self.layer}.weight")
        self.weight_bars.setOpts(x=[], height=[]) if weight is None else self._bars(self.weight_bars, weight)
        self.weight_plot.setTitle(f"Weights of {self.layer}" if weight is not None else f"{self.layer}: no weights")
        maps = self.probe.feature_maps.get(self.layer)
        if maps is None and self.probe.feature_maps:
            name, maps = next(iter(self.probe.feature_maps.items()))
            self.map_plot.setTitle(f"Feature maps of {name} (pinned sample)")
        else:
            self.map_plot.setTitle(f"Feature maps of {self.layer} (pinned sample)")
        if maps is not None:
            self.maps.setImage(tile_maps(np.asarray(maps)), levels=(0, 1))

    @staticmethod
    def _bars(bars: pg.BarGraphItem, hist: Any) -> None:
        counts = np.asarray(hist.counts)
        width = (hist.high - hist.low) / len(counts) if hist.high > hist.low else 1.0
        bars.setOpts(x=hist.low + width * (np.arange(len(counts)) + 0.5), height=counts, width=width)


def exact_zeros(type_name: str | None) -> bool:
    """Whether layers of ``type_name`` output exact zeros (ReLU), so a share of zeros means dead units.

    GELU, ELU, SELU and Softplus have no exact zeros: their share would read 0 % whatever happens.
    """
    specs = registry()
    return type_name in specs and specs.get(type_name).exact_zeros
