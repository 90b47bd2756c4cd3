"""Property-based tests of the core pipeline: document → analysis → generated module → real tensors.

Random graphs are drawn from a pool of layer types with random (mostly sensible, sometimes
out-of-range or wrongly typed) parameters, random Input shapes and dtypes, and random wiring
(sometimes with cycles, doubled ports, bad port numbers or no Output).  Properties:

* ``analyze`` never raises;
* a valid analysis always compiles, and the built module run on real CPU tensors returns
  outputs whose per-sample shapes are exactly the analysis' Output shapes;
* an invalid analysis makes ``compile_graph`` raise ``GraphValidationError`` and every error
  carries a readable message;
* project JSON survives ``dumps_project`` → ``loads_project`` unchanged, unknown keys included.
"""
from __future__ import annotations

import json
import math
import os
import warnings

import pytest
import torch
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from nnbuilder.analysis import GraphValidationError, analyze
from nnbuilder.compile import compile_graph
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project, dumps_project, loads_project
from nnbuilder.layers import get_spec

# NNB_EXAMPLES=1000 for a longer bug hunt; the default keeps the suite fast.
SETTINGS = settings(max_examples=int(os.environ.get("NNB_EXAMPLES", "80")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

small = st.integers(1, 6)
dim = st.one_of(st.integers(1, 2), st.integers(-3, 3))


def _ks(n: int):
    return st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=n, max_size=n))


# Sensible parameter values per layer type (a random subset of them is set on each node).
POOL: dict[str, dict[str, st.SearchStrategy]] = {
    "Linear": {"out_features": small, "bias": st.booleans(), "in_features": st.one_of(st.none(), small)},
    "ReLU": {},
    "Tanh": {},
    "Sigmoid": {},
    "Identity": {},
    "GELU": {"approximate": st.sampled_from(["none", "tanh"])},
    "Dropout": {"p": st.floats(0.0, 1.0)},
    "LayerNorm": {"eps": st.floats(1e-6, 1e-3)},
    "BatchNorm1d": {"momentum": st.one_of(st.none(), st.floats(0.0, 1.0)), "affine": st.booleans()},
    "Flatten": {"start_dim": dim, "end_dim": dim},
    "Add": {"inputs": st.integers(2, 3)},
    "Multiply": {"inputs": st.integers(2, 3)},
    "Concat": {"inputs": st.integers(2, 3), "dim": dim},
    "Conv1d": {"out_channels": small, "kernel_size": _ks(1), "stride": st.integers(1, 2),
               "padding": st.one_of(st.integers(0, 1), st.just("same"))},
    "Conv2d": {"out_channels": small, "kernel_size": _ks(2), "padding": st.one_of(st.integers(0, 1), st.just("valid"))},
    "MaxPool2d": {"kernel_size": st.integers(1, 2), "stride": st.one_of(st.none(), st.integers(1, 2))},
    "AvgPool1d": {"kernel_size": st.integers(1, 2)},
    "AdaptiveAvgPool2d": {"output_size": _ks(2)},
    "Reshape": {"shape": st.lists(small, min_size=1, max_size=3)},
    "Unflatten": {"dim": st.integers(1, 2), "unflattened_size": st.lists(small, min_size=1, max_size=2)},
    "Transpose": {"dim0": st.integers(1, 2), "dim1": st.integers(1, 2)},
    "Slice": {"dim": st.integers(1, 2), "start": st.integers(0, 2), "length": st.integers(1, 3)},
    "LSTM": {"hidden_size": small, "num_layers": st.integers(1, 2), "bidirectional": st.booleans(),
             "output": st.sampled_from(["sequence", "last", "hidden"])},
    "GRU": {"hidden_size": small, "output": st.sampled_from(["sequence", "last", "hidden"])},
    "Embedding": {"num_embeddings": st.integers(1, 10), "embedding_dim": small,
                  "padding_idx": st.one_of(st.none(), st.integers(0, 3))},
    "Softmax": {"dim": dim},
    "MultiheadAttention": {"num_heads": st.integers(1, 2)},
}
TYPES = sorted(POOL)
# Shape-agnostic layers twice as often, so that a good share of random graphs is valid.
COMMON = ["Linear", "ReLU", "Tanh", "Sigmoid", "Identity", "Dropout", "LayerNorm", "Add", "Softmax"]
BAD_VALUES = st.sampled_from([-1, 0, "3", "same", 1.5, None, True, [1, 2, 3], [], 10**20, float("nan"),
                              float("inf"), {"x": 1}, "__import__('os')"])


