"""The editor's main window and its docks (palette, inspector, summary, problems)."""
from nnbuilder.app.window.main_window import MainWindow

__all__ = ["MainWindow"]
