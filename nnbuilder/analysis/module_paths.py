"""Nested module paths: a node may say where its module lives (``"module": "layer1.0.conv1"``).

An imported model keeps its source's module tree this way, so the generated module's
``state_dict`` keys are the source's own and ``load_state_dict(original.state_dict(), strict=True)``
works without a rename map.  Code generation creates the intermediate containers as
``nn.ModuleDict``s (``self.layer1["0"].conv1``); nodes without a path stay flat attributes.

Several nodes may name one path when they are the same layer (type and parameters equal): a layer
called twice in forward, whose weights are shared.  The first node in topological order creates it;
the others call it, and count no parameters of their own.
"""
from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from torch import nn

from nnbuilder.analysis.issues import Issue, IssueCode
from nnbuilder.graph.document import GraphDocument, Node

MODULE_KEY = "module"  # the node-level JSON key holding the dotted path
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # torchvision's RegNet names blocks 'block1-0'; written as ['block1-0']
_MAX_DEPTH = 32
_TOP_TAKEN = set(dir(nn.Module)) | {"self", "torch", "nn", "torchvision"}
_CHILD_TAKEN = set(dir(nn.ModuleDict))


class ModulePathError(ValueError):
    """A node's module path that is not a dotted name, or that collides with another node's."""


def check_path(value: object) -> tuple[str, ...]:
    """The segments of a dotted module path such as ``"layer1.0.conv1"``."""
    if not isinstance(value, str):
        raise ModulePathError(f"expected a dotted module path such as 'layer1.0.conv1', got {value!r}"[:200])
    parts = tuple(value.split("."))
    if len(parts) > _MAX_DEPTH or not all(_SEGMENT.match(p) for p in parts):
        raise ModulePathError(f"{value[:120]!r} is not a dotted module path (letters, digits, '_' and '-' between dots, "
                              f"at most {_MAX_DEPTH} levels)")
    return parts


def _attribute_ok(name: str, taken: set[str]) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name not in taken


def access(parts: tuple[str, ...]) -> str:
    """The expression after ``self.``: ``layer1["0"].conv1`` for ``("layer1", "0", "conv1")``."""
    head = parts[0] if _attribute_ok(parts[0], _TOP_TAKEN) else f"_modules[{parts[0]!r}]"
    return head + "".join(f".{p}" if _attribute_ok(p, _CHILD_TAKEN) else f"[{p!r}]" for p in parts[1:])


@dataclass
class NestedLayout:
    """How nodes with a module path are reached and which containers ``__init__`` creates first."""

    access: dict[str, str] = field(default_factory=dict)  # node id -> expression after "self."
    dotted: dict[str, str] = field(default_factory=dict)  # node id -> "layer1.0.conv1"
    containers: list[str] = field(default_factory=list)  # __init__ lines, outermost first
    top: set[str] = field(default_factory=set)  # top-level attribute names the paths take
    shares: dict[str, str] = field(default_factory=dict)  # a later call of a shared layer -> its first node


def path_of(node: Node) -> tuple[str, ...] | None:
    value = node.extra.get(MODULE_KEY)
    return None if value is None else check_path(value)


def nested_layout(doc: GraphDocument, order: Iterable[str]) -> NestedLayout:
    """The layout of every node with a valid module path (see :func:`path_issues` for the invalid)."""
    layout = NestedLayout()
    made: set[tuple[str, ...]] = set()
    first: dict[tuple[str, ...], str] = {}
    for node_id in order:
        node = doc.node(node_id)
        try:
            parts = path_of(node)
        except ModulePathError:
            continue
        if parts is None:
            continue
        layout.top.add(parts[0])
        for depth in range(1, len(parts)):
            prefix = parts[:depth]
            if prefix not in made:
                made.add(prefix)
                layout.containers.append(f"self.{access(prefix)} = nn.ModuleDict()")
        layout.access[node_id] = access(parts)
        layout.dotted[node_id] = ".".join(parts)
        if parts in first:
            layout.shares[node_id] = first[parts]
        else:
            first[parts] = node_id
    return layout


def _same_layer(a: Node, b: Node) -> bool:
    return a.type == b.type and a.params == b.params


def path_issues(doc: GraphDocument) -> list[Issue]:
    """Invalid paths, two different layers at one path, and a path inside another node's layer."""
    issues: list[Issue] = []
    owner: dict[tuple[str, ...], str] = {}
    nodes = {node.id: node for node in doc.nodes}
    for node in doc.nodes:
        try:
            parts = path_of(node)
        except ModulePathError as exc:
            issues.append(Issue(IssueCode.MODULE_PATH, str(exc), node.id, hint="fix or remove the node's 'module' key"))
            continue
        if parts is None:
            continue
        if parts[0] not in _TOP_TAKEN and not parts[0].isidentifier() and len(parts) == 1 \
                and node.type in ("Parameter", "Buffer"):
            issues.append(Issue(IssueCode.MODULE_PATH, f"a tensor at the top level needs an identifier name, got "
                                               f"{parts[0]!r}", node.id, hint="rename the 'module' key"))
        if parts in owner:
            if not _same_layer(nodes[owner[parts]], node):
                issues.append(Issue(IssueCode.MODULE_PATH, f"module path {'.'.join(parts)!r} is also used by node "
                                                   f"{owner[parts]!r}, a different layer ({nodes[owner[parts]].type} "
                                                   "with other settings); nodes at one path share one layer",
                                    node.id, hint="give each node its own path, or the same type and settings "
                                                  "to share the layer's weights"))
            continue
        owner[parts] = node.id
    for parts, node_id in owner.items():
        for depth in range(1, len(parts)):
            if parts[:depth] in owner:
                issues.append(Issue(IssueCode.MODULE_PATH, f"module path {'.'.join(parts)!r} lies inside node "
                                                   f"{owner[parts[:depth]]!r}'s layer", node_id,
                                    hint="a layer cannot contain other nodes; change one of the paths"))
                break
    return issues
