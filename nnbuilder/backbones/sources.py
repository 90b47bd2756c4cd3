"""Where an imported model comes from (a torchvision name, ``timm:NAME``, ``FILE.py:Class``) and the
check every import passes before it is written: validate, compile, strict load of the source's own
state dict, identical outputs in eval mode.
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from nnbuilder.backbones.fx_convert import UnsupportedModel
from nnbuilder.backbones.fx_import import ImportResult, import_module, import_module_file


@dataclass
class Source:
    """A constructed source model and the per-sample input shape it expects by default."""

    model: nn.Module
    name: str
    default_shape: tuple[int, ...] | None


def torchvision_names() -> list[str]:
    """Every torchvision classification model (``torchvision.models.list_models``)."""
    import torchvision

    return list(torchvision.models.list_models(module=torchvision.models))


def build_source(spec: str, kwargs: Mapping[str, Any] | None = None) -> Source:
    """Construct the model ``spec`` names with random weights; :class:`UnsupportedModel` names what is wrong."""
    kwargs = dict(kwargs or {})
    if spec.startswith("timm:"):
        return _timm(spec.removeprefix("timm:"), kwargs)
    import torchvision

    names = torchvision_names()
    if spec not in names:
        close = difflib.get_close_matches(spec, names, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UnsupportedModel(f"{spec!r} is not a torchvision classification model; {hint}use one of "
                               "torchvision.models.list_models(module=torchvision.models), timm:NAME, or FILE.py:Class")
    try:
        model = torchvision.models.get_model(spec, weights=None, **kwargs)
    except Exception as exc:  # noqa: BLE001 - constructor errors of any type become one message
        raise UnsupportedModel(f"torchvision.models.{spec}(weights=None, **{kwargs}) failed: "
                               f"{type(exc).__name__}: {exc}") from None
    size = 224 if spec.startswith(("vit_", "maxvit", "swin")) else None
    return Source(model, spec, (3, size or 224, size or 224))


def _timm(name: str, kwargs: dict[str, Any]) -> Source:
    try:
        import timm
    except ImportError:
        raise UnsupportedModel("timm:NAME needs the timm package (pip install timm)") from None
    if name not in timm.list_models():
        close = difflib.get_close_matches(name, timm.list_models(), n=3)
        raise UnsupportedModel(f"timm has no model {name!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
    try:
        model = timm.create_model(name, pretrained=False, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise UnsupportedModel(f"timm.create_model({name!r}, **{kwargs}) failed: {type(exc).__name__}: {exc}") from None
    shape = tuple(int(d) for d in model.pretrained_cfg.get("input_size", ())) or None
    return Source(model, name, shape)


def import_source(spec: str, shapes: Sequence[Sequence[int]] | None, kwargs: Mapping[str, Any] | None = None
                  ) -> tuple[ImportResult, nn.Module, str]:
    """Import ``spec`` (a name, ``timm:NAME`` or ``FILE.py:Class``); file imports need ``shapes``."""
    if ":" in spec and spec.split(":", 1)[0].endswith(".py"):
        if not shapes:
            raise UnsupportedModel("a model from a file needs --shape (the per-sample input shape, e.g. "
                                   "--shape 3 32 32)")
        path, class_name = spec.split(":", 1)
        result = import_module_file(path, class_name, shapes, kwargs)
        assert result.source_model is not None
        return result, result.source_model, class_name
    source = build_source(spec, kwargs)
    if not shapes:
        if source.default_shape is None:
            raise UnsupportedModel(f"{spec} has no default input shape; give --shape")
        shapes = [source.default_shape]
    return import_module(source.model, shapes), source.model, source.name


def verify(result: ImportResult, original: nn.Module, shapes: Sequence[Sequence[int]], dtype: str = "float32",
           run: bool = True) -> None:
    """Raise :class:`UnsupportedModel` unless the imported graph validates, compiles, loads ``original``'s
    state dict strictly and (``run``) gives identical outputs in eval mode on one random batch."""
    from nnbuilder.analysis import analyze
    from nnbuilder.compile import compile_graph

    analysis = analyze(result.doc)
    errors = [i.text() for i in analysis.issues if i.is_error]
    if errors:
        raise UnsupportedModel("the imported graph would not open: " + "; ".join(errors[:3])
                               + (f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""))
    compiled = compile_graph(result.doc, analysis=analysis)
    model = compiled.build()
    try:
        model.load_state_dict(original.state_dict(), strict=True)
    except RuntimeError as exc:
        raise UnsupportedModel(f"the source's weights do not load into the import: {str(exc)[:400]}") from None
    if not run:
        return
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randn(1, *s, generator=generator) if dtype.startswith("float") else
              torch.randint(0, 2, (1, *s), generator=generator) for s in shapes]
    inputs = [t.to(getattr(torch, dtype)) for t in inputs]
    was = original.training
    model.eval()
    original.eval()
    try:
        with torch.no_grad():
            ours, theirs = model(*inputs), original(*inputs)
    finally:
        original.train(was)
    ours, theirs = _tensors(ours), _tensors(theirs)
    if len(ours) != len(theirs) or len(ours) > 1 and len(ours) != len(result_outputs(result)):
        ours, theirs = ours[:1], theirs[:1]  # a namedtuple output: the import keeps the main one
    for a, b in zip(ours, theirs):
        if a.shape != b.shape or not torch.equal(a, b):
            diff = (a - b).abs().max().item() if a.shape == b.shape else f"shapes {list(a.shape)} vs {list(b.shape)}"
            raise UnsupportedModel(f"the import computes different outputs ({diff}); please report this model")


def result_outputs(result: ImportResult) -> list[str]:
    return [n.id for n in result.doc.nodes if n.type == "Output"]


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, Mapping):
        return [next(iter(value.values()))]
    if isinstance(value, (tuple, list)):
        return [v for v in value if isinstance(v, torch.Tensor)]
    raise UnsupportedModel(f"the model returned a {type(value).__name__}, not tensors")


def set_input_dtype(result: ImportResult, dtype: str) -> None:
    """Give every Input node ``dtype`` (``int64`` for token ids)."""
    for node in result.doc.nodes:
        if node.type == "Input":
            node.params["dtype"] = dtype
