"""`validate` checks a Backbone's weights file without loading it: present, safe, and fitting the model.

Only the file's header is read (safetensors' key and shape table; a ``.pth`` is opened memory-mapped
with ``weights_only=True``, so a pickle carrying code is refused and no tensor data is read). The
model's expected keys come from building the node's module on the meta device. torchvision weight
names are not checked here: they may need a download, which validation never starts.
"""
from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnbuilder.analysis.issues import Issue
from nnbuilder.backbones.weights import (
    UnsafeWeights,
    WeightsError,
    WeightsMismatch,
    WeightsUnavailable,
    is_resource,
    resource_path,
)
from nnbuilder.catalogue.models import _is_path, get_info


def weights_issues(project: Any, analysis: Any) -> list[Issue]:
    """An error Issue for every Backbone whose weights file is missing, unsafe or does not fit."""
    issues = []
    for node in project.graph.nodes:
        value = node.params.get("weights") if node.type == "Backbone" else None
        if not isinstance(value, str) or not (is_resource(value) or _is_path(value)):
            continue
        info = analysis.nodes.get(node.id)
        try:
            file = resource_path(value) if is_resource(value) else Path(value).expanduser()
            shapes = header_shapes(file)
            if info is not None and info.ctor and info.output_shape is not None:
                _check_fit(info.ctor, shapes, str(value), node.params)
        except WeightsError as exc:
            issues.append(Issue("param", str(exc), node.id, hint="fix the path in the Backbone's weights, or "
                                                                   "set weights to null (random init)"))
    return issues


def header_shapes(file: Path) -> dict[str, tuple[int, ...]]:
    """Key → shape of a weights file, reading no tensor data."""
    if not file.is_file():
        raise WeightsUnavailable(f"weights file {file} does not exist")
    if file.suffix.lower() == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(file), "pt") as fh:
                return {k: tuple(fh.get_slice(k).get_shape()) for k in fh.keys()}  # noqa: SIM118 - not a dict
        except Exception as exc:  # noqa: BLE001 - SafetensorError and friends
            raise WeightsUnavailable(f"{file} is not a readable safetensors file: {exc}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's pickle-protocol notes: the verdict below is the message
            obj = _load_meta(file)
    except pickle.UnpicklingError:
        raise UnsafeWeights(f"{file} contains Python objects other than tensors (refused, not run); re-save it "
                            "with torch.save(model.state_dict(), path) or convert it to .safetensors") from None
    except (RuntimeError, OSError, EOFError, ValueError) as exc:
        raise WeightsUnavailable(f"{file} is not a readable PyTorch weights file: {str(exc)[:300]}") from None
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsUnavailable(f"{file} does not hold a state dict (a mapping of names to tensors)")
    return {str(k): tuple(v.shape) for k, v in obj.items()}


def _load_meta(file: Path) -> Any:
    """``torch.load(weights_only=True)`` onto meta, memory-mapped where the format allows (no data read)."""
    try:
        return torch.load(file, map_location="meta", weights_only=True, mmap=True)
    except RuntimeError as exc:  # a legacy (non-zip) file cannot be memory-mapped: read it, still weights_only
        if "mmap" not in str(exc):
            raise
        return torch.load(file, map_location="meta", weights_only=True)


def _check_fit(ctor: str, shapes: dict[str, tuple[int, ...]], source: str, params: dict) -> None:
    import torchvision

    with torch.device("meta"):
        module = eval(ctor, {"torch": torch, "nn": nn, "torchvision": torchvision}, {})
    own = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    if params.get("output", "features") == "features":
        head = get_info(params.get("model", "")).head + "."
        shapes = {k: v for k, v in shapes.items() if not k.startswith(head)}
        own = {k: v for k, v in own.items() if not k.startswith(head)}  # the compiled node replaces the head
    missing = [k for k in own if k not in shapes]
    unexpected = [k for k in shapes if k not in own]
    wrong = [(k, v, own[k]) for k, v in shapes.items() if k in own and v != own[k]]
    if missing or unexpected or wrong:
        raise WeightsMismatch(source, missing, unexpected, wrong)
