"""Expand a Backbone node into the editable subgraph of its torchvision model (one undo step)."""
from __future__ import annotations

from nnbuilder.catalogue.models import get_info
from nnbuilder.graph.commands import AddNode, Command, Connect, Macro, RemoveNodes
from nnbuilder.graph.document import Edge, GraphDocument, Node, WrongNodeType
from nnbuilder.layers import is_pretrained


def expand_backbone_command(doc: GraphDocument, node_id: str) -> tuple[Command, dict[str, tuple[str, str]]]:
    """A command replacing Backbone ``node_id`` by its traced layers, and the weights key map.

    New node ids are prefixed with ``node_id``; the key map sends torchvision state-dict keys to
    ``(new node id, key inside it)``.  ``freeze`` is not carried over (nodes have no freeze flag).
    """
    from nnbuilder.backbones.fx_import import import_module
    from nnbuilder.catalogue.models import build_model

    node = doc.node(node_id)
    if not is_pretrained(node.type):
        raise WrongNodeType(f"node {node_id!r} is a {node.type}, not a pretrained Backbone")
    info = get_info(node.params.get("model", "resnet18"))
    output = node.params.get("output", "features")
    size = info.fixed_size or 224
    imported = import_module(build_model(info.name, output, device="meta"), [(3, size, size)])
    sub = imported.doc
    inputs = [n for n in sub.nodes if n.type == "Input"]
    outputs = [n for n in sub.nodes if n.type == "Output"]
    rename = {n.id: doc.unique_id(f"{node_id}_{n.id}") for n in sub.nodes}
    ox, oy = node.pos or (0.0, 0.0)
    commands: list[Command] = [RemoveNodes([node_id])]
    for n in sub.nodes:
        if n.type not in ("Input", "Output"):
            pos = (ox + n.pos[0], oy + n.pos[1]) if n.pos else None
            commands.append(AddNode(Node(rename[n.id], n.type, dict(n.params), pos, _prefixed(n.extra, node_id))))
    boundary = {inputs[0].id: doc.in_edges(node_id)}
    for e in sub.edges:
        if e.target == outputs[0].id:
            for out in doc.out_edges(node_id):
                commands.append(Connect(Edge(rename[e.source], out.target, e.source_port, out.target_port)))
        elif e.source in boundary:
            for inc in boundary[e.source]:
                commands.append(Connect(Edge(inc.source, rename[e.target], inc.source_port, e.target_port)))
        else:
            commands.append(Connect(Edge(rename[e.source], rename[e.target], e.source_port, e.target_port)))
    key_map = {key: (rename[nid], local) for key, (nid, local) in imported.key_map.items()}
    return Macro(f"expand {info.name} '{node_id}'", commands), key_map


def _prefixed(extra: dict, owner: str) -> dict:
    """The node's module path under the Backbone's own attribute, so checkpoint keys do not change."""
    from nnbuilder.analysis.module_paths import MODULE_KEY, ModulePathError, check_path

    out = dict(extra)
    if MODULE_KEY in out:
        try:
            out[MODULE_KEY] = ".".join(check_path(f"{owner}.{out[MODULE_KEY]}"))
        except ModulePathError:
            del out[MODULE_KEY]  # an id that is not a module name: the layer stays a flat attribute
    return out


def expand_backbone(doc: GraphDocument, node_id: str) -> dict[str, tuple[str, str]]:
    """Replace Backbone ``node_id`` in ``doc`` by its layers; return the weights key map."""
    command, key_map = expand_backbone_command(doc, node_id)
    command.do(doc)
    return key_map
