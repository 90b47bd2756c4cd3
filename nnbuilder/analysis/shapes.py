"""Shape inference on meta tensors: every node is built and run by torch itself.

For each node in topological order the constructor expression is evaluated
under ``torch.device("meta")`` and its forward expression is evaluated on meta
tensors, so shapes, parameter counts and errors are torch's own.  Errors are
translated into messages that name the node, the shapes and a fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from nnbuilder.analysis.budget import ProjectBudget, budget_issue
from nnbuilder.analysis.expressions import constructor_code, forward_code, setup_code
from nnbuilder.analysis.issues import WARNING, Issue, IssueCode
from nnbuilder.analysis.messages import explain_failure
from nnbuilder.analysis.no_dynamo import dynamo_not_loaded
from nnbuilder.analysis.no_sympy import symbolic_shapes_not_loaded
from nnbuilder.analysis.structure import Structure
from nnbuilder.layers import Role

META_BATCH = 2
_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}
# No builtins but ``float``: encoded literals render non-finite numbers as float('inf'), float('-inf'),
# float('nan') (nnbuilder.catalogue.literals), and nothing else in generated expressions calls a builtin.
_EVAL_NS: dict[str, Any] = {"torch": torch, "nn": nn, "__builtins__": {"float": float}}


@dataclass
class NodeShape:
    """What shape inference learned about one node."""

    input_shapes: list[tuple[int, ...]] = field(default_factory=list)
    output_shape: tuple[int, ...] | None = None  # per sample, no batch dimension
    dtype: str = "float32"
    params: dict[str, Any] = field(default_factory=dict)  # with inferred values resolved
    ctor: str | None = None
    param_count: int = 0
    trainable: int = 0
    macs: int = 0


_CACHE: dict[tuple, tuple] = {}
_CACHE_LIMIT = 4096


@dynamo_not_loaded()  # torch's own meta kernels, without importing its compiler (see no_dynamo.py)
@symbolic_shapes_not_loaded()  # ...nor sympy for symbolic sizes a meta tensor never has (see no_sympy.py)
def infer_shapes(st: Structure) -> tuple[dict[str, NodeShape], list[Issue]]:
    """Infer every node's output shape; nodes downstream of a failure are skipped."""
    results: dict[str, NodeShape] = {}
    issues: list[Issue] = []
    tensors: dict[str, tuple[tuple[int, ...], torch.dtype]] = {}  # full shape (with batch) and dtype
    budget = ProjectBudget()
    for node_id in st.order:
        if budget.exceeded:
            break  # the refusal names the node; checking the rest would spend what the budget denies
        spec = st.specs.get(node_id)
        if spec is None or node_id not in st.params:
            continue
        params = dict(st.params[node_id])
        ports = st.inputs_of.get(node_id, {})
        sources = [ports[p].source for p in sorted(ports)]
        if any(s not in tensors for s in sources):
            continue  # an upstream node failed; its error is already reported
        required = [i for i, port in enumerate(spec.input_ports(params)) if not port.optional]
        if any(i not in ports for i in required):
            continue  # reported as unconnected by structural validation
        info = NodeShape(params=params)
        results[node_id] = info
        if spec.role is Role.INPUT:
            shape = tuple(params["shape"])
            info.output_shape, info.dtype = shape, params["dtype"]
            if (over := budget_issue(node_id, spec.type, shape, 0)) is not None:
                issues.append(over)
                continue
            try:
                torch.empty((META_BATCH, *shape), dtype=_DTYPES[info.dtype], device="meta")
                tensors[node_id] = ((META_BATCH, *shape), _DTYPES[info.dtype])
            except RuntimeError:  # more elements than torch can index
                issues.append(Issue(IssueCode.SHAPE, f"the shape {list(shape)} has too many elements", node_id,
                                    hint="use a smaller per-sample shape"))
            continue
        arg_names = _port_args(ports, len(spec.input_ports(params)))
        info.input_shapes = [tensors[ports[p].source][0][1:] for p in sorted(ports)]
        integer = _integer_input_issue(node_id, spec, [tensors[ports[p].source][1] for p in sorted(ports)])
        if integer is not None:
            issues.append(integer)
            continue
        batch_axis = _batch_axis_issue(node_id, spec, params, info.input_shapes)
        if batch_axis is not None:
            issues.append(batch_axis)
            continue
        batched = all(tensors[e.source][0][:1] == (META_BATCH,) and "unbatched" not in st.specs[e.source].tags
                      for e in ports.values())  # not a Parameter node's tensor nor an imported op's moved axes
        if spec.role is Role.MERGE and batched and len({len(s) for s in info.input_shapes}) > 1:
            # [B, 1] + [B, 1, 1] broadcasts across the batch into [B, B, 1]: a shape that depends on the batch size
            issues.append(Issue(IssueCode.SHAPE, f"{spec.type} inputs have different numbers of dimensions "
                                f"{' and '.join(str(list(s)) for s in info.input_shapes)}", node_id,
                                hint="reshape them to the same number of dimensions (e.g. Flatten or Reshape)"))
            continue
        if spec.input_ranks and info.input_shapes and len(info.input_shapes[0]) not in spec.input_ranks:
            # checked before torch runs it: torch reads a batch of too-small samples as one unbatched input
            # (a GRU given [B, 1] runs one sequence of length B), which would infer a shape the model never has
            issues.append(explain_failure(node_id, spec, params, info.input_shapes, ValueError("wrong rank")))
            continue
        try:
            if spec.infer is not None:  # inside the try: an infer hook may refuse the shapes
                for name, value in spec.infer(params, info.input_shapes).items():
                    if params.get(name) is None:
                        params[name] = value
            out, counts = _evaluate(spec, params, arg_names, ports, tensors, info)
        except _DtypeMismatch as exc:
            issues.append(Issue(IssueCode.DTYPE, str(exc), node_id, hint="set the Input's dtype to float32"))
            continue
        except Exception as exc:  # noqa: BLE001 - torch raises many types; each becomes a node error
            issues.append(explain_failure(node_id, spec, params, info.input_shapes, exc))
            continue
        # A Parameter node is the tensor itself; an imported op may move the batch axis (attention's
        # qkv.permute(2, 0, 3, 1, 4)) as long as a later node moves it back before the Output.
        moved = any(tensors[e.source][0][:1] != (META_BATCH,) for e in ports.values())  # e.g. windows of a Swin
        unbatched = "unbatched" in spec.tags or ((spec.category == "Imported" or moved) and out[0][:1] != (META_BATCH,))
        if (not out[0] or out[0][0] != META_BATCH) and not unbatched:
            issues.append(Issue(IssueCode.BATCH, f"{spec.type} changes the batch dimension ({META_BATCH} samples in, "
                                         f"output shape {list(out[0])})", node_id,
                                hint="dimension 0 is the batch; per-sample dimensions start at 1"))
            continue
        info.output_shape, info.dtype = out[0] if unbatched else out[0][1:], _dtype_name(out[1])
        if (over := budget_issue(node_id, spec.type, info.output_shape, counts[0])) is not None:
            issues.append(over)  # downstream nodes are skipped, as after any failure
            continue
        if (over := budget.charge(node_id, spec.type, info.output_shape, counts[0])) is not None:
            issues.append(over)
            continue
        tensors[node_id] = out
        if spec.role is Role.OUTPUT:
            continue
        info.param_count, info.trainable, info.macs = counts
        issues.extend(_warnings(node_id, spec.type, info))
    return results, issues


