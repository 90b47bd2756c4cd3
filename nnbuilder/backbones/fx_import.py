"""Import an existing ``nn.Module`` (torchvision, or a class in the user's own .py file) as an
editable :class:`GraphDocument`, via ``torch.fx.symbolic_trace``.

Leaf layers nnbuilder knows become ordinary nodes, residual ``+`` becomes ``Add``, ``torch.cat``
``Concat`` and so on; the rest becomes ``OpaqueModule`` / ``OpaqueOp`` nodes that compile back to
the same torch call (see :mod:`nnbuilder.backbones.fx_convert`).  Nothing is dropped silently:
operations whose result never reaches an output (shape assertions) are listed in
``ImportResult.dropped``.  ``key_map`` says where each original state-dict tensor now lives.
"""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import fx, nn

from nnbuilder.analysis.module_paths import MODULE_KEY
from nnbuilder.backbones.fx_convert import Converted, UnsupportedModel, convert_function, convert_module
from nnbuilder.graph.document import Edge, GraphDocument, Node

ImportError_ = UnsupportedModel  # public alias: "the model cannot be imported"

_X_STEP, _Y_STEP = 220.0, 110.0


@dataclass
class ImportResult:
    """The imported graph and how to move the original weights into it."""

    doc: GraphDocument
    key_map: dict[str, tuple[str, str]]  # original state-dict key -> (node id, key inside that node)
    opaque: list[str] = field(default_factory=list)  # ids of OpaqueModule / OpaqueOp nodes
    dropped: list[str] = field(default_factory=list)  # operations whose result was never used


def import_torchvision(name: str, input_shape: Sequence[int] = (3, 224, 224)) -> ImportResult:
    """Import the catalogued torchvision model ``name`` (random init; use ``key_map`` for weights)."""
    from nnbuilder.backbones.catalog import build_model

    return import_module(build_model(name, "logits", device="meta"), [input_shape])


