"""One error type per kind of problem; event kinds and issue codes are enums that equal their strings."""
from __future__ import annotations

import pytest

from nnbuilder.analysis import Issue, IssueCode, analyze
from nnbuilder.backbones.expand import expand_backbone
from nnbuilder.graph.document import (
    DocEvent,
    DocEventKind,
    DuplicateEdge,
    DuplicateNodeId,
    Edge,
    GraphDocument,
    GraphError,
    InvalidNodeId,
    Node,
    NodeStillConnected,
    UnknownEdge,
    UnknownNode,
    WrongNodeType,
)


def _doc() -> GraphDocument:
    return GraphDocument([Node("a", "Input", {"shape": [2]}), Node("b", "Output")], [Edge("a", "b")])


@pytest.mark.parametrize("edit, error", [
    (lambda d: d.node("zz"), UnknownNode),
    (lambda d: d.insert_edge(Edge("a", "zz")), UnknownNode),
    (lambda d: d.insert_node(Node("a", "ReLU")), DuplicateNodeId),
    (lambda d: d.rename_node("a", "b"), DuplicateNodeId),
    (lambda d: d.insert_node(Node("", "ReLU")), InvalidNodeId),
    (lambda d: d.rename_node("a", "  "), InvalidNodeId),
    (lambda d: d.pop_node("a"), NodeStillConnected),
    (lambda d: d.insert_edge(Edge("a", "b")), DuplicateEdge),
    (lambda d: d.pop_edge(("a", 0, "b", 1)), UnknownEdge),
    (lambda d: expand_backbone(d, "a"), WrongNodeType),
])
def test_each_kind_of_bad_edit_has_its_own_error_type(edit, error):
    with pytest.raises(error) as caught:
        edit(_doc())
    assert isinstance(caught.value, GraphError) and isinstance(caught.value, ValueError)


def test_event_kinds_are_an_enum_equal_to_their_strings():
    seen: list[DocEvent] = []
    doc = _doc()
    doc.subscribe(seen.append)
    doc.insert_node(Node("c", "ReLU"))
    kind = seen[-1].kind
    assert kind is DocEventKind.NODE_ADDED and kind == "node_added" and kind in {"node_added"} and str(kind) == "node_added"


def test_issue_codes_are_an_enum_and_unknown_codes_are_refused():
    issue = Issue("cycle", "x")
    assert issue.code is IssueCode.CYCLE and issue.code == "cycle" and issue.to_json()["code"] == "cycle"
    with pytest.raises(ValueError):
        Issue("no_such_code", "x")
    codes = {i.code for i in analyze(GraphDocument([Node("r", "ReLU")])).issues}
    assert {"no_input", "no_output"} <= codes and IssueCode.NO_INPUT in codes
