"""The live training dashboard: run setup, a worker thread on the engine, live plots and probes."""
from nnbuilder.app.dashboard.panel import Dashboard
from nnbuilder.app.dashboard.qt_compat import pin_none

pin_none()  # PySide6 6.12 + Python 3.11: live plots would otherwise exhaust None's reference count

__all__ = ["Dashboard"]