@st.composite
def params_for(draw, type_name: str, hostile: bool) -> dict:
    spec = POOL[type_name]
    names = draw(st.lists(st.sampled_from(sorted(spec)), unique=True)) if spec else []
    params = {name: draw(spec[name]) for name in names}
    if hostile and draw(st.integers(0, 5)) == 0:
        known = [p.name for p in get_spec(type_name).params]
        name = draw(st.sampled_from(known + ["bogus", "__class__"]))
        params[name] = draw(BAD_VALUES)
    return params


node_ids = st.one_of(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
                     st.text(min_size=1, max_size=12).filter(lambda s: s.strip()))


@st.composite
def documents(draw, hostile: bool = True) -> GraphDocument:
    """A random document: Inputs, then layers, then Outputs, mostly wired front to back."""
    hostile = hostile and draw(st.booleans())  # half the graphs are well-formed, the other half are attacked
    n_inputs = draw(st.integers(1, 2)) if hostile else 1
    layers = draw(st.lists(st.sampled_from(TYPES + COMMON), max_size=5))
    n_outputs = draw(st.sampled_from([1, 1, 1, 1, 2, 0] if hostile else [1, 1, 2]))
    ids = draw(st.lists(node_ids, min_size=n_inputs + len(layers) + n_outputs,
                        max_size=n_inputs + len(layers) + n_outputs, unique=True))
    nodes: list[Node] = []
    for i in range(n_inputs):
        shape = draw(st.lists(small, min_size=1, max_size=3))
        params = {"shape": shape, "dtype": draw(st.sampled_from(["float32"] * 6 + ["int64", "float64"]))}
        if hostile and draw(st.integers(0, 9)) == 0:
            params[draw(st.sampled_from(["shape", "dtype"]))] = draw(BAD_VALUES)
        nodes.append(Node(ids[i], "Input", params))
    for j, type_name in enumerate(layers):
        nodes.append(Node(ids[n_inputs + j], type_name, draw(params_for(type_name, hostile))))
    for k in range(n_outputs):
        nodes.append(Node(ids[n_inputs + len(layers) + k], "Output", {}))
    doc = GraphDocument(nodes)

    def connect(edge: Edge) -> None:
        if doc.find_edge(edge.key) is None:
            doc.insert_edge(edge)

    # Front-to-back wiring: every port of every non-Input node from an earlier node (mostly the previous).
    for index, node in enumerate(nodes):
        if node.type == "Input":
            continue
        spec = get_spec(node.type)
        clean, _ = spec.normalize(node.params)
        sources = [n for n in nodes[:index] if n.type != "Output"]
        if not sources:
            continue
        for port in range(len(spec.input_ports(clean))):
            chained = port == 0 and not hostile  # well-formed graphs: a chain, extra ports from anywhere earlier
            src = sources[-1] if chained or draw(st.integers(0, 3)) else draw(st.sampled_from(sources))
            connect(Edge(src.id, node.id, 0, port))
    # Hostile extras: back edges (cycles), doubled ports, port numbers out of range.
    if hostile:
        for _ in range(draw(st.integers(0, 2))):
            a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
            connect(Edge(a.id, b.id, draw(st.sampled_from([0, 0, 0, 1])), draw(st.sampled_from([0, 0, 1, 5]))))
    return doc


def _input_tensors(doc: GraphDocument, compiled) -> list[torch.Tensor]:
    analysis = compiled.analysis
    embeddings = [analysis.nodes[n.id].params["num_embeddings"] for n in doc.nodes
                  if n.type == "Embedding" and n.id in analysis.nodes]
    high = min(embeddings, default=1)
    tensors = []
    for node in doc.nodes:  # forward arguments follow Input-node document order
        if node.type != "Input":
            continue
        info = analysis.nodes[node.id]
        shape = (3, *info.output_shape)
        if info.dtype == "int64":
            tensors.append(torch.randint(0, high, shape, dtype=torch.long))
        else:
            tensors.append(torch.randn(shape, dtype=torch.float64 if info.dtype == "float64" else torch.float32))
    assert [compiled.code.attr_of[n.id] for n in doc.nodes if n.type == "Input"] == compiled.code.input_names
    return tensors


