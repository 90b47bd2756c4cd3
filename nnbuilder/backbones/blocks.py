"""A Backbone's freezable blocks with their parameter counts, and reading and normalising ``freeze`` values.

Shared by the canvas's lock toggles and the inspector's freeze checklist so both write the same value:
no block frozen → ``"none"``, every top-level block frozen (and the model keeps no parameters outside
its blocks) → ``"all"``, otherwise the frozen blocks in model order.  Torch is imported only when a table
is built, so importing this module stays cheap (the window starts before torch is loaded).
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

    Raises ``ValueError`` (e.g. :class:`nnbuilder.catalogue.models.UnknownModel`) for a model outside the catalogue.
    """
    from nnbuilder.catalogue.models import blocks_of, build_model

    net = build_model(model, output, device="meta")
    names = blocks_of(model, net)
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


def normalised(frozen: Sequence[str], table: BlockTable) -> Any:
    """``"none"``, ``"all"`` or the frozen blocks in model order (unknown names kept at the end)."""
    if not frozen:
        return "none"
    top = table.top_level
    if top and all(b in frozen for b in top) and table.outside_blocks == 0:
        return "all"
    order = {b: i for i, b in enumerate(table.names)}
    return sorted(dict.fromkeys(frozen), key=lambda b: order.get(b, len(order)))
