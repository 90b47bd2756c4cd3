"""The Qt desktop application (the only package importing PySide6/pyqtgraph)."""