class _DtypeMismatch(TypeError):
    """Meta kernels skip some dtype checks (Linear, norms, attention) that real devices make."""


def _integer_input_issue(node_id: str, spec, dtypes: list[torch.dtype]) -> Issue | None:
    """Integer tensors are ids: only Embedding (and nodes that just move values) may take them."""
    if spec.integer_inputs:
        return None
    if all(d.is_floating_point for d in dtypes):
        return None
    kind = next(_dtype_name(d) for d in dtypes if not d.is_floating_point)
    return Issue(IssueCode.DTYPE, f"{spec.type} receives {kind} values; only Embedding and OneHot take integer ids",
                 node_id, hint="feed the ids to an Embedding or OneHot first, or insert ToFloat to use them as numbers")


# Parameters that index a dimension of the whole (batched) tensor, where 0 is the batch.
_AXIS_PARAMS = ("dim", "dim0", "dim1", "start_dim", "end_dim")


def _batch_axis_issue(node_id: str, spec, params: dict, shapes: list[tuple[int, ...]]) -> Issue | None:
    """Axes out of range (meta kernels such as softmax do not check them), or the batch axis, which
    would mix samples (Softmax) or change the batch size (Concat, Flatten)."""
    if not shapes:
        return None
    rank = len(shapes[0]) + 1
    where = f"the {rank}-d input (batch + {list(shapes[0])})"
    hint = f"per-sample dimensions are 1 to {rank - 1} (or -1 to -{rank - 1}); 0 is the batch"
    for name in _AXIS_PARAMS:
        value = params.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if not -rank <= value < rank:
            return Issue(IssueCode.SHAPE, f"{name}={value} is out of range for {where}", node_id, hint=hint)
        if value % rank == 0 and name != "end_dim":
            return Issue(IssueCode.BATCH, f"{name}={value} is the batch dimension of {where}", node_id, hint=hint)
    return None


def _namespace(spec) -> dict[str, Any]:
    """Globals for evaluating a node's source: torch, nn, and torchvision only when the spec imports it."""
    if "import torchvision" in spec.imports and "torchvision" not in _EVAL_NS:
        import torchvision

        _EVAL_NS["torchvision"] = torchvision
    return _EVAL_NS


def _port_args(ports: dict, count: int) -> list[str | None]:
    return [f"_in{p}" if p in ports else None for p in range(count)]


