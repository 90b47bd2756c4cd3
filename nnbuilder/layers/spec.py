"""Declarative layer specifications: the one source of truth per layer type.

A :class:`LayerSpec` says everything the rest of nnbuilder needs about a layer:
its palette category and doc, its ports, its typed parameters (with defaults,
ranges and which ones are inferred from the input shape), and how it turns into
Python source (a constructor expression and a forward expression).  The palette,
inspector, validation, shape inference, compiler and exporter all read it.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

Shape = tuple[int, ...]

# Parameter kinds understood by validation and by the inspector.
INT = "int"
FLOAT = "float"
BOOL = "bool"
CHOICE = "choice"  # one of ``choices`` (str, int or None)
INTS = "ints"  # an int or a tuple of ints (kernel_size=3 or (3, 5)); may also allow ``choices``
SHAPE = "shape"  # a list of positive ints (a per-sample shape)
DTYPE = "dtype"  # a tensor dtype name, e.g. "float32"
TEXT = "text"  # free text, validated by the parameter itself
BLOCKS = "blocks"  # "all", "none" or a list of block names
LITERAL = "literal"  # an encoded literal (see nnbuilder.catalogue.literals)

DTYPES = ("float32", "float64", "int64")


class ParamError(ValueError):
    """A parameter value that does not fit its :class:`ParamSpec`."""


@dataclass(frozen=True)
class ParamSpec:
    """One typed parameter of a layer.

    ``ctor`` parameters are constructor arguments of the torch module and keep
    torch's argument name; the others steer the forward expression (e.g. which
    output of an LSTM is used).  ``inferred`` parameters may be ``None`` in the
    project file and are then resolved from the incoming shape.
    """

    name: str
    kind: str
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    length: int | None = None  # fixed tuple length for INTS (e.g. 2 for 2-d kernels)
    nullable: bool = False
    required: bool = False  # must be given by the user (no sensible default)
    inferred: bool = False
    ctor: bool = True
    always_emit: bool = False  # write it in generated code even when equal to the default

    def coerce(self, value: Any) -> Any:
        """Return ``value`` in canonical form or raise :class:`ParamError`."""
        if value is None:
            if self.nullable or self.inferred:
                return None
            if self.kind == CHOICE and None in self.choices:
                return None
            raise ParamError("a value is required")
        kind = self.kind
        if kind == BOOL:
            if isinstance(value, bool):
                return value
            raise ParamError(f"expected true or false, got {_show(value)}")
        if kind == INT:
            return self._check_range(_as_int(value))
        if kind == FLOAT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParamError(f"expected a number, got {_show(value)}")
            number = float(value)
            if not math.isfinite(number):
                raise ParamError(f"expected a finite number, got {value!r}")
            return self._check_range(number)
        if kind == CHOICE:
            if value in self.choices and type(value) in {type(c) for c in self.choices}:
                return value
            raise ParamError(f"expected one of {_choices(self.choices)}, got {_show(value)}")
        if kind == DTYPE:
            if isinstance(value, str) and value in DTYPES:
                return value
            raise ParamError(f"expected one of {_choices(DTYPES)}, got {_show(value)}")
        if kind == INTS:
            if isinstance(value, str) and value in self.choices:
                return value
            if isinstance(value, (list, tuple)):
                items = tuple(self._check_range(_as_int(v)) for v in value)
                if self.length is not None and len(items) != self.length:
                    raise ParamError(f"expected an int or {self.length} ints, got {len(items)} values")
                if not items:
                    raise ParamError("expected at least one int")
                return items
            try:
                return self._check_range(_as_int(value))
            except ParamError:
                extra = f" or one of {_choices(self.choices)}" if self.choices else ""
                raise ParamError(f"expected an int or a list of ints{extra}, got {_show(value)}") from None
        if kind == SHAPE:
            if not isinstance(value, (list, tuple)) or not value:
                raise ParamError(f"expected a non-empty list of positive ints, got {_show(value)}")
            if len(value) > 8:
                raise ParamError(f"at most 8 dimensions are supported, got {len(value)}")
            dims = tuple(_as_int(v) for v in value)
            if any(d < 1 or d > 1_000_000_000 for d in dims):
                raise ParamError(f"dimensions must be between 1 and 1e9, got {list(dims)}")
            return dims
        raise ParamError(f"unknown parameter kind {kind!r}")  # pragma: no cover - spec bug

    def _check_range(self, number: Any) -> Any:
        if self.minimum is not None and number < self.minimum:
            raise ParamError(f"must be ≥ {_num(self.minimum)}, got {number!r}")
        if self.maximum is not None and number > self.maximum:
            raise ParamError(f"must be ≤ {_num(self.maximum)}, got {number!r}")
        return number

    def describe(self) -> str:
        """A one-line human description of the accepted values."""
        parts = [self.kind]
        if self.minimum is not None or self.maximum is not None:
            lo = "" if self.minimum is None else _num(self.minimum)
            hi = "" if self.maximum is None else _num(self.maximum)
            parts.append(f"[{lo}, {hi}]")
        if self.choices:
            parts.append(_choices(self.choices))
        if self.inferred:
            parts.append("auto from input shape")
        return " ".join(parts)


@dataclass(frozen=True)
class PortSpec:
    """A named input or output port; optional inputs may stay unconnected."""

    name: str
    optional: bool = False


# Signatures of the callables a spec carries.
InferFn = Callable[[dict[str, Any], Sequence[Shape]], dict[str, Any]]
ForwardFn = Callable[[str, Sequence[str], dict[str, Any]], str]
PortsFn = Callable[[dict[str, Any]], tuple[PortSpec, ...]]


class Role(str, Enum):
    """How analysis and code generation treat a node (string-valued: ``Role.INPUT == "input"``)."""

    INPUT = "input"  # a model input: its shape and dtype come from its params
    OUTPUT = "output"  # a model output: forward returns what is connected to it
    MERGE = "merge"  # joins several same-ranked tensors (element-wise, or along ``dim``)
    LAYER = "layer"  # everything else


PRETRAINED = "pretrained"  # tag: a whole pretrained network whose weights are loaded from outside the file
OPAQUE = "opaque"  # tag: a node only a model import creates (not offered in the palette)


def call_module(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    """Default forward expression: ``self.<attr>(<first input>)``."""
    return f"self.{attr}({inputs[0]})"


@dataclass(frozen=True)
class LayerSpec:
    """Everything nnbuilder knows about one layer type.

    ``torch_class`` is the ``torch.nn`` class name for module layers (the node
    ``type`` equals it) or ``None`` for graph operations such as ``Add``.
    ``forward`` returns a Python expression computing the node output from the
    variable names of its inputs; it is evaluated verbatim for shape inference
    and written verbatim into the generated module.
    """

    type: str
    category: str
    doc: str
    params: tuple[ParamSpec, ...] = ()
    torch_class: str | None = None
    inputs: tuple[PortSpec, ...] = (PortSpec("in"),)
    outputs: tuple[PortSpec, ...] = (PortSpec("out"),)
    forward: ForwardFn = call_module
    infer: InferFn | None = None
    ports_for: PortsFn | None = None  # input ports that depend on params (merges)
    input_dtype: str | None = None  # "int64" for Embedding
    constructor: Callable[[dict[str, Any]], str] | None = None  # custom ctor expression (backbones)
    setup: Callable[[str, dict[str, Any]], list[str]] | None = None  # extra __init__ lines (freezing)
    imports: tuple[str, ...] = ()  # extra import lines the generated file needs ("import torchvision")
    tags: tuple[str, ...] = field(default_factory=tuple)
    # Facts analysis, commands and the dashboard read instead of tables of type names.  Every one has a
    # default so a new layer registers with only the fields above.
    role: Role = Role.LAYER
    input_ranks: tuple[int, ...] = ()  # accepted per-sample ranks of the first input; () = any
    input_layout: str = ""  # the expected per-sample layout named in rank errors, e.g. "(C, H, W)"
    rank_hint: str = ""  # the fix a wrong-rank error suggests where the generic one does not fit
    integer_inputs: bool = False  # takes integer tensors (ids): it only moves or merges values, or embeds them
    id_prefix: str = ""  # new node ids start with it ("fc1" for Linear); "" = the type in lower case
    exact_zeros: bool = False  # an activation with exact zeros in its output (ReLU): dead units are countable

    @property
    def pretrained(self) -> bool:
        """A whole pretrained network (its weights come from outside the project file)."""
        return PRETRAINED in self.tags

    def new_id_base(self) -> str:
        """The id a freshly dropped node of this type starts from (before making it unique)."""
        return (self.id_prefix or self.type.lower()) + "1"

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        """Parameters a freshly dropped node starts with (inferred ones left to the graph)."""
        return {p.name: (None if p.inferred else p.default) for p in self.params}

    def input_ports(self, params: dict[str, Any]) -> tuple[PortSpec, ...]:
        return self.ports_for(params) if self.ports_for else self.inputs

    def normalize(self, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Coerce ``params`` to canonical values; return them and per-param errors.

        Missing parameters take their defaults; unknown names are errors.
        """
        clean: dict[str, Any] = {}
        errors: dict[str, str] = {}
        known = {p.name for p in self.params}
        for name in params:
            if name not in known:
                hint = f"; known parameters: {', '.join(sorted(known))}" if known else ""
                errors[str(name)] = f"unknown parameter for {self.type}{hint}"
        for p in self.params:
            if p.name in params:
                try:
                    clean[p.name] = p.coerce(params[p.name])
                except ParamError as exc:
                    errors[p.name] = str(exc)
            elif p.required:
                errors[p.name] = "is required"
            else:
                clean[p.name] = None if p.inferred else p.default
        return clean, errors


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ParamError(f"expected an integer, got {_show(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    raise ParamError(f"expected an integer, got {_show(value)}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _choices(choices: Sequence[Any]) -> str:
    return ", ".join("null" if c is None else repr(c) for c in choices)
