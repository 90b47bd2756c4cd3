"""Import an existing ``nn.Module`` (torchvision, or a class in the user's own .py file) as an
editable :class:`GraphDocument`, via ``torch.fx.symbolic_trace``.

Leaf layers nnbuilder knows become ordinary nodes, residual ``+`` becomes ``Add``, ``torch.cat``
``Concat`` and so on; the rest becomes ``OpaqueModule`` / ``OpaqueOp`` nodes that compile back to
the same torch call (see :mod:`nnbuilder.backbones.fx_convert`).  Nothing is dropped silently:
operations whose result never reaches an output (shape assertions) are listed in
``ImportResult.dropped``.  ``key_map`` says where each original state-dict tensor now lives.
"""
from __future__ import annotations

import contextlib
import importlib.util
import operator
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import fx, nn

from nnbuilder.analysis.module_paths import MODULE_KEY
from nnbuilder.backbones import literals
from nnbuilder.backbones.fx_convert import (
    Converted,
    UnsupportedModel,
    alias_of,
    as_expr,
    convert_function,
    convert_module,
    convert_tensor,
)
from nnbuilder.backbones.fx_functional import batch_norm_node, batch_norm_owners
from nnbuilder.backbones.fx_splits import split_item, tuple_split
from nnbuilder.graph.document import Edge, GraphDocument, Node

ImportError_ = UnsupportedModel  # public alias: "the model cannot be imported"

_X_STEP, _Y_STEP = 220.0, 110.0
_MAX_MERGE = 8  # inputs of one Concat node


@dataclass
class ImportResult:
    """The imported graph and how to move the original weights into it."""

    doc: GraphDocument
    key_map: dict[str, tuple[str, str]]  # original state-dict key -> (node id, key inside that node)
    opaque: list[str] = field(default_factory=list)  # ids of OpaqueModule / OpaqueOp nodes
    dropped: list[str] = field(default_factory=list)  # operations whose result was never used
    source_model: nn.Module | None = field(default=None, repr=False)  # the traced model (random weights)


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


class _Tracer(fx.Tracer):
    """Buffers read in forward become graph values (their state-dict key survives), not folded constants."""

    proxy_buffer_attributes = True


def trace(model: nn.Module, inputs: int | None = None) -> fx.GraphModule:
    """``symbolic_trace`` in eval mode (the inference graph: no auxiliary heads, dropout off), with a
    message that names the problem when the model is not traceable.  Forward arguments after the first
    ``inputs`` keep their defaults (``attn_mask=None``)."""
    import inspect

    concrete: dict[str, Any] = {}
    if inputs is not None:
        with contextlib.suppress(TypeError, ValueError):
            params = list(inspect.signature(model.forward).parameters.values())[inputs:]
            concrete = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty
                        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    was_training = model.training
    model.eval()
    try:
        tracer = _Tracer()
        graph = tracer.trace(model, concrete_args=concrete or None)
        return fx.GraphModule(tracer.root, graph, type(model).__name__)
    except Exception as exc:
        raise UnsupportedModel(f"{type(model).__name__} cannot be traced by torch.fx ({type(exc).__name__}: "
                               f"{_first_line(exc)}); data-dependent Python control "
                               "flow must be rewritten with tensor operations") from exc
    finally:
        model.train(was_training)


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)[:300]  # never a memory address


