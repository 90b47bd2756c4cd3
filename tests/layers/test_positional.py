"""PositionalEncoding: sinusoidal tables are the textbook formula and stay fixed; learned ones train."""
from __future__ import annotations

import math

import torch

from nnbuilder.analysis import analyze
from nnbuilder.compile import compile_graph
from nnbuilder.graph.document import Edge, GraphDocument, Node


def _model(kind: str, length: int = 5, width: int = 6):
    doc = GraphDocument([Node("seq", "Input", {"shape": [length, width]}),
                         Node("pos", "PositionalEncoding", {"kind": kind}), Node("out", "Output", {})],
                        [Edge("seq", "pos"), Edge("pos", "out")])
    return compile_graph(doc, "Pos")


def test_sinusoidal_table_is_the_formula_frozen_and_added() -> None:
    compiled = _model("sinusoidal")
    assert "nn.Embedding(5, 6)" in compiled.source and "torch.sin(" in compiled.source
    model = compiled.build()
    table = model.pos.weight
    assert not table.requires_grad
    for p in range(5):
        for i in range(3):
            angle = p / 10000 ** (2 * i / 6)
            assert math.isclose(table[p, 2 * i].item(), math.sin(angle), abs_tol=1e-6)
            assert math.isclose(table[p, 2 * i + 1].item(), math.cos(angle), abs_tol=1e-6)
    x = torch.zeros(2, 5, 6)
    assert torch.equal(model(x)[1], table)


def test_learned_table_is_trainable_and_counted() -> None:
    compiled = _model("learned")
    assert compiled.analysis.nodes["pos"].param_count == 30
    assert compiled.analysis.nodes["pos"].trainable == 30
    assert compiled.build().pos.weight.requires_grad
    assert _model("sinusoidal").analysis.nodes["pos"].trainable == 0


def test_a_vector_input_is_refused_naming_the_shape() -> None:
    doc = GraphDocument([Node("v", "Input", {"shape": [8]}), Node("pos", "PositionalEncoding", {}),
                         Node("out", "Output", {})], [Edge("v", "pos"), Edge("pos", "out")])
    analysis = analyze(doc)
    assert not analysis.valid
    assert any(i.node == "pos" and "(L, d_model)" in i.text() for i in analysis.issues)