COUNTS = {"valid": 0, "invalid": 0}


@SETTINGS
@given(documents())
def _check_pipeline(doc: GraphDocument) -> None:
    note(f"nodes={[(n.id, n.type, n.params) for n in doc.nodes]} edges={[e.key for e in doc.edges]}")
    analysis = analyze(doc)  # must never raise
    if not analysis.valid:
        COUNTS["invalid"] += 1
        assert analysis.errors
        for issue in analysis.errors:
            assert isinstance(issue.message, str) and issue.message.strip(), issue
            assert issue.text().strip()
        with pytest.raises(GraphValidationError) as info:
            compile_graph(doc, "random model")
        assert info.value.issues and str(info.value).strip()
        return
    COUNTS["valid"] += 1
    compiled = compile_graph(doc, "random model", analysis)
    model = compiled.build()
    inputs = _input_tensors(doc, compiled)
    outputs = [n.id for n in doc.nodes if n.type == "Output"]
    for mode in ("train", "eval"):
        model.train(mode == "train")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            result = model(*inputs)
        results = [result] if len(outputs) == 1 else list(result)
        assert len(results) == len(outputs)
        for node_id, tensor in zip(outputs, results):
            assert isinstance(tensor, torch.Tensor)
            assert tuple(tensor.shape) == (3, *analysis.nodes[node_id].output_shape), (mode, node_id)


def test_random_graphs_analyze_compile_and_run():
    COUNTS.update(valid=0, invalid=0)
    _check_pipeline()
    # The generator must exercise both branches, or the property says little.
    print(COUNTS)
    assert COUNTS["valid"] >= 5, COUNTS
    assert COUNTS["invalid"] >= 5, COUNTS


# ----------------------------------------------------------------------------- JSON round trip
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8)


def _extras(reserved: set[str]):
    return st.dictionaries(st.text(max_size=8).filter(lambda k: k not in reserved), json_values, max_size=3)


@st.composite
def projects(draw) -> Project:
    doc = draw(documents(hostile=False))
    for node in doc.nodes:
        node.extra = draw(_extras({"id", "type", "params", "pos"}))
        if draw(st.booleans()):
            node.pos = (draw(st.floats(-1e6, 1e6)), draw(st.floats(-1e6, 1e6)))
    for edge in doc.edges:
        edge.extra = draw(_extras({"source", "target", "source_port", "target_port"}))
    doc.extra = draw(_extras({"nodes", "edges"}))
    data = draw(st.one_of(st.none(), st.dictionaries(st.text(max_size=6), json_values, max_size=3)))
    training = draw(st.one_of(st.none(), st.dictionaries(st.text(max_size=6), json_values, max_size=3)))
    extra = draw(_extras({"format", "version", "name", "graph", "data", "training"}))
    return Project(draw(st.text(max_size=30)), doc, data, training, extra)


@SETTINGS
@given(projects())
def test_project_json_round_trip(project: Project):
    # Only documents whose parameters load are saved by the app; skip the few the generator breaks.
    assume(all(not get_spec(n.type).normalize(n.params)[1] for n in project.graph.nodes))
    text = dumps_project(project)
    loaded = loads_project(text)
    again = dumps_project(loaded)
    assert again == text
    data = json.loads(text)
    for key, value in project.extra.items():
        assert data[key] == value
    for raw, node in zip(data["graph"]["nodes"], project.graph.nodes):
        assert raw["id"] == node.id
        for key, value in node.extra.items():
            assert raw[key] == value
        if node.pos is not None:
            assert all(math.isfinite(v) for v in raw["pos"])
    assert [e.key for e in loaded.graph.edges] == [e.key for e in project.graph.edges]
    assert [e.extra for e in loaded.graph.edges] == [e.extra for e in project.graph.edges]
    assert loaded.graph.extra == project.graph.extra
    assert loaded.name == project.name
