"""A thread-safe mailbox between the training run and the GUI (Qt-free, torch-free).

The training side appends small records; the GUI drains everything new in one
call from a timer, so the GUI redraws at its own pace however fast steps come.
A run in a child process drains its own buffer and ships each :class:`Drained`
to the GUI's buffer, which :meth:`EventBuffer.merge`s it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Drained:
    """Everything that arrived since the previous :meth:`EventBuffer.drain`."""

    plan: Any = None
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, loss)
    epochs: list[dict[str, Any]] = field(default_factory=list)
    lrs: list[tuple[int, list[float]]] = field(default_factory=list)
    probes: list[Any] = field(default_factory=list)
    markers: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, epoch, text)
    boundary: Any = None  # latest decision-boundary grid
    boundaries: int = 0  # how many grids arrived (only the latest is kept)
    outcome: Any = None  # end-of-run evaluation (confusion matrix / predicted vs true)
    lr_finder: Any = None
    pinned: Any = None  # the probe batch's sample 0 (numpy), shown next to feature maps
    fit: Any = None  # the fitted-curve view's training points and grid (CurveData), or why it does not apply (str)
    curve: Any = None  # latest FittedCurve (1-D regression)
    embeddings: Any = None  # latest tuple of EmbeddingProjection (empty: the model has none)
    progress: tuple[int, int] | None = None  # (step, epoch) of the latest step
    result: Any = None
    error: str | None = None
    ended: bool = False

    @property
    def empty(self) -> bool:
        return not (self.plan or self.losses or self.epochs or self.lrs or self.probes or self.markers
                    or self.boundary is not None or self.outcome is not None or self.lr_finder is not None
                    or self.progress or self.ended or self.fit is not None or self.curve is not None
                    or self.embeddings is not None)


class EventBuffer:
    """Collects training events under a lock; :meth:`drain` hands them over and starts afresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._box = Drained()

    def put(self, name: str, value: Any) -> None:
        """Append to a list field or replace a single-value field of the pending :class:`Drained`."""
        with self._lock:
            current = getattr(self._box, name)
            if isinstance(current, list):
                current.append(value)
            else:
                setattr(self._box, name, value)
            if name == "boundary":
                self._box.boundaries += 1

    def put_step(self, step: int, epoch: int, loss: float | None) -> None:
        """One optimizer step: its loss (when read back) and the progress, under one lock (every step calls it)."""
        with self._lock:
            box = self._box
            if loss is not None:
                box.losses.append((step, loss))
            box.progress = (step, epoch)

    def finish(self, result: Any = None, error: str | None = None) -> None:
        """Mark the job as ended (with its result or an error message)."""
        with self._lock:
            self._box.result, self._box.error, self._box.ended = result, error, True

    def merge(self, box: Drained) -> None:
        """Add everything of ``box`` (drained elsewhere) as if each record had been put here."""
        with self._lock:
            mine = self._box
            for name in ("losses", "epochs", "lrs", "probes", "markers"):
                getattr(mine, name).extend(getattr(box, name))
            for name in ("plan", "boundary", "outcome", "lr_finder", "pinned", "progress", "fit", "curve", "embeddings"):
                if getattr(box, name) is not None:
                    setattr(mine, name, getattr(box, name))
            mine.boundaries += box.boundaries
            if box.ended:
                mine.result, mine.error, mine.ended = box.result, box.error, True

    def drain(self) -> Drained:
        with self._lock:
            box, self._box = self._box, Drained()
        return box
