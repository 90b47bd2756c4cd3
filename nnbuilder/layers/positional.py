"""Positional encodings: tell attention where each step of a sequence sits.

Self-attention is permutation invariant: without position information a
transformer sees a sequence as a bag of vectors.  Both kinds add one vector per
position to the (L, d_model) input and are exported as plain PyTorch: a
``nn.Embedding(max_len, d_model)`` table whose rows are added to the sequence,
either learned or filled once with the fixed sinusoids of Vaswani et al. (2017)
and frozen.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import CHOICE, INT, LayerSpec, ParamSpec, Shape

KINDS = ("learned", "sinusoidal")


def _constructor(params: dict[str, Any]) -> str:
    return f"nn.Embedding({int(params['max_len'])!r}, {int(params['d_model'])!r})"


def _setup(attr: str, params: dict[str, Any]) -> list[str]:
    """Extra ``__init__`` lines: fill the table with fixed sinusoids and freeze it."""
    if params.get("kind") != "sinusoidal":
        return []
    length, width = int(params["max_len"]), int(params["d_model"])
    table = f"self.{attr}.weight.data"
    position = f"torch.arange({length}).unsqueeze(1)"
    return [
        "# fixed sinusoidal positions: sin on even features, cos on odd ones (not trained)",
        f"{table}[:, 0::2] = torch.sin({position} / 10000.0 ** (torch.arange(0, {width}, 2) / {width}))",
        f"{table}[:, 1::2] = torch.cos({position} / 10000.0 ** (torch.arange(0, {width - 1}, 2) / {width}))",
        f"self.{attr}.weight.requires_grad_(False)",
    ]


def _forward(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    x = inputs[0]
    return f"{x} + self.{attr}.weight[:{x}.shape[1]]"


def _infer(params: dict[str, Any], shapes: Sequence[Shape]) -> dict[str, Any]:
    shape = shapes[0]
    if len(shape) != 2:
        raise ValueError(f"expects (L, d_model) sequences per sample, got {tuple(shape)}")
    return {"max_len": shape[0], "d_model": shape[1]}


REGISTRY.register(LayerSpec(
    type="PositionalEncoding",
    category="Attention",
    doc="Adds a vector per position to an (L, d_model) sequence so attention knows the order of the "
        "steps. 'learned': a trained table; 'sinusoidal': fixed sines and cosines of several "
        "frequencies (no parameters trained).",
    params=(
        ParamSpec("kind", CHOICE, default="learned", choices=KINDS, ctor=False, always_emit=True,
                  doc="learned table or fixed sinusoids"),
        ParamSpec("max_len", INT, minimum=1, maximum=1_000_000, inferred=True,
                  doc="longest sequence (auto: input length)"),
        ParamSpec("d_model", INT, minimum=1, maximum=1_000_000, inferred=True,
                  doc="model width (auto: last input dim)"),
    ),
    constructor=_constructor,
    setup=_setup,
    forward=_forward,
    infer=_infer,
))
