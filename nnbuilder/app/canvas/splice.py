"""Splicing a layer into a connection and adding one after a port: the commands behind drop-on-edge,
port-drag quick-add, Tab-add after the selection and the problems' "Insert …" fixes (each one undo step)."""
from __future__ import annotations

from typing import Any

from nnbuilder.graph.commands import AddNode, Command, Connect, Disconnect, Macro, new_node
from nnbuilder.graph.document import Edge, GraphDocument

EdgeKey = tuple[str, int, str, int]


def splice_command(doc: GraphDocument, key: EdgeKey, type_name: str, pos: tuple[float, float] | None,
                   params: dict[str, Any] | None = None) -> tuple[Command, str]:
    """Insert a new ``type_name`` node into the edge ``key`` (source → new → target); (command, new id)."""
    source, source_port, target, target_port = key
    node = new_node(doc, type_name, pos, params)
    return Macro(f"insert {type_name} between '{source}' and '{target}'", [
        AddNode(node), Disconnect(key), Connect(Edge(source, node.id, source_port, 0)),
        Connect(Edge(node.id, target, 0, target_port))]), node.id


def add_connected_command(doc: GraphDocument, type_name: str, pos: tuple[float, float] | None,
                          port: tuple[str, int, bool]) -> tuple[Command, str]:
    """Add a ``type_name`` node wired to ``port`` = (node id, index, is_output); (command, new id).

    From an output the new node takes it as its first input; into an input the new node's first output
    feeds it (replacing what fed that input)."""
    node_id, index, is_output = port
    node = new_node(doc, type_name, pos)
    edge = Edge(node_id, node.id, index, 0) if is_output else Edge(node.id, node_id, 0, index)
    return Macro(f"add {type_name} connected to '{node_id}'", [AddNode(node), Connect(edge)]), node.id


def input_edge(doc: GraphDocument, node_id: str, port: int = 0) -> Edge | None:
    """The edge feeding ``node_id``'s input ``port``, if any."""
    return next((e for e in doc.in_edges(node_id) if e.target_port == port), None)


def between(doc: GraphDocument, key: EdgeKey) -> tuple[float, float] | None:
    """A position halfway along the edge ``key`` (None when an end has no position)."""
    a, b = doc.node(key[0]).pos, doc.node(key[2]).pos
    if a is None or b is None:
        return None
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 60.0


def splice_node_command(doc: GraphDocument, key: EdgeKey, node_id: str,
                        moves: dict[str, tuple[float, float]]) -> Command:
    """Move the existing, unconnected ``node_id`` (with ``moves``) and insert it into the edge ``key``."""
    from nnbuilder.graph.commands import MoveNodes

    source, source_port, target, target_port = key
    return Macro(f"insert '{node_id}' between '{source}' and '{target}'", [
        *([MoveNodes(moves)] if moves else []), Disconnect(key), Connect(Edge(source, node_id, source_port, 0)),
        Connect(Edge(node_id, target, 0, target_port))])
