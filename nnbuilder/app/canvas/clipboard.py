"""Copy/paste of graph fragments: JSON nodes + internal edges, pasted with fresh ids in one Macro."""
from __future__ import annotations

import atexit
import functools
import json
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QApplication

from nnbuilder.graph.commands import AddNode, Connect, Macro
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.migrations import CURRENT_VERSION
from nnbuilder.graph.project import FORMAT, ProjectFileError, graph_to_json, project_from_json

MIME = "application/x-nnbuilder-graph"


def fragment(doc: GraphDocument, node_ids: list[str]) -> dict[str, Any]:
    """The selected nodes and the edges between them, in the project file's graph format."""
    ids = set(node_ids)
    nodes = [n.clone() for n in doc.nodes if n.id in ids]
    edges = [e.clone() for e in doc.edges if e.source in ids and e.target in ids]
    return graph_to_json(GraphDocument(nodes, edges))


def parse_fragment(data: Any) -> GraphDocument:
    """Validate ``data`` like a project file's graph; raises ProjectFileError."""
    return project_from_json({"format": FORMAT, "version": CURRENT_VERSION, "graph": data}, "<clipboard>").graph


def paste_command(doc: GraphDocument, data: Any, offset: tuple[float, float]) -> tuple[Macro, list[str]]:
    """A Macro adding the fragment's nodes (fresh ids, shifted by ``offset``) and internal edges."""
    frag = parse_fragment(data)
    rename: dict[str, str] = {}
    commands: list[Any] = []
    for node in frag.nodes:
        new_id = doc.unique_id(node.id, set(rename.values()))
        rename[node.id] = new_id
        x, y = node.pos if node.pos is not None else (0.0, 0.0)
        commands.append(AddNode(Node(new_id, node.type, node.params, (x + offset[0], y + offset[1]), node.extra)))
    for e in frag.edges:
        commands.append(Connect(Edge(rename[e.source], rename[e.target], e.source_port, e.target_port, e.extra),
                                replace=False))
    text = f"paste {len(rename)} node(s)"
    return Macro(text, commands), list(rename.values())


def write_clipboard(data: dict[str, Any]) -> None:
    mime = QMimeData()
    mime.setData(MIME, json.dumps(data).encode("utf-8"))
    QApplication.clipboard().setMimeData(mime)
    _clear_at_exit()


@functools.cache
def _clear_at_exit() -> None:
    """Drop our fragment from the clipboard before the interpreter tears Qt down.

    Qt deletes clipboard MIME data while it is being destroyed; when that happens after
    Python's finalisation has begun the process segfaults on exit (seen with the offscreen
    platform).  Clearing it while the QApplication still exists avoids that.
    """
    def clear() -> None:
        if QApplication.instance() is None:
            return
        mime = QApplication.clipboard().mimeData()
        if mime is not None and mime.hasFormat(MIME):
            QApplication.clipboard().clear()

    atexit.register(clear)


def read_clipboard() -> dict[str, Any] | None:
    """The graph fragment on the clipboard, or None when there is none (or it is not valid JSON)."""
    mime = QApplication.clipboard().mimeData()
    if mime is None or not mime.hasFormat(MIME):
        return None
    try:
        data = json.loads(bytes(mime.data(MIME)).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


__all__ = ["MIME", "ProjectFileError", "fragment", "parse_fragment", "paste_command", "read_clipboard",
           "write_clipboard"]
