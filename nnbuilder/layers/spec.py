"""Declarative layer specifications: the one source of truth per layer type.

A :class:`LayerSpec` says everything the rest of nnbuilder needs about a layer:
its palette category and doc, its ports, its typed parameters (with defaults,
ranges and which ones are inferred from the input shape), and how it turns into
Python source (a constructor expression and a forward expression).  The palette,
inspector, validation, shape inference, compiler and exporter all read it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from nnbuilder.schema import (  # noqa: F401 - the kinds and the error, importable from here as before
    BLOCKS,
    BOOL,
    CHOICE,
    DTYPE,
    DTYPES,
    FLOAT,
    INT,
    INTS,
    LITERAL,
    SHAPE,
    TEXT,
    ParamError,
    unknown_message,
)
from nnbuilder.schema import Param as ParamSpec  # the one schema class, under its layer name

Shape = tuple[int, ...]


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
                errors[str(name)] = unknown_message(name, known, noun=f"parameter for {self.type}")
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
