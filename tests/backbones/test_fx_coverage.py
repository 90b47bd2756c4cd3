"""Constructs real models use: functional forms of palette layers, size arithmetic, RNN tuples, many-input
cat, chunk, forward's own tensors — each imported exactly (strict load, identical eval outputs)."""
from __future__ import annotations

import collections

import torch
import torch.nn.functional as F
from torch import nn

from nnbuilder.analysis import analyze
from nnbuilder.backbones.fx_import import import_module
from nnbuilder.backbones.sources import verify


class Functional(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 3)

    def forward(self, x):
        x = F.max_pool2d(torch.sigmoid(self.conv(x)), 2)
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        a, b = x.chunk(2, dim=1)                       # tuple items
        x = torch.cat([b, a], 1)
        x = F.adaptive_avg_pool2d(x, 4)
        return self.fc(x.view(x.size(0), -1))          # size arithmetic -> Flatten


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(4, 6, batch_first=True)
        self.fc = nn.Linear(6, 2)

    def forward(self, x):
        _out, (h, _c) = self.lstm(x)                   # only the last hidden state is used
        return self.fc(h[-1])


class Tokens(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cls = nn.Parameter(torch.randn(1, 1, 8) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 5, 8))
        self.proj = nn.Linear(3, 8)
        self.register_buffer("scale", torch.full((8,), 0.5))

    def forward(self, x):                              # x: (B, 4, 3)
        n = x.shape[0]
        tokens = torch.cat([self.cls.expand(n, -1, -1), self.proj(x)], dim=1) + self.pos
        parts = [tokens[:, i] for i in range(5)]
        return torch.cat(parts * 4, dim=1) * self.scale.repeat(20)  # 20 inputs: a tree of Concat nodes


def _types(doc) -> collections.Counter:
    return collections.Counter(n.type for n in doc.nodes)


def test_functional_forms_become_palette_layers() -> None:
    model = Functional()
    result = import_module(model, [(3, 16, 16)])
    types = _types(result.doc)
    assert {"MaxPool2d", "Sigmoid", "Upsample", "AdaptiveAvgPool2d", "Flatten"} <= set(types)
    verify(result, model, [(3, 16, 16)])


def test_rnn_hidden_state_unpacking() -> None:
    model = Recurrent()
    result = import_module(model, [(7, 4)])
    assert result.doc.node("lstm").params["output"] == "hidden"
    verify(result, model, [(7, 4)])


def test_forward_tensors_size_arithmetic_and_many_input_cat() -> None:
    model = Tokens()
    result = import_module(model, [(4, 3)])
    params = {n.extra["module"]: n.params for n in result.doc.nodes if n.type == "Parameter"}
    assert params["cls"]["kind"] == "parameter" and params["scale"] == {
        "kind": "buffer", "shape": [8], "dtype": "float32", "init": "full", "value": 0.5}
    assert max(n.params["inputs"] for n in result.doc.nodes if n.type == "Concat") <= 8
    analysis = analyze(result.doc)
    assert analysis.total_params == sum(p.numel() for p in model.parameters())
    verify(result, model, [(4, 3)])


class Sections(nn.Module):
    """``split`` into sections of listed sizes (timm's MixNet, LeViT): each item a slice, no tuple."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(4, 9)

    def forward(self, x):                              # x: (B, 3, 4)
        q, k, v = self.qkv(x).split([2, 2, 5], dim=-1)
        first, rest = torch.split(x, [1, 3], 2)
        return torch.cat([q * k, v[..., -2:], first, rest], dim=-1)


def test_split_into_listed_sections_imports_exactly() -> None:
    model = Sections()
    result = import_module(model, [(3, 4)])
    assert not any(n.params.get("target") == "split" for n in result.doc.nodes)
    verify(result, model, [(3, 4)])


def test_an_unsaved_tensor_too_large_for_the_project_is_refused() -> None:
    import pytest

    from nnbuilder.backbones.fx_convert import UnsupportedModel

    class Masked(nn.Module):  # timm's Swin keeps its shifted-window mask like this
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mask", torch.randn(101, 1000), persistent=False)

        def forward(self, x):
            return x + self.mask

    with pytest.raises(UnsupportedModel, match=r"unsaved tensor 'mask' .*101,000 values.*persistent buffer"):
        import_module(Masked(), [(101, 1000)])
