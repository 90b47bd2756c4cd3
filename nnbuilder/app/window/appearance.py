"""Light and dark application palettes (Fusion style), matching the canvas themes."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEME_NAMES = ("light", "dark")

_DARK = {
    QPalette.ColorRole.Window: "#2b2d31",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#26282c",
    QPalette.ColorRole.ToolTipBase: "#35373c",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#80868b",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#35373c",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.BrightText: "#ff6e6e",
    QPalette.ColorRole.Link: "#64b5f6",
    QPalette.ColorRole.Highlight: "#3d6fa8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Mid: "#3a3c41",
    QPalette.ColorRole.Dark: "#141517",
    QPalette.ColorRole.Light: "#4a4d55",
}


def palette_for(name: str) -> QPalette:
    """The Fusion standard palette for "light", a dark one for "dark"."""
    app = QApplication.instance()
    base = app.style().standardPalette() if isinstance(app, QApplication) else QPalette()
    if name != "dark":
        return base
    palette = QPalette(base)
    for role, value in _DARK.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7f848c"))
    return palette


def apply_app_theme(name: str) -> None:
    """Switch the whole application to ``name`` (Fusion style keeps both themes consistent)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_for(name))
