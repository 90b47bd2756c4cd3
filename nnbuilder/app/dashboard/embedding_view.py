"""Embedding projector: an Embedding layer's rows projected to 2-D by PCA, labelled, with a layer chooser.

The training process sends the projections of every Embedding layer at epoch ends and at the end
of the run (``Drained.embeddings``, see :mod:`~nnbuilder.app.dashboard.view_probes`). Hovering a
point shows its label; small tables (≤ :data:`MAX_TEXT_LABELS` rows) also write the labels beside the points.
It can also show a saved run picked in the Runs tab (:mod:`~nnbuilder.app.dashboard.saved_run_views`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnbuilder.app.dashboard.curves import make_plot
from nnbuilder.app.dashboard.results import CLASS_COLORS
from nnbuilder.app.dashboard.saved_run_views import SavedRunBar

MAX_TEXT_LABELS = 40
WAITING = ("The embedding projector shows the rows of an Embedding layer (one vector per category, user or item) "
           "projected to 2-D with PCA: categories the model treats alike end up close together. It applies to "
           "models with Embedding layers (e.g. the tabular_embeddings and collaborative_filtering examples). "
           "Start training to see it.")
APPLIES_TO = ("The projector applies to models with Embedding layers (e.g. the tabular_embeddings and "
              "collaborative_filtering examples).")
NO_LAYERS = f"This model has no Embedding layer. {APPLIES_TO}"


def point_tip(x: float, y: float, data: Any) -> str:
    """The hover text of one point: its label."""
    return str(data)


class EmbeddingView(QWidget):
    """Scatter of the chosen Embedding layer's rows on their first two principal axes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel(WAITING)
        self.note.setWordWrap(True)
        self.bar = SavedRunBar()
        self.chooser = QComboBox()
        self.chooser.setToolTip("The Embedding layer to show")
        self.chooser.currentTextChanged.connect(lambda _t: self._draw())
        self.chooser_label = QLabel("Layer:")
        row = QHBoxLayout()
        row.addWidget(self.chooser_label)
        row.addWidget(self.chooser)
        row.addStretch(1)
        row.addWidget(self.bar)  # beside the layer chooser: the plot keeps the height (a dock at 720 px is short)
        self.plot = make_plot("Embedding projection (PCA)", "PC 1", "PC 2")
        self.scatter = pg.ScatterPlotItem(size=8, pen=pg.mkPen("w", width=0.5), hoverable=True, tip=point_tip,
                                          hoverSize=11)
        self.plot.addItem(self.scatter)
        self.texts: list[pg.TextItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.plot, 1)
        layout.addStretch(0)  # takes the room while the plot is hidden: the text stays at the top
        self.projections: dict[str, Any] = {}  # layer → its latest EmbeddingProjection
        self.shown: Any = None  # the projection on screen
        self.reset()

    def reset(self) -> None:
        """Forget the last run and any saved run shown."""
        self.pending: Any = None
        self.live: Any = None  # the live run's latest projections (kept while a saved run is shown)
        self.saved_folder: Path | None = None  # the saved run shown (None: the live run)
        self.saved_ready = False  # the saved run has arrived (else "Opening…")
        self._clear_view()

    def _clear_view(self) -> None:
        self.bar.hide()
        self.projections = {}
        self.shown = None
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.blockSignals(False)
        self._show_chooser(False)
        self._clear()
        self.plot.setTitle("Embedding projection (PCA)")
        self._say(WAITING)
        self.plot.show()

    def take(self, box: Any) -> None:
        """Keep the box's projections; :meth:`redraw` shows them."""
        if box.embeddings is not None:
            self.pending = self.live = box.embeddings

    def redraw(self) -> bool:
        """Show the latest projections, if new ones arrived (True then); not while a saved run is shown."""
        if self.saved_folder is not None:
            return False
        projections, self.pending = self.pending, None
        if projections is None:
            return False
        self._show(projections, NO_LAYERS)
        return True

    def expect_saved(self, folder: Path) -> None:
        """Show the saved run in ``folder`` once it is opened (:meth:`show_saved`); till then say it is loading."""
        self.saved_folder, self.saved_ready = folder, False
        self._clear_view()
        self.bar.show_run(folder)
        self.plot.hide()
        self._say(f"Opening run {folder.name}…")

    def show_saved(self, views: Any) -> None:
        """Show a saved run's projections (:class:`nnbuilder.run_views.SavedRunViews`), or why there are none
        (``views`` is then the message why the run cannot be opened)."""
        self.saved_ready = True
        if isinstance(views, str):
            self._say(f"Cannot show this run: {views}")
            return
        self._show(views.embeddings, f"Run {views.name} has no Embedding layer. {APPLIES_TO}")
        if views.embeddings and views.label_note:
            self._say(f"Run {views.name}: {views.label_note}.")

    def show_live(self) -> None:
        """Leave the saved run: the live run's latest projections, or the note before any run."""
        self.saved_folder, self.saved_ready = None, False
        self._clear_view()
        self.pending = self.live
        self.redraw()

    def _show(self, projections: Any, no_layers: str) -> None:
        if not projections:
            self.projections = {}
            self._say(no_layers)
            self.plot.hide()
            return
        self._say("")
        self.plot.show()
        self.projections = {p.layer: p for p in projections}
        names = list(self.projections)
        if [self.chooser.itemText(i) for i in range(self.chooser.count())] != names:
            current = self.chooser.currentText()
            self.chooser.blockSignals(True)
            self.chooser.clear()
            self.chooser.addItems(names)
            self.chooser.setCurrentIndex(names.index(current) if current in names else 0)
            self.chooser.blockSignals(False)
        self._show_chooser(len(names) > 1)
        self._draw()

    def select_layer(self, name: str) -> bool:
        """Show Embedding layer ``name`` (a node id); False when the run has no such layer."""
        index = self.chooser.findText(name)
        if index < 0:
            return False
        self.chooser.setCurrentIndex(index)
        return True

    def _draw(self) -> None:
        projection = self.projections.get(self.chooser.currentText())
        if projection is None:
            return
        pts = projection.points
        labelled = len(pts) <= MAX_TEXT_LABELS  # few rows: a colour and a written label each; many: hover only
        colors = CLASS_COLORS[np.arange(len(pts)) % len(CLASS_COLORS)] if labelled else CLASS_COLORS[:1]
        brushes = [pg.mkBrush(*c, 255 if labelled else 150) for c in colors]
        self.scatter.setData(pos=pts, data=list(projection.labels),
                             brush=brushes if labelled else brushes[0])
        self._clear_texts()
        self._fit_range(pts, labelled)
        if labelled:
            color = pg.getConfigOption("foreground")
            for (x, y), label in zip(pts, projection.labels):
                text = pg.TextItem(label, color=color, anchor=(-0.08, 0.5))  # to the right of the point
                text.setPos(float(x), float(y))
                self.plot.addItem(text)
                self.texts.append(text)
        a, b = projection.explained
        when = f"at step {projection.step} (epoch {projection.epoch})" if projection.step else "before training"
        rows = f"{len(pts):,} rows" if len(pts) == projection.rows else f"first {len(pts):,} of {projection.rows:,} rows"
        self.plot.setTitle(f"{projection.layer}: {rows} × {projection.dim} dims {when}")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", f"PC 1 ({a:.0%} of the variance)")
        item.setLabel("left", f"PC 2 ({b:.0%})")
        self.shown = projection

    def _fit_range(self, pts: np.ndarray, labelled: bool) -> None:
        """Show every point, with room on the right and at the top for the labels written beside them."""
        low, high = pts.min(0).astype(float), pts.max(0).astype(float)
        span = np.where(high - low > 0, high - low, 1.0)
        right, top = (0.2, 0.1) if labelled else (0.05, 0.05)
        self.plot.getPlotItem().setRange(xRange=(float(low[0] - 0.05 * span[0]), float(high[0] + right * span[0])),
                                         yRange=(float(low[1] - 0.05 * span[1]), float(high[1] + top * span[1])),
                                         padding=0)

    def _clear(self) -> None:
        self.scatter.setData([], [])
        self._clear_texts()

    def _clear_texts(self) -> None:
        for text in self.texts:
            self.plot.removeItem(text)
        self.texts = []

    def _show_chooser(self, visible: bool) -> None:
        self.chooser.setVisible(visible)
        self.chooser_label.setVisible(visible)

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()
