"""OneHot and ToFloat: category codes as one-hot vectors or as plain numbers, exported as plain PyTorch."""
from __future__ import annotations

from itertools import pairwise

import pytest
import torch

from nnbuilder.analysis import analyze
from nnbuilder.compile import compile_graph
from nnbuilder.graph.document import Edge, GraphDocument, Node


def _doc(*layers: Node, dtype: str = "int64", shape: tuple[int, ...] = (2,)) -> GraphDocument:
    nodes = [Node("codes", "Input", {"shape": list(shape), "dtype": dtype}), *layers, Node("out", "Output", {})]
    ids = [n.id for n in nodes]
    return GraphDocument(nodes, [Edge(a, b) for a, b in pairwise(ids)])


def test_one_hot_puts_a_single_one_at_each_code() -> None:
    compiled = compile_graph(_doc(Node("hot", "OneHot", {"num_classes": 4}), Node("flat", "Flatten", {})), "Hot")
    assert "torch.nn.functional.one_hot(" in compiled.source
    assert compiled.analysis.nodes["hot"].output_shape == (2, 4)
    assert compiled.analysis.nodes["flat"].output_shape == (8,)
    out = compiled.build()(torch.tensor([[0, 3], [2, 1]]))
    assert out.dtype == torch.float32
    assert out.tolist() == [[1, 0, 0, 0, 0, 0, 0, 1], [0, 0, 1, 0, 0, 1, 0, 0]]


def test_one_hot_refuses_float_input_naming_the_node() -> None:
    analysis = analyze(_doc(Node("hot", "OneHot", {"num_classes": 4}), dtype="float32"))
    assert not analysis.valid
    issue = next(i for i in analysis.issues if i.node == "hot")
    assert "integer ids" in issue.text() and "int64" in issue.text()


def test_one_hot_code_out_of_range_fails_at_run_time() -> None:
    model = compile_graph(_doc(Node("hot", "OneHot", {"num_classes": 4})), "Hot").build()
    with pytest.raises(RuntimeError, match="num_classes"):
        model(torch.tensor([[0, 4]]))


def test_to_float_lets_codes_reach_a_linear_layer_as_numbers() -> None:
    refused = analyze(_doc(Node("fc", "Linear", {"out_features": 1})))
    assert any(i.node == "fc" and "int64" in i.text() and "insert ToFloat" in i.text() for i in refused.issues)
    compiled = compile_graph(_doc(Node("num", "ToFloat", {}), Node("fc", "Linear", {"out_features": 1})), "Codes")
    assert compiled.analysis.valid and compiled.analysis.nodes["num"].dtype == "float32"
    model = compiled.build()
    with torch.no_grad():
        model.fc.weight.fill_(1.0)
        model.fc.bias.zero_()
        assert model(torch.tensor([[2, 5]])).item() == 7.0  # code 2 + code 5: read as quantities
