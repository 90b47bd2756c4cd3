"""The dashboard's plots in the window's theme: background, axes, titles and legends follow light/dark."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from nnbuilder.app.canvas.theme import THEMES

PLOT_BACKGROUND = {"light": "#ffffff", "dark": "#2b2d31"}


def apply_plot_theme(root: QWidget, name: str) -> int:
    """Restyle every pyqtgraph plot under ``root`` for theme ``name``; the number restyled."""
    colors = THEMES.get(name, THEMES["light"])
    background, text, sub = PLOT_BACKGROUND.get(name, "#ffffff"), colors["text"], colors["subtext"]
    pg.setConfigOption("foreground", text)  # titles and labels set later (a new run's) take the theme too
    count = 0
    for widget in root.findChildren(pg.GraphicsView):
        widget.setBackground(background)
        count += 1
        scene = widget.scene()
        for item in scene.items() if scene is not None else ():
            if isinstance(item, pg.AxisItem):
                item.setPen(pg.mkPen(sub))
                item.setTextPen(pg.mkPen(text))
            elif isinstance(item, pg.PlotItem) and item.titleLabel.text:
                item.setTitle(item.titleLabel.text, color=text)
            elif isinstance(item, pg.LegendItem):
                item.setLabelTextColor(text)
                for _sample, label in item.items:  # existing labels re-render only when their text is set
                    label.setText(label.text, color=text)
    return count
