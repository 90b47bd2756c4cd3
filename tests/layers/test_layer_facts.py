"""Layer facts live in the registry: analysis, commands and the dashboard read them, not type-name tables."""
from __future__ import annotations

import pytest

from nnbuilder.analysis import analyze
from nnbuilder.graph.commands import new_node
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.layers import LayerRegistry, LayerSpec, Role, get_spec, is_pretrained, registry


def test_a_new_layer_registers_with_only_type_category_and_doc():
    reg = LayerRegistry()
    spec = reg.register(LayerSpec(type="GroupNorm", category="Normalisation", doc="x"))
    assert spec.role is Role.LAYER and spec.input_ranks == () and not spec.integer_inputs
    assert not spec.exact_zeros and not spec.pretrained and spec.new_id_base() == "groupnorm1"


def test_roles_and_string_equality():
    assert get_spec("Input").role is Role.INPUT and get_spec("Output").role == "output"
    assert {s.type for s in registry() if s.role is Role.MERGE} == {"Add", "Multiply", "Concat"}


@pytest.mark.parametrize("type_name, zeros", [("ReLU", True), ("LeakyReLU", False), ("GELU", False),
                                              ("ELU", False), ("SELU", False), ("Softplus", False),
                                              ("Sigmoid", False), ("Linear", False)])
def test_only_activations_with_exact_zeros_count_dead_units(type_name, zeros):
    assert get_spec(type_name).exact_zeros is zeros


def test_pretrained_is_a_tag_not_a_type_name():
    assert is_pretrained("Backbone") and not is_pretrained("Linear") and not is_pretrained("NoSuchLayer")
    assert [s.type for s in registry() if s.pretrained] == ["Backbone"]


@pytest.mark.parametrize("type_name, node_id", [("Linear", "fc1"), ("Conv2d", "conv1"), ("BatchNorm1d", "bn1"),
                                                ("Input", "input1"), ("Dropout", "drop1"), ("ReLU", "relu1"),
                                                ("MultiheadAttention", "attn1")])
def test_new_node_ids_come_from_the_spec(type_name, node_id):
    assert new_node(GraphDocument(), type_name).id == node_id


def _one_layer(shape: list[int], type_name: str, params: dict | None = None, dtype: str = "float32"):
    doc = GraphDocument([Node("in", "Input", {"shape": shape, "dtype": dtype}), Node("x", type_name, params or {}),
                         Node("out", "Output")], [Edge("in", "x"), Edge("x", "out")])
    return [i for i in analyze(doc).issues if i.node == "x"]


@pytest.mark.parametrize("type_name, shape, words", [
    ("Conv2d", [784], ("(C, H, W)", "[1, 28, 28]")),
    ("Conv1d", [3, 8, 8], ("(C, L)", "Flatten")),
    ("LSTM", [3, 8, 8], ("(L, features)", "(length, features)")),
    ("BatchNorm1d", [3, 8, 8], ("(C) or (C, L)", "BatchNorm2d")),
])
def test_rank_errors_read_the_spec(type_name, shape, words):
    issue = _one_layer(shape, type_name)[0]
    text = f"{issue.message} / {issue.hint}"
    assert all(w in text for w in words), text


def test_integer_ids_pass_through_reshape_but_not_linear():
    assert not [i for i in _one_layer([4], "Flatten", dtype="int64") if i.is_error]
    issue = _one_layer([4], "Linear", dtype="int64")[0]
    assert issue.code == "dtype" and "int64" in issue.message
