"""Every edit command is undoable and restores the document exactly; events are emitted."""
from __future__ import annotations

import pytest

from nnbuilder.graph.commands import (
    AddNode,
    Connect,
    Disconnect,
    History,
    Macro,
    MoveNodes,
    RemoveNodes,
    RenameNode,
    SetParam,
    new_node,
)
from nnbuilder.graph.document import Edge, GraphDocument, GraphError, Node
from nnbuilder.graph.project import graph_to_json


def make_doc() -> GraphDocument:
    return GraphDocument(
        [Node("x", "Input", {"shape": [2]}, (0, 0)), Node("a", "Linear", {"out_features": 4}, (100, 0)),
         Node("b", "ReLU", {}, (200, 0)), Node("y", "Output", {}, (300, 0))],
        [Edge("x", "a"), Edge("a", "b"), Edge("b", "y")])


COMMANDS = [
    lambda d: AddNode(new_node(d, "Tanh", (5, 5))),
    lambda d: RemoveNodes(["a"]),
    lambda d: RemoveNodes(["b", "x"]),
    lambda d: MoveNodes({"a": (10.0, 20.0)}),
    lambda d: Connect(Edge("x", "b")),  # replaces a -> b
    lambda d: Disconnect(("a", 0, "b", 0)),
    lambda d: SetParam("a", "out_features", 7),
    lambda d: SetParam("a", "bias", False),
    lambda d: SetParam("a", "out_features", None, remove=True),
    lambda d: RenameNode("a", "hidden"),
    lambda d: Macro("two", [SetParam("a", "out_features", 9), RenameNode("b", "act")]),
]


@pytest.mark.parametrize("make", COMMANDS)
def test_undo_redo_restore_exactly(make) -> None:
    doc = make_doc()
    history = History(doc)
    before = graph_to_json(doc)
    history.push(make(doc))
    after = graph_to_json(doc)
    assert after != before
    history.undo()
    assert graph_to_json(doc) == before
    history.redo()
    assert graph_to_json(doc) == after


def test_events_are_emitted() -> None:
    doc = make_doc()
    seen = []
    doc.subscribe(lambda e: seen.append(e.kind))
    History(doc).push(RemoveNodes(["a"]))
    assert seen == ["edge_removed", "edge_removed", "node_removed"]


def test_moves_of_same_nodes_merge_into_one_step() -> None:
    doc = make_doc()
    history = History(doc)
    for x in range(5):
        history.push(MoveNodes({"a": (float(x), 0.0)}))
    assert doc.node("a").pos == (4.0, 0.0)
    history.undo()
    assert doc.node("a").pos == (100, 0)
    assert not history.can_undo


def test_invalid_edits_raise_and_leave_document_unchanged() -> None:
    doc = make_doc()
    before = graph_to_json(doc)
    with pytest.raises(GraphError):
        History(doc).push(RenameNode("a", "b"))
    with pytest.raises(GraphError):
        History(doc).push(Macro("bad", [SetParam("a", "out_features", 3), Connect(Edge("a", "nope"))]))
    assert graph_to_json(doc) == before


def test_new_node_gets_free_id_and_defaults() -> None:
    doc = make_doc()
    node = new_node(doc, "Linear")
    assert node.id == "fc1" and node.params["out_features"] == 10 and "in_features" not in node.params
    doc.insert_node(node)
    assert new_node(doc, "Linear").id == "fc2"
