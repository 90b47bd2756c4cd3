"""One-click fixes for problems: the Problems panel's buttons ("Insert Flatten", "Set in_features = 4056",
"Insert Reshape [1, 28, 28]", "Connect to 'out'"), each a single core command (one undo step).

Fixes are read from an issue's code and hint, which the core words for people; a hint this module does
not recognise simply has no button.
"""
from __future__ import annotations

import ast
import re
from typing import Any

from nnbuilder.app.canvas.splice import input_edge, splice_command
from nnbuilder.graph.commands import Command, Connect, Macro, SetParam
from nnbuilder.graph.document import Edge, GraphDocument

Fix = tuple[str, Command]
_SET_IN = re.compile(r"set in_features to (\d+)")
_RESHAPE = re.compile(r"insert Reshape \(shape (\[[\d, ]+\])\)")
_GROW = re.compile(r"make the layer before it give (\d+) features, then insert Reshape \(shape (\[[\d, ]+\])\)")


def fixes_for(issue: Any, doc: GraphDocument) -> list[Fix]:
    """The fixes that apply to ``issue`` in ``doc`` (possibly none)."""
    node_id = issue.node
    if not node_id or not doc.has_node(node_id):
        return []
    hint, out = issue.hint or "", []
    feed = input_edge(doc, node_id)
    grow = _GROW.search(hint)
    if grow and feed is not None and doc.node(feed.source).type == "Linear":
        shape = ast.literal_eval(grow.group(2))
        splice, _ = splice_command(doc, feed.key, "Reshape", _near(doc, node_id), {"shape": shape})
        out.append((f"Make '{feed.source}' give {grow.group(1)} and reshape to {shape}",
                    Macro("fix: grow and reshape", [SetParam(feed.source, "out_features", int(grow.group(1))),
                                                     splice])))
    elif (reshape := _RESHAPE.search(hint)) and feed is not None:
        shape = ast.literal_eval(reshape.group(1))
        splice, _ = splice_command(doc, feed.key, "Reshape", _near(doc, node_id), {"shape": shape})
        out.append((f"Insert Reshape {shape}", splice))
    if "insert Flatten before it" in hint and feed is not None:
        splice, _ = splice_command(doc, feed.key, "Flatten", _near(doc, node_id))
        commands = [splice]
        if doc.node(node_id).params.get("in_features") is not None:
            commands.append(SetParam(node_id, "in_features", None))  # auto: whatever Flatten gives
        out.append(("Insert Flatten", Macro("fix: insert Flatten", commands)))
    if (set_in := _SET_IN.search(hint)) and "Flatten" not in hint:
        value = int(set_in.group(1))
        out.append((f"Set in_features = {value}", SetParam(node_id, "in_features", value)))
    if issue.code == "dangling" and "does not lead to any Output" in issue.message:
        free = [n.id for n in doc.nodes if n.type == "Output" and not doc.in_edges(n.id)]
        if len(free) == 1:
            out.append((f"Connect to '{free[0]}'", Connect(Edge(node_id, free[0]))))
    return out


def _near(doc: GraphDocument, node_id: str) -> tuple[float, float] | None:
    """Where an inserted layer goes: just left of and below the node it fixes."""
    pos = doc.node(node_id).pos
    return None if pos is None else (pos[0] - 120.0, pos[1] + 110.0)
