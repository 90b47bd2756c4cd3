"""Text forms shared by the CLI, generated code and the GUI (no torch, no Qt)."""
from __future__ import annotations


def batch_shape(shape: tuple[int, ...]) -> str:
    """A per-sample shape shown batch-first, as everywhere in nnbuilder: ``(6, 28, 28)`` → ``[B, 6, 28, 28]``."""
    return "[B" + "".join(f", {d}" for d in shape) + "]"
