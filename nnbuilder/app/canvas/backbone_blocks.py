"""The blocks a Backbone node lists on the canvas, and the ``freeze`` value a lock click produces.  Qt-free.

The block table, :func:`frozen_blocks` and :func:`normalised` live in :mod:`nnbuilder.backbones.blocks`
(shared with the inspector's freeze checklist).

A *block* is a name from :func:`nnbuilder.backbones.block_names` (``conv1``, ``layer1``, ``features.3``...).
A block is *covered* when it or one of its ancestor blocks is frozen; ``freeze: "all"`` covers every block.
:func:`toggled_freeze` gives the new ``freeze`` value after clicking one block's lock, normalised:
no block frozen → ``"none"``, every top-level block frozen (and the model keeps no parameters outside
its blocks) → ``"all"``, otherwise the frozen blocks in model order.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnbuilder.backbones.blocks import BlockTable, frozen_blocks, normalised


def covered(name: str, frozen: Sequence[str]) -> bool:
    """True when ``name`` is frozen itself or lies inside a frozen block."""
    return any(name == b or name.startswith(f"{b}.") for b in frozen)


def inherited(name: str, frozen: Sequence[str]) -> str | None:
    """The frozen ancestor block that freezes ``name`` (None when none does)."""
    inside = [b for b in frozen if b != name and name.startswith(f"{b}.")]
    return max(inside, key=len) if inside else None


def toggled_freeze(freeze: Any, table: BlockTable, name: str) -> Any:
    """The ``freeze`` value after clicking ``name``'s lock: freeze it when trainable, unfreeze it when frozen.

    A block frozen through its parent cannot be unfrozen alone (raises ``ValueError`` naming the parent).
    """
    if name not in table.names:
        raise ValueError(f"{name!r} is not a block of this backbone; blocks are {', '.join(table.names)}")
    frozen = frozen_blocks(freeze, table)
    parent = inherited(name, frozen)
    if parent is not None:
        raise ValueError(f"{name!r} is frozen with {parent!r}; unfreeze {parent!r} first")
    if name in frozen:
        frozen = [b for b in frozen if b != name]
    else:
        frozen = [b for b in frozen if not b.startswith(f"{name}.")] + [name]
    return normalised(frozen, table)


def compact_count(n: int) -> str:
    """Three significant digits: ``11_176_512`` → ``11.2 M``, ``334_160`` → ``334 k``, ``696`` → ``696``."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale * 0.9995:
            value = n / scale
            return f"{value:.3g} {unit}" if value < 999.5 else f"{value:.0f} {unit}"
    return str(n)