def import_module(model: nn.Module, input_shapes: Sequence[Sequence[int]]) -> ImportResult:
    """Trace ``model`` into a :class:`GraphDocument`; ``input_shapes`` are per-sample shapes."""
    gm = trace(model, len(input_shapes))
    graph_nodes = list(gm.graph.nodes)
    placeholders = [n for n in graph_nodes if n.op == "placeholder"]
    live = _live(graph_nodes)
    if len(placeholders) > len(input_shapes):  # arguments left at their defaults (concrete) are not inputs
        placeholders = placeholders[:len(input_shapes)] + [n for n in placeholders[len(input_shapes):] if n in live]
    if len(input_shapes) != len(placeholders):
        raise UnsupportedModel(f"{type(model).__name__}.forward takes {len(placeholders)} input(s) "
                               f"({', '.join(n.name for n in placeholders)}) but {len(input_shapes)} shape(s) "
                               "were given")
    _main_output(gm.graph)
    used = _live(graph_nodes)
    doc = GraphDocument()
    ids: dict[fx.Node, str] = {}
    sym: dict[fx.Node, literals.Expr] = {}  # size/shape values, inlined into the nodes that use them
    result = ImportResult(doc, {}, source_model=model)
    calls = _count_calls(graph_nodes)
    _check_no_tied_weights(model)
    first_calls: dict[str, Converted] = {}  # module path -> the first call's node (a shared layer)
    tensors: dict[str, str] = {}  # tensor path -> its Parameter node
    bn_calls, bn_attrs = batch_norm_owners(model, graph_nodes)
    for fx_node in graph_nodes:
        where = _where(fx_node)
        try:
            if fx_node.op == "placeholder" and fx_node not in placeholders:
                continue
            if fx_node.op == "placeholder":
                shape = [int(d) for d in input_shapes[placeholders.index(fx_node)]]
                ids[fx_node] = _add(doc, fx_node.name, Converted("Input", {"shape": shape}), ids, sym)
            elif fx_node.op == "output":
                for out in _outputs(fx_node):
                    _add(doc, "output", Converted("Output", {}, [out]), ids, sym)
            elif fx_node not in used:
                result.dropped.append(fx_node.format_node())
            elif (expr := as_expr(fx_node, sym)) is not None:
                sym[fx_node] = expr
            elif fx_node in bn_attrs:
                continue  # read by a batch-norm call that becomes a BatchNorm node at the owner's path
            elif fx_node in bn_calls and (conv := batch_norm_node(fx_node, model.get_submodule(bn_calls[fx_node]))):
                owner = bn_calls[fx_node]
                ids[fx_node] = _add(doc, fx_node.name, conv, ids, sym, module=owner)
                for key in model.get_submodule(owner).state_dict():
                    result.key_map[f"{owner}.{key}"] = (ids[fx_node], key)
            elif fx_node.op == "get_attr" and str(fx_node.target) in tensors:
                ids[fx_node] = tensors[str(fx_node.target)]  # the same tensor read again: one node
            elif fx_node.op == "get_attr":
                path = str(fx_node.target)
                conv = convert_tensor(path, _tensor(model, gm, path), _persistent(model, path))
                state = conv.params["kind"] != "constant"
                ids[fx_node] = _add(doc, fx_node.name, conv, ids, sym, module=path if state else None)
                tensors[path] = ids[fx_node]
                if state:
                    result.key_map[path] = (ids[fx_node], "")
            elif (alias := alias_of(fx_node, ids, doc)) is not None:
                ids[fx_node] = alias
            elif tuple_split(fx_node, used):
                continue  # each [i] of it becomes its own node
            elif fx_node.target is operator.getitem and isinstance(fx_node.args[0], fx.Node) \
                    and fx_node.args[0] not in ids and tuple_split(fx_node.args[0], used):
                ids[fx_node] = _add(doc, fx_node.name, split_item(fx_node), ids, sym)
            elif fx_node.op == "call_module":
                module = gm.get_submodule(str(fx_node.target))
                path = str(fx_node.target) if module.state_dict() else None  # stateless layers may be reused
                conv = convert_module(fx_node, module, used)
                if path is not None:  # a layer with weights called again shares the first call's node path
                    _check_same_call(path, conv, first_calls.setdefault(path, conv), calls[fx_node.target])
                node_id = _add(doc, fx_node.name, conv, ids, sym, module=path)
                ids[fx_node] = node_id
                for key in module.state_dict():
                    result.key_map.setdefault(f"{fx_node.target}.{key}", (node_id, key))
            else:
                conv = convert_function(fx_node, sym)
                if conv.type == "Alias":
                    ids[fx_node] = ids[conv.inputs[0]]
                elif conv.type == "Concat" and len(conv.inputs) > _MAX_MERGE:
                    ids[fx_node] = _add_concat(doc, fx_node.name, conv, ids, sym)
                else:
                    ids[fx_node] = _add(doc, fx_node.name, conv, ids, sym)
        except UnsupportedModel as exc:
            if where and where not in str(exc):
                raise UnsupportedModel(f"{exc} (in {where})") from None
            raise
    _check_all_weights_used(model, result)
    result.opaque = [n.id for n in doc.nodes if n.type in ("OpaqueModule", "OpaqueOp", "TorchvisionOp")]
    _layout(doc)
    return result


def _where(node: fx.Node) -> str:
    """The source module and line an fx node came from, when torch.fx recorded them."""
    stack = node.meta.get("stack_trace") or ""
    lines = [ln.strip() for ln in stack.strip().splitlines() if ln.strip().startswith("File ")]
    module = node.meta.get("nn_module_stack")
    owner = ""
    if module:
        path, cls = list(module.values())[-1]
        owner = f"{path or 'the model'} ({getattr(cls, '__name__', cls)})"
    return ", ".join(x for x in (owner, lines[-1] if lines else "") if x)


def _outputs(node: fx.Node) -> list[fx.Node]:
    outs = node.args[0] if isinstance(node.args[0], (tuple, list)) else [node.args[0]]
    if not all(isinstance(o, fx.Node) for o in outs):
        raise UnsupportedModel("the model output must be a tensor or a tuple of tensors")
    return list(outs)