def _evaluate(spec, params, arg_names, ports, tensors, info):
    """Build and run one node on meta tensors; returns ((shape, dtype), (params, trainable, macs))."""
    info.ctor = constructor_code(spec, params)
    fwd = forward_code(spec, "m", arg_names, params)
    setup = tuple(setup_code(spec, "m", params))
    key = (info.ctor, fwd, setup, tuple((p, tensors[ports[p].source]) for p in sorted(ports)))
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    local = {f"_in{p}": torch.empty(tensors[e.source][0], dtype=tensors[e.source][1], device="meta")
             for p, e in ports.items()}
    holder = SimpleNamespace()
    counts = (0, 0, 0)
    if info.ctor is not None:
        namespace = _namespace(spec)
        with torch.device("meta"):
            module = eval(info.ctor, namespace, {})
        holder.m = module
        for line in setup:
            exec(line, namespace, {"self": holder})  # noqa: S102
        if isinstance(module, nn.Module):
            module.eval()
        weights = {p.dtype for p in _weights(module)}
        if spec.input_dtype is None and weights:
            for _, t in sorted(local.items()):
                if t.dtype.is_floating_point and t.dtype not in weights:
                    raise _DtypeMismatch(
                        f"{spec.type} has {'/'.join(sorted(_dtype_name(w) for w in weights))} weights but "
                        f"receives {_dtype_name(t.dtype)} values")
    steps = _shorten_sequence(holder, local)  # recurrent layers step in Python even on meta: probe a few steps
    with torch.device("meta"):  # tensors the forward creates (an OpaqueOp's torch.ones(...)) stay on meta too
        out = eval(fwd, _namespace(spec), {"self": holder, **local})
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"produced {type(out).__name__}, not a tensor")
    if steps is not None and out.dim() == 3 and out.shape[1] == PROBE_STEPS:
        out = torch.empty((out.shape[0], steps, out.shape[2]), dtype=out.dtype, device="meta")
    if info.ctor is not None:
        total = sum(p.numel() for p in _weights(holder.m))
        trainable = sum(p.numel() for p in _weights(holder.m) if p.requires_grad)
        counts = (total, trainable, _macs(holder.m, out) if isinstance(holder.m, nn.Module) else 0)
    if len(_CACHE) > _CACHE_LIMIT:
        _CACHE.clear()
    result = ((tuple(out.shape), out.dtype), counts)
    _CACHE[key] = result
    return result


def _weights(built: Any) -> list[torch.Tensor]:
    """A module's parameters; a Parameter node's constructor builds the parameter itself."""
    if isinstance(built, nn.Parameter):
        return [built]
    return list(built.parameters()) if isinstance(built, nn.Module) else []


PROBE_STEPS = 7  # time steps a recurrent layer is run for; the sequence's own length is put back after


def _shorten_sequence(holder: SimpleNamespace, local: dict[str, torch.Tensor]) -> int | None:
    """For a batch-first recurrent module on a long sequence: cut ``_in0`` to PROBE_STEPS; return its length."""
    module = getattr(holder, "m", None)
    x = local.get("_in0")
    if not isinstance(module, nn.RNNBase) or not module.batch_first or x is None or x.dim() != 3 \
            or x.shape[1] <= PROBE_STEPS:
        return None
    local["_in0"] = torch.empty((x.shape[0], PROBE_STEPS, x.shape[2]), dtype=x.dtype, device="meta")
    return x.shape[1]


def _macs(module: nn.Module, out: torch.Tensor) -> int:
    """Multiply-accumulate estimate per sample for the common layer kinds."""
    per_sample_out = out[0].numel() if out.dim() > 0 else 1
    if isinstance(module, nn.Linear):
        return per_sample_out * module.in_features
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        k = 1
        for s in module.kernel_size:
            k *= s
        return per_sample_out * (module.in_channels // module.groups) * k
    if isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)):
        gates = {nn.RNN: 1, nn.LSTM: 4, nn.GRU: 3}[type(module)]
        steps = out.shape[1] if out.dim() == 3 else 1
        h, i = module.hidden_size, module.input_size
        dirs = 2 if module.bidirectional else 1
        return steps * dirs * module.num_layers * gates * h * (i + h)
    return sum(p.numel() for p in module.parameters())


def _dtype_name(dtype: torch.dtype) -> str:
    for name, d in _DTYPES.items():
        if d == dtype:
            return name
    return str(dtype).replace("torch.", "")


def _warnings(node_id: str, type_name: str, info: NodeShape) -> list[Issue]:
    shape = info.input_shapes[0] if info.input_shapes else ()
    if type_name == "Linear" and len(shape) >= 3:
        total = 1
        for d in shape:
            total *= d
        return [Issue(IssueCode.LINEAR_ON_IMAGE, f"Linear acts only on the last dimension of {list(shape)}",
                      node_id, WARNING, hint=f"insert Flatten before it to use all {total} features")]
    return []
