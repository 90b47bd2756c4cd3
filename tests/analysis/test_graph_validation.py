"""Structural validation and shape errors: typed, naming nodes, suggesting fixes."""
from __future__ import annotations

import itertools

from nnbuilder.analysis import analyze
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.package_data import examples_dir


def chain(*nodes: Node, extra_edges: tuple[Edge, ...] = ()) -> GraphDocument:
    edges = [Edge(a.id, b.id) for a, b in itertools.pairwise(nodes)]
    return GraphDocument(nodes, edges + list(extra_edges))


def codes(doc: GraphDocument) -> dict[str | None, set[str]]:
    out: dict[str | None, set[str]] = {}
    for issue in analyze(doc).errors:
        out.setdefault(issue.node, set()).add(issue.code)
    return out


def test_valid_mlp_shapes_and_counts() -> None:
    doc = chain(Node("x", "Input", {"shape": [784]}), Node("h", "Linear", {"out_features": 1000}),
                Node("r", "ReLU"), Node("o", "Linear", {"out_features": 10}), Node("y", "Output"))
    a = analyze(doc)
    assert a.valid
    assert a.nodes["h"].params["in_features"] == 784
    assert (a.nodes["h"].param_count, a.nodes["o"].param_count) == (785_000, 10_010)
    assert a.total_params == a.trainable_params == 795_010
    assert a.nodes["y"].output_shape == (10,)
    assert a.nodes["h"].macs == 784_000


def test_cycle_names_every_node_in_it() -> None:
    doc = chain(Node("x", "Input"), Node("a", "Linear"), Node("b", "ReLU"), Node("c", "Linear"),
                Node("y", "Output"))
    doc.insert_node(Node("m", "Add"))
    doc.pop_edge(("a", 0, "b", 0))
    doc.insert_edge(Edge("a", "m", 0, 0))
    doc.insert_edge(Edge("c", "m", 0, 1))
    doc.insert_edge(Edge("m", "b"))
    cyc = [i for i in analyze(doc).errors if i.code == "cycle"]
    assert {i.node for i in cyc} == {"m", "b", "c"}
    assert "→" in cyc[0].message and "m" in cyc[0].message


def test_missing_input_and_output() -> None:
    found = codes(GraphDocument([Node("a", "Linear")]))
    assert "no_input" in found[None] and "no_output" in found[None]


def test_dangling_and_unconnected_nodes_are_named() -> None:
    doc = chain(Node("x", "Input"), Node("a", "Linear"), Node("y", "Output"))
    doc.insert_node(Node("lonely", "ReLU"))
    doc.insert_node(Node("dead_end", "Tanh"))
    doc.insert_edge(Edge("a", "dead_end"))
    found = codes(doc)
    assert {"unconnected", "dangling"} <= found["lonely"]
    assert found["dead_end"] == {"dangling"}


def test_two_edges_into_one_port() -> None:
    doc = chain(Node("x", "Input"), Node("a", "Linear"), Node("y", "Output"))
    doc.insert_node(Node("b", "Linear"))
    doc.insert_edge(Edge("x", "b"))
    doc.insert_edge(Edge("b", "a"))
    issues = [i for i in analyze(doc).errors if i.code == "duplicate_input"]
    assert issues and issues[0].node == "a" and "'x'" in issues[0].message and "'b'" in issues[0].message


def test_linear_after_conv_with_wrong_in_features_suggests_flatten() -> None:
    doc = chain(Node("img", "Input", {"shape": [1, 28, 28]}), Node("conv", "Conv2d", {"out_channels": 6}),
                Node("fc", "Linear", {"in_features": 784, "out_features": 10}), Node("y", "Output"))
    (issue,) = analyze(doc).errors
    assert issue.node == "fc" and "784" in issue.message and "[6, 26, 26]" in issue.message
    assert "Flatten" in issue.hint


def test_linear_on_image_warns_to_flatten() -> None:
    doc = chain(Node("img", "Input", {"shape": [1, 28, 28]}), Node("fc", "Linear"), Node("y", "Output"))
    a = analyze(doc)
    assert a.valid
    (warning,) = a.warnings
    assert warning.node == "fc" and "Flatten" in warning.hint and "784" in warning.hint


def test_conv_on_vector_suggests_reshape() -> None:
    doc = chain(Node("x", "Input", {"shape": [784]}), Node("conv", "Conv2d"), Node("y", "Output"))
    (issue,) = analyze(doc).errors
    assert issue.node == "conv" and "[1, 28, 28]" in issue.hint


def test_add_with_mismatched_shapes_names_both_shapes() -> None:
    doc = chain(Node("x", "Input", {"shape": [4]}), Node("a", "Linear", {"out_features": 8}),
                Node("add", "Add"), Node("y", "Output"), extra_edges=(Edge("x", "add", 0, 1),))
    (issue,) = analyze(doc).errors
    assert issue.node == "add" and "[8]" in issue.message and "[4]" in issue.message
    assert "Linear" in issue.hint


def test_unknown_type_and_bad_params_are_reported_per_node() -> None:
    doc = chain(Node("x", "Input"), Node("a", "Lineer"), Node("b", "Linear", {"out_features": 0, "wat": 1}),
                Node("y", "Output"))
    a = analyze(doc)
    found = [(i.node, i.code, i.message) for i in a.errors]
    assert any(n == "a" and c == "unknown_type" and "Linear" in m for n, c, m in found)  # with a suggestion
    assert any(n == "b" and c == "param" and "out_features" in m for n, c, m in found)
    assert any(n == "b" and c == "param" and "wat" in m for n, c, m in found)


def test_attention_heads_must_divide_width() -> None:
    doc = chain(Node("x", "Input", {"shape": [5, 6]}), Node("att", "MultiheadAttention", {"num_heads": 4}),
                Node("y", "Output"))
    (issue,) = analyze(doc).errors
    assert issue.node == "att" and "divisible" in issue.message


def test_embedding_needs_integer_input() -> None:
    doc = chain(Node("x", "Input", {"shape": [3]}), Node("e", "Embedding"), Node("y", "Output"))
    (issue,) = analyze(doc).errors
    assert issue.node == "e" and "int64" in issue.hint


def test_kernel_larger_than_input() -> None:
    doc = chain(Node("x", "Input", {"shape": [1, 4, 4]}), Node("c", "Conv2d", {"kernel_size": 7}),
                Node("y", "Output"))
    (issue,) = analyze(doc).errors
    assert issue.node == "c" and "kernel_size" in issue.hint


def test_parameter_counts_equal_hand_written_pytorch() -> None:

    from torch import nn

    from nnbuilder.graph.project import load_project

    root = examples_dir()
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Dropout(0.3), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 1000), nn.ReLU(), nn.Linear(1000, 10))
    lstm = nn.ModuleList([nn.LSTM(1, 32, batch_first=True), nn.Linear(32, 1)])
    for name, reference in (("lenet_cnn", lenet), ("mnist_mlp", mlp), ("lstm_forecast", lstm)):
        analysis = analyze(load_project(root / f"{name}.nnb").graph)
        assert analysis.total_params == sum(p.numel() for p in reference.parameters()), name
