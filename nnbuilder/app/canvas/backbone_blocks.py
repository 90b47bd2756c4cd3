"""The blocks a Backbone node lists on the canvas, and the ``freeze`` value a lock click produces.  Qt-free.

A *block* is a name from :func:`nnbuilder.backbones.block_names` (``conv1``, ``layer1``, ``features.3``...).
A block is *covered* when it or one of its ancestor blocks is frozen; ``freeze: "all"`` covers every block.
:func:`toggled_freeze` gives the new ``freeze`` value after clicking one block's lock, normalised:
no block frozen → ``"none"``, every top-level block frozen (and the model keeps no parameters outside
its blocks) → ``"all"``, otherwise the frozen blocks in model order.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BlockTable:
    """The blocks of one (model, output) pair with their parameter counts."""

    names: tuple[str, ...]
    counts: tuple[int, ...]
    total: int  # parameters of the whole model
    parents: tuple[str | None, ...]  # the enclosing listed block of each block (None: top level)

    @property
    def top_level(self) -> tuple[str, ...]:
        return tuple(n for n, p in zip(self.names, self.parents, strict=True) if p is None)

    @property
    def outside_blocks(self) -> int:
        """Parameters that belong to no top-level block (e.g. a ViT's class token)."""
        return self.total - sum(c for c, p in zip(self.counts, self.parents, strict=True) if p is None)


@functools.cache
def block_table(model: str, output: str = "features") -> BlockTable:
    """Blocks, their parameter counts and parents (builds the model once on the meta device; cached).

    Raises ``ValueError`` (e.g. :class:`nnbuilder.backbones.catalog.UnknownModel`) for a model outside the catalogue.
    """
    from nnbuilder.backbones.catalog import block_names, build_model

    names = block_names(model, output)
    net = build_model(model, output, device="meta")
    counts = tuple(sum(p.numel() for p in net.get_submodule(n).parameters()) for n in names)
    total = sum(p.numel() for p in net.parameters())
    return BlockTable(names, counts, total, tuple(_parent(n, names) for n in names))


def _parent(name: str, names: Sequence[str]) -> str | None:
    """The longest other listed block that ``name`` lies inside (``features`` for ``features.3``)."""
    inside = [b for b in names if b != name and name.startswith(f"{b}.")]
    return max(inside, key=len) if inside else None


def frozen_blocks(freeze: Any, table: BlockTable) -> list[str]:
    """The explicitly frozen blocks of a ``freeze`` value (``"all"``: the top-level blocks)."""
    if freeze == "all":
        return list(table.top_level)
    if isinstance(freeze, (list, tuple)):
        return [b for b in freeze if isinstance(b, str)]
    return []


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


def normalised(frozen: Sequence[str], table: BlockTable) -> Any:
    """``"none"``, ``"all"`` or the frozen blocks in model order (unknown names kept at the end)."""
    if not frozen:
        return "none"
    top = table.top_level
    if top and all(b in frozen for b in top) and table.outside_blocks == 0:
        return "all"
    order = {b: i for i, b in enumerate(table.names)}
    return sorted(dict.fromkeys(frozen), key=lambda b: order.get(b, len(order)))


def compact_count(n: int) -> str:
    """Three significant digits: ``11_176_512`` → ``11.2 M``, ``334_160`` → ``334 k``, ``696`` → ``696``."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale * 0.9995:
            value = n / scale
            return f"{value:.3g} {unit}" if value < 999.5 else f"{value:.0f} {unit}"
    return str(n)
