"""Shape inference costs what the graph's size costs, not what the file's numbers ask for."""
from __future__ import annotations

import itertools
import resource
import time

import pytest

import nnbuilder.layers.backbone  # noqa: F401 - registers OpaqueOp, as a model import does
from nnbuilder.analysis import analyze
from nnbuilder.graph.document import Edge, GraphDocument, Node


def chain(*nodes: Node) -> GraphDocument:
    ids = [n.id for n in nodes]
    return GraphDocument(list(nodes), [Edge(a, b) for a, b in itertools.pairwise(ids)])


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    """The first meta inference of a process imports torch internals (seconds on a busy machine): not timed here."""
    analyze(chain(Node("x", "Input", {"shape": [5, 3]}), Node("rnn", "LSTM", {"hidden_size": 8}), Node("out", "Output")))


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("output", ["sequence", "last"])
def test_a_recurrent_layer_on_a_long_sequence_is_inferred_from_a_short_probe(layer: str, output: str) -> None:
    doc = chain(Node("x", "Input", {"shape": [100_000, 3]}),
                Node("rnn", layer, {"hidden_size": 8, "output": output, "bidirectional": True}),
                Node("out", "Output"))
    started = time.perf_counter()
    analysis = analyze(doc)
    assert time.perf_counter() - started < 10
    assert analysis.valid, [i.text() for i in analysis.issues]
    assert analysis.nodes["rnn"].output_shape == ((100_000, 16) if output == "sequence" else (16,))
    short = analyze(chain(Node("x", "Input", {"shape": [5, 3]}),
                          Node("rnn", layer, {"hidden_size": 8, "output": output, "bidirectional": True}),
                          Node("out", "Output")))
    assert analysis.nodes["rnn"].param_count == short.nodes["rnn"].param_count


def test_an_opaque_op_creating_a_huge_tensor_stays_on_meta() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    op = Node("op", "OpaqueOp", {"kind": "function", "target": "torch.ones", "inputs": 1, "args": [[2, 30000, 30000]]})
    started = time.perf_counter()
    analysis = analyze(chain(Node("in", "Input", {"shape": [2]}), op, Node("out", "Output")))
    assert time.perf_counter() - started < 10
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 1_000_000, grown_kib  # 7.2 GB if evaluated on the CPU
    assert analysis.nodes["op"].output_shape == (30000, 30000)


@pytest.mark.parametrize(("nodes", "culprit", "words"), [
    ([Node("x", "Input", {"shape": [2**16, 2**16]})], "x", "GiB in float32 for one sample"),
    ([Node("x", "Input", {"shape": [100_000]}), Node("fc", "Linear", {"out_features": 1_000_000})], "fc",
     "parameters"),
    ([Node("x", "Input", {"shape": [4]}), Node("up", "Linear", {"out_features": 1_000_000}),
      Node("op", "OpaqueOp", {"kind": "method", "target": "repeat", "inputs": 1,
                              "args": [{"input": 0}, 1, 4096]})], "op", "per sample"),
])
def test_a_node_past_the_budget_is_refused_by_name(nodes: list[Node], culprit: str, words: str) -> None:
    started = time.perf_counter()
    analysis = analyze(chain(*nodes, Node("out", "Output")))
    assert time.perf_counter() - started < 10
    errors = [i for i in analysis.errors if i.node == culprit]
    assert errors and words in errors[0].message and not analysis.valid, [i.text() for i in analysis.issues]
