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

from nnbuilder.analysis.expressions import constructor_code, forward_code, setup_code
from nnbuilder.analysis.issues import WARNING, Issue
from nnbuilder.analysis.messages import explain_failure
from nnbuilder.analysis.structure import Structure

META_BATCH = 2
_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}
_EVAL_NS: dict[str, Any] = {"torch": torch, "nn": nn, "__builtins__": {}}


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


def infer_shapes(st: Structure) -> tuple[dict[str, NodeShape], list[Issue]]:
    """Infer every node's output shape; nodes downstream of a failure are skipped."""
    results: dict[str, NodeShape] = {}
    issues: list[Issue] = []
    tensors: dict[str, torch.Tensor] = {}
    for node_id in st.order:
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
        if spec.type == "Input":
            shape = tuple(params["shape"])
            info.output_shape, info.dtype = shape, params["dtype"]
            tensors[node_id] = torch.empty((META_BATCH, *shape), dtype=_DTYPES[info.dtype], device="meta")
            continue
        arg_names = _port_args(ports, len(spec.input_ports(params)))
        inputs = [tensors[ports[p].source] for p in sorted(ports)]
        info.input_shapes = [tuple(t.shape[1:]) for t in inputs]
        if spec.infer is not None:
            for name, value in spec.infer(params, info.input_shapes).items():
                if params.get(name) is None:
                    params[name] = value
        try:
            out, counts = _evaluate(spec, params, arg_names, ports, tensors, info)
        except Exception as exc:  # torch raises many types; each becomes a node error
            issues.append(explain_failure(node_id, spec, params, info.input_shapes, exc))
            continue
        if spec.type == "Output":
            info.output_shape, info.dtype = tuple(out.shape[1:]), _dtype_name(out.dtype)
            tensors[node_id] = out
            continue
        info.output_shape, info.dtype = tuple(out.shape[1:]), _dtype_name(out.dtype)
        info.param_count, info.trainable, info.macs = counts
        tensors[node_id] = out
        issues.extend(_warnings(node_id, spec.type, info))
    return results, issues


def _port_args(ports: dict, count: int) -> list[str | None]:
    return [f"_in{p}" if p in ports else None for p in range(count)]


def _evaluate(spec, params, arg_names, ports, tensors, info) -> tuple[torch.Tensor, tuple[int, int, int]]:
    info.ctor = constructor_code(spec, params)
    fwd = forward_code(spec, "m", arg_names, params)
    local = {f"_in{p}": tensors[e.source] for p, e in ports.items()}
    key = (info.ctor, fwd, tuple((n, tuple(t.shape), t.dtype) for n, t in sorted(local.items())))
    cached = _CACHE.get(key)
    if cached is not None:
        shape, dtype, counts = cached
        return torch.empty(shape, dtype=dtype, device="meta"), counts
    holder = SimpleNamespace()
    counts = (0, 0, 0)
    if info.ctor is not None:
        with torch.device("meta"):
            module = eval(info.ctor, _EVAL_NS)  # noqa: S307 - source built from validated literals
        holder.m = module
        for line in setup_code(spec, "m", params):
            exec(line, _EVAL_NS, {"self": holder})  # noqa: S102
        module.eval()
    out = eval(fwd, _EVAL_NS, {"self": holder, **local})  # noqa: S307
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"produced {type(out).__name__}, not a tensor")
    if info.ctor is not None:
        total = sum(p.numel() for p in holder.m.parameters())
        trainable = sum(p.numel() for p in holder.m.parameters() if p.requires_grad)
        counts = (total, trainable, _macs(holder.m, out))
    if len(_CACHE) > _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[key] = (tuple(out.shape), out.dtype, counts)
    return out, counts


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
        return [Issue("linear_on_image", f"Linear acts only on the last dimension of {list(shape)}",
                      node_id, WARNING, hint=f"insert Flatten before it to use all {total} features")]
    return []