def _main_output(graph: fx.Graph) -> None:
    """A namedtuple / dict output (GoogLeNetOutputs, InceptionOutputs) keeps only its main (first) tensor."""
    out = next(n for n in graph.nodes if n.op == "output")
    value = out.args[0]
    if isinstance(value, dict) and value:
        out.args = (next(iter(value.values())),)
    elif isinstance(value, tuple) and hasattr(value, "_fields"):
        out.args = (value[0],)


def _tensor(model: nn.Module, gm: fx.GraphModule, path: str) -> torch.Tensor:
    for root in (model, gm):
        owner, _, name = path.rpartition(".")
        try:
            value = getattr(root.get_submodule(owner), name)
        except AttributeError:
            continue
        if isinstance(value, torch.Tensor):
            return value
    raise UnsupportedModel(f"forward reads {path!r}, which is not a tensor; only tensors and layers can be imported")


def _persistent(model: nn.Module, path: str) -> bool | None:
    """True for a parameter or saved buffer, False for an unsaved buffer, None for a plain tensor."""
    owner, _, name = path.rpartition(".")
    try:
        module = model.get_submodule(owner)
    except AttributeError:
        return None
    if name in module._parameters:
        return True
    if name in module._buffers:
        return name not in module._non_persistent_buffers_set
    return None


def _check_same_call(path: str, conv: Converted, first: Converted, count: int) -> None:
    """A layer called several times is one node type with one set of parameters (its weights are shared)."""
    if conv is not first and (conv.type != first.type or conv.params != first.params):
        changed = sorted(k for k in {*conv.params, *first.params} if conv.params.get(k) != first.params.get(k))
        raise UnsupportedModel(f"module {path!r} is called {count} times in different ways ({', '.join(changed)} "
                               "differ between the calls); a shared layer must be called the same way each time, "
                               "e.g. self.layer(x) with one tensor argument")


def _check_no_tied_weights(model: nn.Module) -> None:
    """Weights tied between two different layers (``self.head.weight = self.embed.weight``) are refused: the
    export would give each layer its own copy and training would untie them."""
    names: dict[int, list[str]] = {}
    for name, tensor in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(tensor), []).append(name)
    tied = [n for n in names.values() if len(n) > 1]
    if tied:
        raise UnsupportedModel(f"{type(model).__name__} ties weights between layers ({' = '.join(tied[0])}"
                               f"{' and more' if len(tied) > 1 else ''}); nnbuilder cannot tie two layers' weights, "
                               "so the export would train them apart. Untie them, or call one shared layer twice "
                               "in forward instead")


def _check_all_weights_used(model: nn.Module, result: ImportResult) -> None:
    held = set(result.key_map)
    unused = [k for k in model.state_dict() if k not in held]
    if unused:
        owners = sorted({k.rsplit(".", 1)[0] for k in unused})
        raise UnsupportedModel(
            f"{type(model).__name__} has weights that forward (in eval mode) never uses: {', '.join(owners[:6])}"
            f"{' ...' if len(owners) > 6 else ''}; they would not load. Build the model without them (for "
            "torchvision's googlenet and inception_v3: --arg aux_logits=False)")


def _add(doc: GraphDocument, name: str, conv: Converted, ids: dict[fx.Node, str], sym: dict,
         module: str | None = None) -> str:
    node_id = doc.unique_id(name)
    doc.insert_node(Node(node_id, conv.type, dict(conv.params), extra={MODULE_KEY: module} if module else {}))
    if any(value in sym for value in conv.inputs):
        raise UnsupportedModel(f"{name!r} takes a size value where a tensor is expected")
    for port, value in enumerate(conv.inputs):
        doc.insert_edge(Edge(ids[value], node_id, 0, port))
    return node_id


def _add_concat(doc: GraphDocument, name: str, conv: Converted, ids: dict[fx.Node, str], sym: dict) -> str:
    """``torch.cat`` of many tensors (DenseNet) as a tree of Concat nodes of at most 8 inputs each."""
    dim = conv.params["dim"]
    parts: list[fx.Node | str] = list(conv.inputs)
    while len(parts) > _MAX_MERGE:
        grouped: list[fx.Node | str] = []
        for start in range(0, len(parts), _MAX_MERGE):
            group = parts[start:start + _MAX_MERGE]
            grouped.append(group[0] if len(group) == 1 else _add_ids(doc, f"{name}_part", dim, group, ids))
        parts = grouped
    return _add_ids(doc, name, dim, parts, ids)


def _add_ids(doc: GraphDocument, name: str, dim: int, parts: list, ids: dict[fx.Node, str]) -> str:
    node_id = doc.unique_id(name)
    doc.insert_node(Node(node_id, "Concat", {"inputs": len(parts), "dim": dim}))
    for port, part in enumerate(parts):
        doc.insert_edge(Edge(part if isinstance(part, str) else ids[part], node_id, 0, port))
    return node_id


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
        attr = attrs.get(node_id, node_id)
        out[f"{attr}.{local}" if local else attr] = tensor
    return out
