"""The security allow-list for imported (opaque) nodes: which torch.nn classes and tensor operations a
project file may name.

Analysis evaluates imported operations while a possibly hostile project is only being opened, so a
name must be on this list (not merely off a deny-list) before it reaches generated code: public pure
tensor functions of ``torch`` and ``torch.nn.functional``, public Tensor methods, Python operators,
and non-container ``torch.nn`` layer classes.  torch is imported lazily.
"""
from __future__ import annotations

import functools
import re

from nnbuilder.layers.spec import ParamError

_CONTAINERS = {"Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Container"}
TENSOR_ATTRS = ("shape", "dtype", "device", "ndim", "T", "mT")
BINARY_OPS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%", "pow": "**",
              "matmul": "@", "and_": "&", "or_": "|", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">",
              "ge": ">=", "iadd": "+", "isub": "-", "imul": "*", "itruediv": "/"}
UNARY_OPS = {"neg": "-", "pos": "+", "invert": "~"}
FUNCTION_MODULES = ("torch", "torch.nn.functional")
# torchvision functions a model import may call by name: the ones torchvision itself hides from torch.fx
# (``torch.fx.wrap``) because their shape-dependent control flow cannot be traced.  Each is a pure tensor
# function (no files, no global state); the exported file then imports torchvision.
TORCHVISION_FUNCTIONS = frozenset({
    "torchvision.models.swin_transformer.shifted_window_attention",
    "torchvision.models.swin_transformer._get_relative_position_bias",
    "torchvision.models.swin_transformer._patch_merging_pad",
})


def check_module_class(name: object) -> str:
    """``name`` if it is a public ``torch.nn`` module class (not a container)."""
    import torch.nn.modules

    if isinstance(name, str) and name in torch.nn.modules.__all__ and name not in _CONTAINERS:
        return name
    raise ParamError(f"{name!r} is not a torch.nn layer class")


def check_op(kind: str, target: object) -> str:
    """``target`` if it is an allowed operation of ``kind`` ("function", "method", "operator")."""

    ok = False
    if isinstance(target, str):
        module, _, name = target.rpartition(".")
        public = name.isidentifier() and not name.startswith("_")
        if kind == "function" and module in FUNCTION_MODULES and public:
            ok = name in _allowed_functions(module)
        elif kind == "method" and not module and public:
            ok = name in _allowed_methods()
        elif kind == "operator":
            ok = target in BINARY_OPS or target in UNARY_OPS or target in ("getitem", "getattr")
    if not ok:
        raise ParamError(f"{target!r} is not an allowed {kind} for an imported operation")
    return target


def check_torchvision_function(target: object) -> str:
    """``target`` if it is one of the :data:`TORCHVISION_FUNCTIONS` (an exact, qualified name)."""
    if isinstance(target, str) and target in TORCHVISION_FUNCTIONS:
        return target
    raise ParamError(f"{target!r} is not an allowed torchvision function for an imported operation; allowed: "
                     f"{', '.join(sorted(TORCHVISION_FUNCTIONS))}"[:600])


# Names that touch files, global state, devices, hooks or raw memory: never allowed in an imported op,
# because analysis evaluates imported ops while a (possibly hostile) project is only being opened.
_UNSAFE = re.compile(r"file|save|load|seed|set_|manual|use_|compile|jit|hub|storage|share_memory|pin_memory|"
                     r"register|record|numpy|tolist|backward|retain|requires_grad|detach_|resize|apply_|map_|"
                     r"data_ptr|dlpack|cuda|cpu|mps|module_load|torch_function|dispatch|fork|wait|vmap|import|parse")
# Pure tensor functions of ``torch`` that are not also Tensor methods.
_TORCH_EXTRA = frozenset({
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "row_stack", "einsum",
    "tensordot", "cdist", "cosine_similarity", "pairwise_distance", "meshgrid", "broadcast_tensors", "atleast_1d",
    "atleast_2d", "atleast_3d", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "empty_like",
    "rand_like", "randn_like", "arange", "linspace", "logspace", "eye", "scalar_tensor", "block_diag",
    "cartesian_prod", "combinations", "searchsorted", "bucketize", "isin", "std_mean", "var_mean", "dropout",
    "layer_norm", "group_norm", "batch_norm", "instance_norm", "embedding", "conv1d", "conv2d", "max_pool1d",
    "max_pool2d", "adaptive_avg_pool1d", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "threshold",
    "selu", "celu", "rrelu", "rsub", "softmax", "log_softmax", "flatten", "squeeze", "unsqueeze",
})


@functools.cache
def _allowed_methods() -> frozenset[str]:
    import torch

    return frozenset(n for n in dir(torch.Tensor) if not n.startswith("_") and not _UNSAFE.search(n)
                     and callable(getattr(torch.Tensor, n, None)))


@functools.cache
def _allowed_functions(module: str) -> frozenset[str]:
    """Public pure tensor functions of ``torch`` or ``torch.nn.functional`` (an allow-list, not a deny-list)."""
    import inspect

    import torch

    if module == "torch":
        names = (_allowed_methods() | _TORCH_EXTRA) & set(dir(torch))
        return frozenset(n for n in names if callable(getattr(torch, n)) and not isinstance(getattr(torch, n), type))
    functional = torch.nn.functional
    return frozenset(n for n in dir(functional) if not n.startswith("_") and not _UNSAFE.search(n)
                     and (inspect.isfunction(getattr(functional, n)) or inspect.isbuiltin(getattr(functional, n)))
                     and getattr(getattr(functional, n), "__module__", "").startswith("torch"))