def import_module_file(path: str | Path, class_name: str, input_shapes: Sequence[Sequence[int]],
                       kwargs: Mapping[str, Any] | None = None) -> ImportResult:
    """Import ``class_name`` from the user's own Python file (executed as their code) and trace it."""
    file = Path(path).expanduser()
    if file.suffix != ".py" or not file.is_file():
        raise UnsupportedModel(f"{file} is not an existing .py file")
    if not class_name.isidentifier():
        raise UnsupportedModel(f"{class_name!r} is not a class name")
    module_name = f"nnbuilder_user_{abs(hash(str(file.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise UnsupportedModel(f"cannot load {file} as a Python module")
    user = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = user
    try:
        spec.loader.exec_module(user)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise UnsupportedModel(f"running {file} failed: {type(exc).__name__}: {exc}") from exc
    cls = getattr(user, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        found = [n for n, v in vars(user).items() if isinstance(v, type) and issubclass(v, nn.Module)
                 and v.__module__ == module_name]
        raise UnsupportedModel(f"{file} has no nn.Module subclass {class_name!r}; it defines {found or 'none'}")
    try:
        model = cls(**dict(kwargs or {}))
    except Exception as exc:
        raise UnsupportedModel(f"{class_name}(**{dict(kwargs or {})}) failed: {type(exc).__name__}: {exc}") from exc
    return import_module(model, input_shapes)


def trace(model: nn.Module) -> fx.GraphModule:
    """``symbolic_trace`` with a message that names the problem when the model is not traceable."""
    try:
        return fx.symbolic_trace(model)
    except Exception as exc:
        raise UnsupportedModel(f"{type(model).__name__} cannot be traced by torch.fx ({type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else ''}); data-dependent Python control "
                               "flow must be rewritten with tensor operations") from exc


def import_module(model: nn.Module, input_shapes: Sequence[Sequence[int]]) -> ImportResult:
    """Trace ``model`` into a :class:`GraphDocument`; ``input_shapes`` are per-sample shapes."""
    gm = trace(model)
    graph_nodes = list(gm.graph.nodes)
    placeholders = [n for n in graph_nodes if n.op == "placeholder"]
    if len(input_shapes) != len(placeholders):
        raise UnsupportedModel(f"{type(model).__name__}.forward takes {len(placeholders)} input(s) "
                               f"({', '.join(n.name for n in placeholders)}) but {len(input_shapes)} shape(s) "
                               "were given")
    used = _live(graph_nodes)
    doc = GraphDocument()
    ids: dict[fx.Node, str] = {}
    result = ImportResult(doc, {})
    calls = _count_calls(graph_nodes)
    for fx_node in graph_nodes:
        if fx_node.op == "placeholder":
            shape = [int(d) for d in input_shapes[placeholders.index(fx_node)]]
            ids[fx_node] = _add(doc, fx_node.name, Converted("Input", {"shape": shape}), ids)
        elif fx_node.op == "output":
            outs = fx_node.args[0] if isinstance(fx_node.args[0], (tuple, list)) else [fx_node.args[0]]
            if not all(isinstance(o, fx.Node) for o in outs):
                raise UnsupportedModel("the model output must be a tensor or a tuple of tensors")
            for out in outs:
                _add(doc, "output", Converted("Output", {}, [out]), ids)
        elif fx_node not in used:
            result.dropped.append(fx_node.format_node())
        elif fx_node.op == "get_attr":
            raise UnsupportedModel(f"forward uses the tensor attribute {fx_node.target!r} directly; only "
                                   "layers (sub-modules) and tensor operations can be imported")
        elif _alias_of_rnn(fx_node, ids, doc):
            ids[fx_node] = ids[fx_node.args[0]]
        elif fx_node.op == "call_module":
            module = gm.get_submodule(str(fx_node.target))
            if calls[fx_node.target] > 1 and any(True for _ in module.parameters()):
                raise UnsupportedModel(f"module {fx_node.target!r} is called {calls[fx_node.target]} times; "
                                       "shared weights cannot be represented as separate graph nodes")
            path = str(fx_node.target) if module.state_dict() else None  # stateless layers may be reused
            node_id = _add(doc, fx_node.name, convert_module(fx_node, module), ids, module=path)
            ids[fx_node] = node_id
            for key in module.state_dict():
                result.key_map[f"{fx_node.target}.{key}"] = (node_id, key)
        else:
            ids[fx_node] = _add(doc, fx_node.name, convert_function(fx_node), ids)
    result.opaque = [n.id for n in doc.nodes if n.type in ("OpaqueModule", "OpaqueOp")]
    _layout(doc)
    return result


def _add(doc: GraphDocument, name: str, conv: Converted, ids: dict[fx.Node, str], module: str | None = None) -> str:
    node_id = doc.unique_id(name)
    doc.insert_node(Node(node_id, conv.type, dict(conv.params), extra={MODULE_KEY: module} if module else {}))
    for port, value in enumerate(conv.inputs):
        doc.insert_edge(Edge(ids[value], node_id, 0, port))
    return node_id


def _alias_of_rnn(fx_node: fx.Node, ids: dict[fx.Node, str], doc: GraphDocument) -> bool:
    """``out[0]`` of an RNN imported with ``output="sequence"`` is the RNN node itself."""
    import operator

    src = fx_node.args[0] if fx_node.args else None
    return (fx_node.target is operator.getitem and isinstance(src, fx.Node) and src in ids
            and doc.node(ids[src]).params.get("output") == "sequence" and fx_node.args[1] == 0)


def _live(nodes: list[fx.Node]) -> set[fx.Node]:
    """Nodes whose value reaches the output."""
    live: set[fx.Node] = set()
    stack = [n for n in nodes if n.op == "output"]
    while stack:
        node = stack.pop()
        if node not in live:
            live.add(node)
            stack.extend(node.all_input_nodes)
    return live


def _count_calls(nodes: list[fx.Node]) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for n in nodes:
        if n.op == "call_module":
            counts[n.target] = counts.get(n.target, 0) + 1
    return counts


def _layout(doc: GraphDocument) -> None:
    """Columns by longest path from the inputs, rows in order within a column."""
    depth: dict[str, int] = {}
    rows: dict[int, int] = {}
    for node in doc.nodes:  # insertion order is topological
        depth[node.id] = max((depth[e.source] + 1 for e in doc.in_edges(node.id)), default=0)
        row = rows.get(depth[node.id], 0)
        rows[depth[node.id]] = row + 1
        node.pos = (depth[node.id] * _X_STEP, row * _Y_STEP)


def remap_state_dict(state: Mapping[str, torch.Tensor], key_map: Mapping[str, tuple[str, str]],
                     attrs: Mapping[str, str] | None = None) -> dict[str, torch.Tensor]:
    """Rename original state-dict keys for the compiled graph module.

    ``attrs`` maps node ids to the compiled module's attribute names (default: the node id).
    Keys missing from ``key_map`` raise ``KeyError`` naming them.
    """
    missing = [k for k in state if k not in key_map]
    if missing:
        raise KeyError(f"no node holds {', '.join(missing[:8])}")
    attrs = attrs or {}
    out = {}
    for key, tensor in state.items():
        node_id, local = key_map[key]
        out[f"{attrs.get(node_id, node_id)}.{local}"] = tensor
    return out
