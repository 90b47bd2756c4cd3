"""Shape inference without importing ``torch._dynamo`` (about 1 s, the largest part of the first analysis).

torch's meta kernels for several ops (``addmm`` behind ``nn.Linear``, the elementwise references) are
Python decompositions wrapped in ``torch._disable_dynamo``, which imports ``torch._dynamo`` on first use
only to mark the function "do not compile".  Outside ``torch.compile`` that mark changes nothing: the same
function runs.  While no compiler is loaded (``torch._dynamo`` not imported, so nothing can be compiling),
:func:`dynamo_not_loaded` stands in a module whose ``disable`` returns the function unchanged, so the
kernels that compute the shapes are torch's own; afterwards the stand-in and the marks it left are removed,
so a later ``torch.compile`` imports the real module and marks the functions as torch intends.  Any other
use of ``torch._dynamo`` during the block loads the real module at once.
"""
from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any

NAME = "torch._dynamo"
_lock = threading.Lock()


class _StandIn(types.ModuleType):
    """``torch._dynamo`` for ``torch._disable_dynamo``'s lazy import: ``disable`` is the identity."""

    def __init__(self) -> None:
        super().__init__(NAME)
        self.marked: list[Callable[..., Any]] = []

    def disable(self, fn: Callable[..., Any], recursive: bool = True, wrapping: bool = True) -> Callable[..., Any]:
        self.marked.append(fn)
        return fn

    def __getattr__(self, name: str) -> Any:  # anything else: the real module, loaded now
        _remove(self)
        return getattr(importlib.import_module(NAME), name)


def _remove(stand_in: _StandIn) -> None:
    if sys.modules.get(NAME) is stand_in:
        del sys.modules[NAME]
    for fn in stand_in.marked:  # the cached "disabled" function is fn itself: drop it, torch re-marks later
        if getattr(fn, "__dynamo_disable", None) is fn:
            with contextlib.suppress(AttributeError):
                delattr(fn, "__dynamo_disable")
    stand_in.marked.clear()


@contextlib.contextmanager
def dynamo_not_loaded() -> Iterator[None]:
    """Run the block with the stand-in when ``torch._dynamo`` is not loaded yet; otherwise change nothing."""
    if NAME in sys.modules or not _lock.acquire(blocking=False):
        yield
        return
    stand_in = _StandIn()
    sys.modules[NAME] = stand_in
    try:
        yield
    finally:
        _remove(stand_in)
        _lock.release()
