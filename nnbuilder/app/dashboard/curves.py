"""Loss, metric and learning-rate curves: per step (smoothed), per epoch, with markers and past runs."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from nnbuilder.app.dashboard.frames import LivePlot, grown
from nnbuilder.app.dashboard.series import Series
from nnbuilder.sections import TASK_RULES

TRAIN, VAL, RAW = "#1f77b4", "#ff7f0e", (31, 119, 180, 60)
MARKER_PENS = {"plateau": "#9467bd", "best": "#2ca02c", "early_stop": "#d62728"}
OVERLAY_PENS = ["#7f7f7f", "#bcbd22", "#17becf", "#e377c2", "#8c564b"]
SAVED_PENS = ["#9467bd", "#2ca02c", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"]
METRICS = {task: (rule.metric, f"val_{rule.metric}") for task, rule in TASK_RULES.items()}  # the core's task rules


def make_plot(title: str, x_label: str, y_label: str) -> pg.PlotWidget:
    """A plot set up for live data: auto downsampling, clip to view, legend, cached axes, timed paints."""
    plot = LivePlot(title=title)
    plot.setBackground("w")
    item = plot.getPlotItem()
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    item.showGrid(x=True, y=True, alpha=0.2)
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    item.addLegend(offset=(-10, 10), labelTextSize="8pt")
    return plot


def curve(plot: pg.PlotWidget, pen: Any, name: str | None = None, **kw: Any) -> pg.PlotDataItem:
    style = kw.pop("style", None) or pg.QtCore.Qt.PenStyle.SolidLine
    return plot.plot([], [], pen=pg.mkPen(pen, width=kw.pop("width", 2), style=style),
                     name=name, skipFiniteCheck=True, **kw)


MAX_SYMBOLS = 40  # epoch curves lose their dots beyond this many epochs
COMPACT_BELOW_PX = 380  # plots side by side below this height
FOLLOW_GROWTH = 1.6  # the followed step axis grows by this factor when the data nears its right end


class CurvesView(QWidget):
    """Three live plots: loss (steps), metric (epochs) and learning rate (steps, with the preview)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = make_plot("Loss", "step", "loss")
        self.metric_plot = make_plot("Metric", "epoch", "")
        self.lr_plot = make_plot("Learning rate", "step", "lr")
        self.whole_run_box = QCheckBox("whole run")
        self.whole_run_box.setToolTip("Show every planned step on the loss and LR axes (off: the axes follow "
                                      "the steps done so far)")
        self.whole_run_box.toggled.connect(lambda _c: self._set_x_ranges())
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.whole_run_box, 0, 0, 1, 2, pg.QtCore.Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.loss_plot, 1, 0, 1, 2)
        layout.addWidget(self.metric_plot, 2, 0)
        layout.addWidget(self.lr_plot, 2, 1)
        self.grid = layout
        self.compact = False
        self.total_steps = 0
        self.shown_steps = 0.0
        self.raw = curve(self.loss_plot, RAW, None, width=1)
        self.raw.setDownsampling(auto=True, method="peak")
        self.raw.opts["autoDownsampleFactor"] = 2.0  # min/max of every half pixel: looks the same, draws less
        self.smooth = curve(self.loss_plot, TRAIN, "train (smoothed)")
        self.smooth.setDownsampling(auto=True, method="mean")
        self.smooth.opts["autoDownsampleFactor"] = 0.5  # a smooth line needs a point every 2 px (wide pens are slow)
        self.epoch_train = curve(self.loss_plot, TRAIN, "train / epoch", width=1, symbol="o", symbolSize=6,
                                 symbolBrush=TRAIN)
        self.epoch_val = curve(self.loss_plot, VAL, "validation / epoch", symbol="o", symbolSize=6, symbolBrush=VAL)
        self.metric_train = curve(self.metric_plot, TRAIN, "train", symbol="o", symbolSize=5, symbolBrush=TRAIN)
        self.metric_val = curve(self.metric_plot, VAL, "validation", symbol="o", symbolSize=5, symbolBrush=VAL)
        self.lr_preview = curve(self.lr_plot, "#999999", "planned", style=pg.QtCore.Qt.PenStyle.DashLine)
        self.lr_actual = curve(self.lr_plot, "#d62728", "actual")
        self.lr_actual.opts["autoDownsampleFactor"] = 1.0  # per-step schedules: one min/max pair per pixel
        self.lr_now = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#d62728", width=1))
        self.lr_plot.addItem(self.lr_now)
        self.overlays: list[pg.PlotDataItem] = []
        self.overlay_range: tuple[float, float] | None = None
        self.saved_runs: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # see set_saved_runs
        self.saved_items: list[tuple[pg.PlotWidget, pg.PlotDataItem]] = []
        self.reset("classification")

    # ------------------------------------------------------------------ state
    def show_task(self, task: str) -> None:
        """Name the metric of ``task`` before any run (once the data set, which knows it, has loaded):
        a regression project's plot reads r2, not accuracy. Curves on show are left alone."""
        if not len(self.losses) and not len(self.metric_values):
            self.reset(task)

    def reset(self, task: str, steps_per_epoch: int | None = None, epochs: int | None = None) -> None:
        """Forget the current run's data (the LR preview and past-run overlays stay).

        With ``epochs`` known, the x axes are fixed to the whole run: axes then need no repaint
        as data arrives (redrawing tick labels is the costliest part of a live plot). Without,
        the x ranges stay as they are until the run's plan names its length.
        """
        self.steps_per_epoch = max(1, steps_per_epoch or getattr(self, "steps_per_epoch", 1))  # kept: the preview's
        if epochs:
            self.total_steps = epochs * self.steps_per_epoch
            self.shown_steps = 0.0
            self.metric_plot.getPlotItem().enableAutoRange(x=False)
            self.metric_plot.setXRange(0, epochs, padding=0.02)
            self._set_x_ranges()
        # y ranges: set by redraw() in steps (see frames.grown), never autoranged point by point
        self.loss_plot.getPlotItem().enableAutoRange(y=False)
        self.metric_plot.getPlotItem().enableAutoRange(y=False)
        self.y_ranges: dict[str, tuple[float, float] | None] = {"loss": self.overlay_range, "metric": None,
                                                                "lr": getattr(self, "preview_range", None)}
        if task in ("classification", "binary"):
            self.y_ranges["metric"] = (0.0, 1.0)
            self.metric_plot.setYRange(0, 1, padding=0.02)
        self.dirty: dict[str, None] = {}  # groups with new data, oldest first
        self.losses = Series(beta=0.95)
        self.epoch_losses, self.val_losses = Series(), Series()
        names = METRICS.get(task, ("r2", "val_r2"))
        if names != getattr(self, "metric_names", None):  # a new title or label re-lays the plot out
            self.metric_names = names
            self.metric_plot.setTitle(f"Metric: {self.metric_names[0]}")
            self.metric_plot.getPlotItem().setLabel("left", self.metric_names[0])
        self.metric_values, self.val_metric_values = Series(), Series()
        self.lrs = Series()  # the actual LR as a step line (two points per change)
        self.step = 0
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            for item in [i for i in plot.getPlotItem().items if getattr(i, "marker", False)]:
                plot.removeItem(item)
        for item in (self.raw, self.smooth, self.epoch_train, self.epoch_val, self.metric_train, self.metric_val,
                     self.lr_actual):
            item.setData([], [])
        self.lr_now.setValue(0)
        if self.y_ranges["loss"] is not None:
            self.loss_plot.setYRange(*self.y_ranges["loss"], padding=0.02)
        self._place_saved_runs()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange(self.height() < COMPACT_BELOW_PX)

    def _arrange(self, compact: bool) -> None:
        """Short and wide (a laptop's bottom dock): the three plots side by side; else loss above the others."""
        if compact == self.compact:
            return
        self.compact = compact
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            self.grid.removeWidget(plot)
        if compact:
            self.grid.addWidget(self.loss_plot, 1, 0)
            self.grid.addWidget(self.metric_plot, 1, 1)
            self.grid.addWidget(self.lr_plot, 1, 2)
        else:
            self.grid.addWidget(self.loss_plot, 1, 0, 1, 2)
            self.grid.addWidget(self.metric_plot, 2, 0)
            self.grid.addWidget(self.lr_plot, 2, 1)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()  # what arrived while hidden

    def set_preview(self, lrs: list[float], note: str = "", steps_per_epoch: int | None = None) -> None:
        """Draw the planned LR per step (from ``preview_schedule``) before the run starts."""
        if steps_per_epoch and not len(self.losses) and steps_per_epoch != self.steps_per_epoch:
            self.steps_per_epoch = steps_per_epoch  # saved runs' epochs line up with the planned run's
            self._place_saved_runs()
        values = np.asarray(lrs, dtype=float)
        self.lr_preview.setData(np.arange(len(lrs), dtype=float), values)
        if not len(self.losses) and len(lrs):  # before a run the step axes show the whole plan
            self.total_steps, self.shown_steps = len(lrs), float(len(lrs))
            self._set_x_ranges(float(len(lrs)))
        finite = values[np.isfinite(values)]
        if len(finite):  # a fixed y range: a flat schedule stays readable and the axis needs no repaint
            self.preview_range = (0.0, float(finite.max()) * 1.1 or 1.0)
            self.y_ranges["lr"] = self.preview_range
            self.lr_plot.getPlotItem().enableAutoRange(y=False)
            self.lr_plot.setYRange(*self.preview_range, padding=0)
        title = "Learning rate" + (f" — {note}" if note else "")
        if title != self.lr_plot.getPlotItem().titleLabel.text:
            self.lr_plot.setTitle(title)

    def set_overlays(self, runs: list[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Smoothed loss curves of earlier runs, drawn faintly behind the current one."""
        for item in self.overlays:
            self.loss_plot.removeItem(item)
        self.overlays = []
        for i, (label, x, y) in enumerate(runs):
            item = curve(self.loss_plot, OVERLAY_PENS[i % len(OVERLAY_PENS)], label, width=1,
                         style=pg.QtCore.Qt.PenStyle.DotLine)
            item.setData(x, y)
            item.setZValue(-1)
            self.overlays.append(item)
        ys = [np.asarray(y, dtype=float) for _label, _x, y in runs]
        ys = np.concatenate(ys) if ys else np.empty(0)
        ys = ys[np.isfinite(ys)]
        self.overlay_range = grown(None, float(ys.min()), float(ys.max())) if len(ys) else None
        if self.overlay_range is not None:
            self.y_ranges["loss"] = grown(self.y_ranges["loss"], *self.overlay_range)
            self.loss_plot.setYRange(*self.y_ranges["loss"], padding=0.02)

    def set_saved_runs(self, runs: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """Saved runs' loss and metric per epoch, ``(label, epochs, losses, metric epochs, metrics)`` each,
        drawn dashed behind the current run: epoch k of a saved run lines up with epoch k of this one."""
        self.saved_runs = list(runs)
        self._place_saved_runs()

    def _place_saved_runs(self) -> None:
        for plot, item in self.saved_items:
            plot.removeItem(item)
        self.saved_items = []
        dash = pg.QtCore.Qt.PenStyle.DashLine
        for i, (label, epochs, losses, metric_epochs, metrics) in enumerate(self.saved_runs):
            pen = SAVED_PENS[i % len(SAVED_PENS)]
            for plot, x, y, key in ((self.loss_plot, np.asarray(epochs) * self.steps_per_epoch, losses, "loss"),
                                    (self.metric_plot, metric_epochs, metrics, "metric")):
                if not len(y):
                    continue
                item = curve(plot, pen, label if key == "loss" else None, width=1.5, style=dash, symbol="t", symbolSize=5, symbolBrush=pen)
                item.setData(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
                item.setZValue(-1)
                self.saved_items.append((plot, item))
                self._grow(key, plot, np.asarray(y, dtype=float))

    # ------------------------------------------------------------------ live data
    def add(self, box: Any) -> None:
        """Append what the buffer delivered (cheap); :meth:`redraw` shows it."""
        if box.losses:
            self.losses.extend(box.losses)
            self.dirty.setdefault("loss")
        for step, lrs in box.lrs:
            if len(self.lrs):
                self.lrs.append(step, self.lrs.last)
            self.lrs.append(step, lrs[0])
            self.dirty.setdefault("lr")
        if box.progress:
            self.step = box.progress[0]
            self.dirty.setdefault("lr")
        if box.epochs:
            self._add_epochs(box.epochs)
            self.dirty.setdefault("epochs")
        for kind, epoch, text in box.markers:
            self.mark(kind, epoch, text)

    def redraw(self, limit: int | None = None) -> bool:
        """Give the changed curves their data; False when nothing had changed.

        With ``limit``, only that many groups (loss, LR, epoch curves: one plot each, the one
        waiting longest first) are updated, so that one frame repaints one plot and never
        blocks the event loop for long; the rest follow in the next frames. Y ranges grow in
        steps so that axes rarely re-render.
        """
        keys = list(self.dirty)[:limit] if limit is not None else list(self.dirty)
        for key in keys:
            del self.dirty[key]
        dirty = set(keys)
        if {"loss", "lr"} & dirty and len(self.losses):
            self._follow(float(self.losses.x[-1]))
        if "loss" in dirty and len(self.losses):
            self.raw.setData(self.losses.x, self.losses.y)
            self.smooth.setData(self.losses.x, self.losses.smoothed)
            self._grow("loss", self.loss_plot, self.losses.y)
        if "lr" in dirty and len(self.lrs):
            self.lr_actual.setData(np.append(self.lrs.x, max(self.step, self.lrs.x[-1])),
                                   np.append(self.lrs.y, self.lrs.last))
            self.lr_now.setValue(self.step)
            self._grow("lr", self.lr_plot, self.lrs.y)
        if "epochs" in dirty:
            for item, series in ((self.epoch_train, self.epoch_losses), (self.epoch_val, self.val_losses),
                                 (self.metric_train, self.metric_values),
                                 (self.metric_val, self.val_metric_values)):
                item.setData(series.x, series.y)
            self._grow("loss", self.loss_plot, self.epoch_losses.y, self.val_losses.y)
            self._grow("metric", self.metric_plot, self.metric_values.y, self.val_metric_values.y)
            many = len(self.metric_values) > MAX_SYMBOLS  # dots on every epoch of a long run: clutter, and slow
            for item in (self.epoch_train, self.epoch_val, self.metric_train, self.metric_val):
                if (item.opts["symbol"] is None) != many:
                    item.setSymbol(None if many else "o")
        return bool(dirty)

    def _set_x_ranges(self, right: float | None = None) -> None:
        """The loss and LR step axes: the whole run, or (following) ``right`` steps (≥ one epoch)."""
        if not self.total_steps:
            return
        if self.whole_run_box.isChecked():
            right = float(self.total_steps)
        else:
            right = min(float(self.total_steps), max(right or self.shown_steps, float(self.steps_per_epoch), 10.0))
        self.shown_steps = right
        for plot in (self.loss_plot, self.lr_plot):
            plot.getPlotItem().enableAutoRange(x=False)
            plot.setXRange(0, right, padding=0.02)

    def _follow(self, last: float) -> None:
        """Grow the followed axis in steps (an axis repaint is costly) once the data nears its right end."""
        if self.whole_run_box.isChecked() or not self.total_steps or last < 0.9 * self.shown_steps:
            return
        self._set_x_ranges(max(last, self.shown_steps) * FOLLOW_GROWTH)

    def _grow(self, key: str, plot: pg.PlotWidget, *values: np.ndarray) -> None:
        data = np.concatenate(values)
        data = data[np.isfinite(data)]
        if not len(data):
            return
        shown = self.y_ranges[key]
        new = grown(shown, float(data.min()), float(data.max()))
        if new != shown:
            self.y_ranges[key] = new
            plot.setYRange(*new, padding=0.02)

    def _add_epochs(self, epochs: list[dict[str, Any]]) -> None:
        train_key, val_key = self.metric_names
        for m in epochs:
            x = m["epoch"] * self.steps_per_epoch  # history epochs are 1-based
            self.epoch_losses.append(x, m.get("loss", np.nan))
            if "val_loss" in m:
                self.val_losses.append(x, m["val_loss"])
            if train_key in m:
                self.metric_values.append(m["epoch"], m[train_key])
            if val_key in m:
                self.val_metric_values.append(m["epoch"], m[val_key])

    def mark(self, kind: str, epoch: int, text: str) -> None:
        """A labelled vertical line at the end of ``epoch`` on the loss, metric and LR plots."""
        pen = pg.mkPen(MARKER_PENS.get(kind, "#555555"), width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        for plot, x in ((self.loss_plot, (epoch + 1) * self.steps_per_epoch), (self.metric_plot, epoch + 1),
                        (self.lr_plot, (epoch + 1) * self.steps_per_epoch)):
            line = pg.InfiniteLine(x, angle=90, pen=pen, label=text if plot is self.loss_plot else None,
                                   labelOpts={"position": 0.9, "color": MARKER_PENS.get(kind, "#555555")})
            line.marker = True
            plot.addItem(line)
