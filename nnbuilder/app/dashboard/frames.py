"""Frame budget of the live views: what a redraw costs on the GUI thread, and how often to redraw.

Training runs in a child process, so redrawing does not slow it down while a core is free
for the GUI; but a long redraw blocks the event loop (typing, dragging, the Stop button)
and a busy GUI process competes for the CPU on small machines. The dashboard therefore
measures each frame — its own update code plus the paint events of the plots — and spaces
frames so that redrawing stays a bounded share of the GUI thread's time.
"""
from __future__ import annotations

import math
import time

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

FRAME_SHARE = 0.2  # redraws may use at most this share of the GUI thread's time while a run is live
MIN_INTERVAL_S = 1 / 30  # never more than 30 redraws per second
MAX_INTERVAL_S = 0.5  # never fewer than 2 redraws per second
SLOW_VIEW_S = 0.3  # probe and histogram views: at most ~3 redraws per second


class PaintClock:
    """Seconds the GUI thread spent in plot paint events since the last :meth:`take`."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def add(self, seconds: float) -> None:
        self.seconds += seconds

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds


PAINT = PaintClock()


class LivePlot(pg.PlotWidget):
    """A PlotWidget whose paint time is counted in :data:`PAINT`, with cached axes.

    Axes (tick text and grid lines) are the costliest part of a repaint; cached in a pixmap
    they are only re-rendered when their range or size changes, not on every new data point.
    Grid lines cost most (alpha-blended lines across the plot), so only two tick levels are drawn.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        item = self.getPlotItem()
        for name in ("left", "bottom", "top", "right"):
            axis = item.getAxis(name)
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            axis.setStyle(maxTickLevel=1)  # the third tick level's grid lines are near-invisible and halve the cost
        item.titleLabel.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        PAINT.add(time.perf_counter() - started)


class FramePacer:
    """Picks the time to the next frame from the cost of the recent ones (a moving average)."""

    def __init__(self, share: float = FRAME_SHARE, fastest: float = MIN_INTERVAL_S,
                 slowest: float = MAX_INTERVAL_S) -> None:
        self.share, self.fastest, self.slowest = share, fastest, slowest
        self.cost = 0.0  # seconds per frame (smoothed)

    def reset(self) -> None:
        self.cost = 0.0

    def interval(self, cost: float) -> float:
        """Record a frame that took ``cost`` seconds; the seconds to wait before the next one."""
        self.cost = cost if self.cost == 0.0 else 0.7 * self.cost + 0.3 * cost
        return min(self.slowest, max(self.fastest, self.cost / self.share))


def grown(current: tuple[float, float] | None, low: float, high: float,
          headroom: float = 0.25) -> tuple[float, float] | None:
    """A range holding [low, high]: ``current`` while it does, else one with headroom on the side that grew.

    Ranges change in steps rather than with every point, so axes re-render rarely. A range
    of non-negative data starts at 0 (losses, accuracies, learning rates).
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return current  # NaN or inf: keep what is shown
    if current is not None and current[0] <= low and high <= current[1]:
        return current
    lo, hi = (current if current is not None else (low, high))
    lo, hi = min(lo, low), max(hi, high)
    span = hi - lo or abs(hi) or 1.0
    if current is None or low < current[0]:
        lo = low - headroom * span
    if current is None or high > current[1]:
        hi = high + headroom * span
    if low >= 0:
        lo = 0.0
    return lo, hi
