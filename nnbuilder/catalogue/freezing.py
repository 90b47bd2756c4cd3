"""Freezing sub-modules for transfer learning, and counting what still trains.

Freezing sets ``requires_grad=False`` on a block's parameters; BatchNorm running statistics in a
frozen block still update in training mode (call ``.eval()`` on the block to stop that).
"""
from __future__ import annotations

import keyword
import re
from collections.abc import Sequence

from torch import nn

Freeze = str | Sequence[str]  # "all", "none" or block names such as ["conv1", "layer1"]

_BLOCK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")


class FreezeError(ValueError):
    """A freeze value that names no block of the model."""


def check_block_name(name: object) -> str:
    """``name`` if it is a dotted module path such as ``features.3``; else :class:`FreezeError`."""
    if not isinstance(name, str) or not _BLOCK.match(name) or any(keyword.iskeyword(p) for p in name.split(".")):
        raise FreezeError(f"{name!r} is not a block name; use dotted sub-module names such as 'layer1' "
                          "or 'features.3'")
    return name


def block_path(attr_expr: str, block: str) -> str:
    """Python source reaching ``block`` from ``attr_expr``: ``self.net.features[3]``."""
    out = attr_expr
    for part in check_block_name(block).split("."):
        out += f"[{int(part)!r}]" if part.isdigit() else f".{part}"
    return out


def freeze_lines(attr_expr: str, freeze: Freeze) -> list[str]:
    """``__init__`` source lines freezing ``freeze`` blocks of the module at ``attr_expr``."""
    if freeze == "none" or not freeze:
        return []
    if freeze == "all":
        return [f"{attr_expr}.requires_grad_(False)  # frozen: transfer learning"]
    return [f"{block_path(attr_expr, b)}.requires_grad_(False)  # frozen block {b!r}" for b in freeze]


def freeze(model: nn.Module, blocks: Freeze) -> nn.Module:
    """Freeze ``blocks`` of ``model`` in place ("all", "none", or a list of sub-module names)."""
    if blocks == "none":
        return model
    if blocks == "all":
        return model.requires_grad_(False)
    if isinstance(blocks, str):
        raise FreezeError(f"freeze must be 'all', 'none' or a list of block names, got {blocks!r}")
    known = dict(model.named_modules())
    for block in blocks:
        if check_block_name(block) not in known:
            raise FreezeError(f"model has no block {block!r}; top-level blocks are "
                              f"{', '.join(n for n, _ in model.named_children())}")
        known[block].requires_grad_(False)
    return model


def unfreeze(model: nn.Module) -> nn.Module:
    """Make every parameter trainable again."""
    return model.requires_grad_(True)


def trainable_counts(model: nn.Module) -> tuple[int, int]:
    """``(trainable, frozen)`` parameter counts of ``model``."""
    trainable = frozen = 0
    for p in model.parameters():
        if p.requires_grad:
            trainable += p.numel()
        else:
            frozen += p.numel()
    return trainable, frozen
