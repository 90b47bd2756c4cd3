"""The live training dashboard: run setup, a worker thread on the engine, live plots and probes."""
from nnbuilder.app.dashboard.panel import Dashboard

__all__ = ["Dashboard"]
