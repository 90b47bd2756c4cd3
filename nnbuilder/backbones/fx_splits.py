"""Tuples a model only indexes with constants (``q, k, v = x.split([2, 2, 5], -1)``, ``x.chunk(2, 1)[0]``,
``x.unbind(0)[1]``): each item becomes its own slicing ``OpaqueOp`` node, so no tuple flows through the graph."""
from __future__ import annotations

import operator
from typing import Any

import torch
from torch import fx

from nnbuilder.backbones import literals
from nnbuilder.backbones.fx_convert import Converted, UnsupportedModel, short_text

_SPLITS = ("chunk", "unbind", "split")


def tuple_split(node: fx.Node, live: set[fx.Node]) -> bool:
    """``x.chunk(n, dim)`` / ``x.unbind(dim)`` / ``x.split(size, dim)`` used only through constant indices:
    each ``[i]`` becomes its own slicing node (see :func:`split_item`)."""
    name = node.target if node.op == "call_method" else getattr(node.target, "__name__", "")
    if name not in _SPLITS or (node.op == "call_function" and getattr(torch, name, None) is not node.target):
        return False
    if not node.args or not isinstance(node.args[0], fx.Node) or not _split_args(node):
        return False
    users = [u for u in node.users if u in live]
    return bool(users) and all(u.target is operator.getitem and type(u.args[1]) is int for u in users)


def _split_args(node: fx.Node) -> tuple[str, int | list[int] | None, int] | None:
    """(name, chunks / split size / list of section sizes, dim), or None when they are not constants."""
    name = node.target if node.op == "call_method" else node.target.__name__
    names = {"chunk": ("chunks", "dim"), "split": ("split_size", "dim"), "unbind": ("dim",)}[name]
    values = dict(zip(names, node.args[1:]))
    values.update({"split_size" if k == "split_size_or_sections" else k: v for k, v in node.kwargs.items()})
    if set(values) - set(names):
        return None
    dim = values.get("dim", 0)
    size = values.get("chunks", values.get("split_size"))
    sections = name == "split" and isinstance(size, (list, tuple)) and all(type(v) is int and v >= 0 for v in size)
    if type(dim) is not int or (name != "unbind" and type(size) is not int and not sections):
        return None
    return name, list(size) if sections else size, dim


def split_item(getitem: fx.Node) -> Converted:
    """``x.chunk(n, d)[i]`` as ``x[..., i*c:(i+1)*c]`` (c = ceil(size/n)), ``x.unbind(d)[i]`` as
    ``x.select(d, i)``: the same tensor, without a tuple in the graph."""
    source = getitem.args[0]
    x, index = source.args[0], getitem.args[1]
    name, size, dim = _split_args(source)
    if name == "unbind":
        params = {"kind": "method", "target": "select", "inputs": 1, "args": [{"input": 0}, dim, index],
                  "kwargs": {}, "description": short_text(f"{source.format_node()} [{index}]")[:2000]}
        return Converted("OpaqueOp", params, [x])
    step: Any = size
    if name == "chunk":  # chunk size = ceil(length / n)
        length = literals.Expr("size", (x, dim))
        step = literals.Expr("floordiv", (literals.Expr("add", (length, size - 1)), size))
    if isinstance(size, list):  # split into sections of the listed sizes
        if not -len(size) <= index < len(size):
            raise UnsupportedModel(f"{source.name}[{index}]: {name} into {len(size)} sections has no item {index}")
        index %= len(size)
        item = slice(sum(size[:index]) or None, sum(size[:index + 1]))
    elif index < 0:
        raise UnsupportedModel(f"{source.name}[{index}]: negative indices into {name} are not supported")
    else:
        start = literals.Expr("mul", (step, index)) if index else None
        item = slice(start, literals.Expr("mul", (step, index + 1)))
    key = (*([slice(None)] * dim), item) if dim >= 0 else (Ellipsis, item, *([slice(None)] * (-dim - 1)))
    ref = lambda v: 0 if v is x else None
    params = {"kind": "operator", "target": "getitem", "inputs": 1,
              "args": [{"input": 0}, literals.encode(key, ref)], "kwargs": {},
              "description": short_text(f"{source.format_node()} [{index}]")[:2000]}
    return Converted("OpaqueOp", params, [x])
