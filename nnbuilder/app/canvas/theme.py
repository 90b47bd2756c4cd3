"""Canvas colour palettes (light and dark) and per-category accent colours."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor

if TYPE_CHECKING:
    from nnbuilder.app.canvas.scene import GraphScene

CATEGORY_COLORS: dict[str, str] = {
    "Input/Output": "#2e7d32",
    "Dense": "#1565c0",
    "Regularisation": "#8d6e63",
    "Reshape": "#607d8b",
    "Activation": "#f9a825",
    "Convolution": "#6a1b9a",
    "Pooling": "#00838f",
    "Normalisation": "#00897b",
    "Embedding": "#ad1457",
    "Recurrent": "#d84315",
    "Attention": "#c62828",
    "Merge": "#37474f",
    "Backbone": "#795548",
    "Pretrained": "#795548",  # the Backbone layer's palette category
    "Blocks": "#5e35b1",  # Block nodes (graph/blocks.py)
}
UNKNOWN_CATEGORY = "#9e9e9e"

THEMES: dict[str, dict[str, str]] = {
    "light": {
        "background": "#f4f5f7",
        "grid": "#e3e5e9",
        "grid_major": "#d0d3d9",
        "node_fill": "#ffffff",
        "node_border": "#9aa0a6",
        "node_selected": "#1e88e5",
        "text": "#202124",
        "subtext": "#5f6368",
        "edge": "#7b8794",
        "edge_selected": "#1e88e5",
        "edge_label_bg": "#ffffff",
        "edge_label_text": "#37474f",
        "port": "#546e7a",
        "port_highlight": "#43a047",
        "port_dim": "#d5d8dc",
        "error": "#d32f2f",
        "warning": "#f29900",
        "rubber_band": "#1e88e5",
        "frozen": "#0277bd",
    },
    "dark": {
        "background": "#1e1f22",
        "grid": "#27292d",
        "grid_major": "#313338",
        "node_fill": "#2b2d31",
        "node_border": "#4a4d55",
        "node_selected": "#64b5f6",
        "text": "#e8eaed",
        "subtext": "#9aa0a6",
        "edge": "#8a939e",
        "edge_selected": "#64b5f6",
        "edge_label_bg": "#35373c",
        "edge_label_text": "#dfe3e8",
        "port": "#b0bec5",
        "port_highlight": "#66bb6a",
        "port_dim": "#3a3c41",
        "error": "#ef5350",
        "warning": "#ffb300",
        "rubber_band": "#64b5f6",
        "frozen": "#4fc3f7",
    },
}


def color(theme: dict[str, str], key: str) -> QColor:
    """``theme[key]`` as a QColor (falls back to the light palette for missing keys)."""
    return QColor(theme.get(key) or THEMES["light"][key])


def category_color(category: str | None) -> QColor:
    return QColor(CATEGORY_COLORS.get(category or "", UNKNOWN_CATEGORY))


def set_theme(scene: GraphScene, name: str) -> None:
    """Switch ``scene`` (and every item in it) to the palette ``name``."""
    if name not in THEMES:
        raise KeyError(f"unknown theme {name!r}; known: {', '.join(THEMES)}")
    scene.set_palette(THEMES[name])
