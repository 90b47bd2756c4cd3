"""Pretrained torchvision backbones, and the opaque nodes a model import creates.

``Backbone`` builds a torchvision classifier with ``weights=None``; the trained or pretrained
weights are loaded by the app (``nnbuilder.backbones.apply_backbone_weights``) or come from a
checkpoint, never from the exported file.  ``OpaqueModule`` / ``OpaqueOp`` keep the parts of an
imported model that have no layer type of their own (e.g. ``nn.Hardswish``, ``x.mean((2, 3))``):
they compile to the same torch call, and their type name marks them as opaque in the editor.
torchvision and torch are imported lazily so that importing this module stays cheap.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from nnbuilder.backbones import literals
from nnbuilder.backbones.catalog import CATALOGUE, OUTPUTS, UnknownModel, _is_path, get_info
from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import CHOICE, INT, LayerSpec, ParamError, ParamSpec, PortSpec, Shape

TEXT = "text"  # free text, validated by the parameter itself
BLOCKS = "blocks"  # "all", "none" or a list of block names
LITERAL = "literal"  # an encoded literal (see nnbuilder.backbones.literals)

_WEIGHTS_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


class _ModelParam(ParamSpec):
    def coerce(self, value: Any) -> Any:
        try:
            return get_info(value).name
        except UnknownModel as exc:
            raise ParamError(str(exc)) from None


class _WeightsParam(ParamSpec):
    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and value.startswith("resource:"):
            from nnbuilder.backbones.weights import WeightsError, check_resource_name

            try:
                check_resource_name(value)
            except WeightsError as exc:
                raise ParamError(str(exc)) from None
            return value
        if isinstance(value, str) and (_WEIGHTS_NAME.match(value) or _is_path(value)):
            return value
        raise ParamError(f"expected null (random init), a torchvision weights name such as 'DEFAULT' or "
                         f"'IMAGENET1K_V1', a .safetensors/.pth/.pt file path, or shipped weights "
                         f"'resource:NAME.safetensors', got {value!r}")


class _FreezeParam(ParamSpec):
    def coerce(self, value: Any) -> Any:
        from nnbuilder.backbones.freezing import FreezeError, check_block_name

        if value in ("all", "none"):
            return value
        if isinstance(value, (list, tuple)) and not isinstance(value, str):
            try:
                blocks = tuple(dict.fromkeys(check_block_name(v) for v in value))
            except FreezeError as exc:
                raise ParamError(str(exc)) from None
            return blocks or "none"
        raise ParamError(f"expected 'all', 'none' or a list of block names such as ['conv1', 'layer1'], "
                         f"got {value!r}")


class _LiteralParam(ParamSpec):
    """A list (``args``) or a keyword mapping (``init``, ``kwargs``) of encoded literals."""

    def coerce(self, value: Any) -> Any:
        mapping = isinstance(self.default, dict)
        try:
            if mapping and isinstance(value, dict):
                literals.render_kwargs(value, [f"x{i}" for i in range(64)])
                return dict(value)
            if not mapping and isinstance(value, (list, tuple)):
                return [literals.check(v) for v in value]
        except literals.LiteralError as exc:
            raise ParamError(str(exc)) from None
        raise ParamError(f"expected {'a mapping' if mapping else 'a list'} of encoded literals "
                         f"(see nnbuilder.backbones.literals), got {value!r}")


class _ModuleClassParam(ParamSpec):
    def coerce(self, value: Any) -> Any:
        return check_module_class(value)


class _TextParam(ParamSpec):
    def coerce(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) <= 2000:
            return value
        raise ParamError(f"expected a text of at most 2000 characters, got {type(value).__name__}")


# ----------------------------------------------------------------------------------- Backbone
def backbone_constructor(params: dict[str, Any]) -> str:
    """``torchvision.models.<name>(weights=None)``; for ``features`` the head is re-registered as
    ``nn.Identity()`` in the same expression (no builtins needed), e.g.
    ``(net := torchvision.models.resnet18(weights=None)).register_module('fc', nn.Identity()) or net``."""
    from nnbuilder.backbones.freezing import block_path

    info = get_info(params["model"])
    build = f"torchvision.models.{info.name}(weights=None)"
    if params.get("output", "features") != "features":
        return build
    owner = block_path(f"(net := {build})", info.head_parent) if info.head_parent else f"(net := {build})"
    return f"{owner}.register_module({info.head_child!r}, nn.Identity()) or net"


def _backbone_setup(attr: str, params: dict[str, Any]) -> list[str]:
    from nnbuilder.backbones.freezing import freeze_lines

    return freeze_lines(f"self.{attr}", params.get("freeze", "none"))


class WeightsFileMissing(ParamError):
    """Shipped or local weights that are not there (a validation error, not about the input shape)."""

    about_input = False


def _check_weights_file(weights: str) -> None:
    """Shipped (``resource:``) or local weights must exist before training starts: name the file and the fix."""
    from pathlib import Path

    from nnbuilder.backbones.weights import WeightsError, resource_path

    if weights.startswith("resource:"):
        try:
            resource_path(weights)
        except WeightsError as exc:
            raise WeightsFileMissing(str(exc)) from None
    elif not Path(weights).expanduser().is_file():
        raise WeightsFileMissing(f"weights file {weights!r} does not exist (relative paths are read from the current "
                         "folder); check the path, choose another file, or set weights to null (random init)")


def _backbone_infer(params: dict[str, Any], shapes: Sequence[Shape]) -> dict[str, Any]:
    """Checks that need the model: input layout, weights name, block names.  Fills nothing."""
    from nnbuilder.backbones.catalog import block_names, weights_enum_entry

    info = get_info(params["model"])
    shape = tuple(shapes[0]) if shapes else ()
    if len(shape) != 3 or shape[0] != 3:
        raise ParamError(f"{info.name} expects RGB images of shape (3, H, W), got {list(shape)}; "
                         "set the Input shape to e.g. [3, 224, 224]")
    if info.fixed_size and shape[1:] != (info.fixed_size, info.fixed_size):
        raise ParamError(f"{info.name} needs {info.fixed_size}×{info.fixed_size} images, got {shape[1]}×{shape[2]}; "
                         "resize the input or choose a CNN backbone")
    weights = params.get("weights")
    if weights is not None and (weights.startswith("resource:") or _is_path(weights)):
        _check_weights_file(weights)
    elif weights is not None:
        weights_enum_entry(info.name, weights)
    freeze = params.get("freeze", "none")
    if freeze not in ("all", "none"):
        known = block_names(info.name, params.get("output", "features"))
        unknown = [b for b in freeze if b not in known]
        if unknown:
            raise ParamError(f"freeze: {info.name} has no block {', '.join(map(repr, unknown))}; "
                             f"blocks are {', '.join(known)}")
    return {}


BACKBONE = REGISTRY.register(LayerSpec(
    type="Backbone",
    torch_class="Module",
    category="Pretrained",
    doc="A torchvision image classifier (ResNet, MobileNet, EfficientNet, VGG, DenseNet, ConvNeXt, ViT...) on "
        "(3, H, W) images. 'features' removes the final Linear layer and gives the pooled feature vector "
        "(e.g. 512 for resnet18) to put your own head on; 'logits' keeps the 1000 ImageNet classes. "
        "Pretrained weights are loaded in the app; freeze blocks for transfer learning.",
    params=(
        _ModelParam("model", CHOICE, default="resnet18", choices=tuple(CATALOGUE), ctor=False, always_emit=True,
                    doc="torchvision model name"),
        _WeightsParam("weights", TEXT, default=None, nullable=True, ctor=False,
                      choices=(None, "DEFAULT", "IMAGENET1K_V1", "IMAGENET1K_V2"),
                      doc="null = random init, a torchvision weights name, a local .safetensors/.pth file, or "
                          "shipped weights 'resource:NAME.safetensors'"),
        ParamSpec("output", CHOICE, default="features", choices=OUTPUTS, ctor=False, always_emit=True,
                  doc="'features' = pooled feature vector without the classifier head; 'logits' = 1000 classes"),
        _FreezeParam("freeze", BLOCKS, default="none", ctor=False,
                     doc="'all', 'none', or block names to freeze, e.g. ['conv1', 'bn1', 'layer1']"),
    ),
    constructor=backbone_constructor,
    setup=_backbone_setup,
    imports=("import torchvision",),
    infer=_backbone_infer,
    tags=("pretrained",),
))


# ----------------------------------------------------------------------------------- opaque nodes
_CONTAINERS = {"Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Container"}
_TENSOR_ATTRS = ("shape", "dtype", "device", "ndim", "T", "mT")
BINARY_OPS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%", "pow": "**",
              "matmul": "@", "and_": "&", "or_": "|", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">",
              "ge": ">=", "iadd": "+", "isub": "-", "imul": "*", "itruediv": "/"}
UNARY_OPS = {"neg": "-", "pos": "+", "invert": "~"}
FUNCTION_MODULES = ("torch", "torch.nn.functional")


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


def _ports(params: dict[str, Any]) -> tuple[PortSpec, ...]:
    return tuple(PortSpec(f"in{i}") for i in range(int(params.get("inputs") or 1)))


def _module_constructor(params: dict[str, Any]) -> str:
    name = check_module_class(params["target"])
    return f"nn.{name}({', '.join(literals.render_kwargs(params.get('init') or {}, []))})"


def _module_forward(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    args = [literals.render(a, inputs) for a in params.get("args") or [{"input": i} for i in range(len(inputs))]]
    args += literals.render_kwargs(params.get("kwargs") or {}, inputs)
    return f"self.{attr}({', '.join(args)})"


def _index(obj: Any, inputs: Sequence[str]) -> str:
    """Subscript source: ``x[:, 0]`` rather than ``x[(slice(None, None, None), 0)]``."""
    is_tuple = isinstance(obj, dict) and "tuple" in obj
    items = obj["tuple"] if is_tuple else [obj]
    if not items:
        return "()"
    parts = []
    for item in items:
        if isinstance(item, dict) and "slice" in item and isinstance(item["slice"], list):
            bounds = ["" if b is None else literals.render(b, inputs) for b in item["slice"]]
            parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if bounds[2] else ""))
        else:
            parts.append(literals.render(item, inputs))
    return ", ".join(parts) + ("," if is_tuple and len(items) == 1 else "")


def op_forward(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    """Source of an OpaqueOp call with its inputs substituted."""
    kind, target = params["kind"], check_op(params["kind"], params["target"])
    raw = params.get("args") or []
    args = [literals.render(a, inputs) for a in raw]
    kwargs = literals.render_kwargs(params.get("kwargs") or {}, inputs)
    if kind == "function":
        return f"{target}({', '.join(args + kwargs)})"
    if kind == "method":
        if not args:
            raise ParamError("a method call needs the tensor it is called on as its first argument")
        return f"{args[0]}.{target}({', '.join(args[1:] + kwargs)})"
    if target in BINARY_OPS and len(args) == 2:
        return f"({args[0]} {BINARY_OPS[target]} {args[1]})"
    if target in UNARY_OPS and len(args) == 1:
        return f"({UNARY_OPS[target]}{args[0]})"
    if target == "getitem" and len(args) == 2:
        return f"{args[0]}[{_index(raw[1], inputs)}]"
    if target == "getattr" and len(args) == 2 and raw[1] in _TENSOR_ATTRS:
        return f"{args[0]}.{raw[1]}"
    raise ParamError(f"operator {target!r} with {len(args)} argument(s) is not supported")


_INPUTS = ParamSpec("inputs", INT, default=1, minimum=0, maximum=16, ctor=False, always_emit=True,
                    doc="number of input ports")
_DESCRIPTION = _TextParam("description", TEXT, default="", ctor=False, doc="what the original code did")
_ARGS = _LiteralParam("args", LITERAL, default=(), ctor=False, doc="encoded positional arguments")
_KWARGS = _LiteralParam("kwargs", LITERAL, default={}, ctor=False, doc="encoded keyword arguments")

OPAQUE_MODULE = REGISTRY.register(LayerSpec(
    type="OpaqueModule",
    torch_class="Module",
    category="Imported",
    doc="An imported torch.nn layer that has no layer type of its own (e.g. Hardswish, GroupNorm); it is "
        "rebuilt from its class name and constructor arguments, so its weights still load.",
    params=(
        _ModuleClassParam("target", TEXT, default="Identity", ctor=False, always_emit=True,
                          doc="torch.nn class name"),
        _LiteralParam("init", LITERAL, default={}, ctor=False, doc="encoded constructor arguments"),
        _INPUTS, _ARGS, _KWARGS, _DESCRIPTION,
    ),
    constructor=_module_constructor,
    forward=_module_forward,
    ports_for=_ports,
    tags=("opaque",),
))

OPAQUE_OP = REGISTRY.register(LayerSpec(
    type="OpaqueOp",
    category="Imported",
    doc="An imported tensor operation without a layer type of its own (e.g. x.mean((2, 3)), F.hardswish, "
        "x[:, 0]); it is written back as the same torch call.",
    params=(
        ParamSpec("kind", CHOICE, default="function", choices=("function", "method", "operator"), ctor=False,
                  always_emit=True, doc="how the operation is called"),
        _TextParam("target", TEXT, default="torch.relu", ctor=False, always_emit=True,
                   doc="torch / torch.nn.functional function, Tensor method, or operator name"),
        _INPUTS, _ARGS, _KWARGS, _DESCRIPTION,
    ),
    forward=op_forward,
    ports_for=_ports,
    tags=("opaque",),
))
