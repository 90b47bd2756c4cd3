"""Loading pretrained weights into a backbone: torchvision weights, local .safetensors or .pth files.

A user's ``.pth``/``.pt`` file is opened with ``torch.load(weights_only=True)`` only, so a file
carrying arbitrary pickled Python objects is refused before any of its code runs.
"""
from __future__ import annotations

import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnbuilder.catalogue.models import WEIGHT_SUFFIXES, _is_path, get_info, weights_enum_entry
from nnbuilder.catalogue.resources import (
    RESOURCE_PREFIX,
    WeightsError,
    WeightsUnavailable,
    check_resource_name,
    is_resource,
    resource_dirs,
    resource_path,
)

__all__ = ["RESOURCE_PREFIX", "LoadedWeights", "UnsafeWeights", "WeightsError", "WeightsMismatch",
           "WeightsUnavailable", "apply_backbone_weights", "check_resource_name", "is_resource", "load_weights",
           "read_state_dict", "resource_dirs", "resource_path", "torchvision_state_dict"]

_SHOW = 8  # keys listed per category in error messages


class UnsafeWeights(WeightsError):
    """A .pth/.pt file holding Python objects other than tensors; it was not executed."""


class WeightsMismatch(WeightsError):
    """A state dict whose keys or shapes do not fit the model."""

    def __init__(self, source: str, missing: list[str], unexpected: list[str],
                 shapes: list[tuple[str, tuple[int, ...], tuple[int, ...]]]) -> None:
        self.missing, self.unexpected, self.shapes = missing, unexpected, shapes
        parts = []
        if missing:
            parts.append(f"missing keys ({len(missing)}): {_some(missing)}")
        if unexpected:
            parts.append(f"unexpected keys ({len(unexpected)}): {_some(unexpected)}")
        if shapes:
            shown = [f"{k} file {list(a)} vs model {list(b)}" for k, a, b in shapes[:_SHOW]]
            parts.append(f"shape mismatches ({len(shapes)}): {', '.join(shown)}")
        super().__init__(f"weights from {source} do not fit this model ({'; '.join(parts)}); "
                         "check that the file was saved from the same architecture")


@dataclass(frozen=True)
class LoadedWeights:
    """What :func:`load_weights` did."""

    source: str
    tensors: int
    ignored: tuple[str, ...] = ()  # head keys dropped because the head was removed


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Tensors from a ``.safetensors`` file, or from a ``.pth``/``.pt`` file via ``weights_only``."""
    file = Path(path).expanduser()
    if file.suffix.lower() not in WEIGHT_SUFFIXES:
        raise WeightsUnavailable(f"{file}: unsupported weights file type; use .safetensors, .pth or .pt")
    if not file.is_file():
        raise WeightsUnavailable(f"weights file {file} does not exist; check the path or choose another file")
    if file.suffix.lower() == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(file), device="cpu")
        except Exception as exc:  # safetensors raises its own SafetensorError
            raise WeightsUnavailable(f"{file} is not a readable safetensors file: {exc}") from exc
    try:
        obj = torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeWeights(f"refused to load {file}: it contains Python objects other than tensors, which "
                            "could run arbitrary code (torch.load weights_only=True rejected it). Re-save it "
                            "with torch.save(model.state_dict(), path) or convert it to .safetensors. "
                            f"Detail: {str(exc).splitlines()[0]}") from None
    except (RuntimeError, OSError, EOFError) as exc:
        raise WeightsUnavailable(f"{file} is not a readable PyTorch weights file: {exc}") from exc
    return _tensors(obj, file)


def _tensors(obj: Any, file: Path) -> dict[str, torch.Tensor]:
    for key in ("state_dict", "model_state_dict", "model"):  # common checkpoint layouts
        if isinstance(obj, Mapping) and isinstance(obj.get(key), Mapping):
            obj = obj[key]
            break
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsUnavailable(f"{file} does not hold a state dict (a mapping of names to tensors)")
    return {str(k): v for k, v in obj.items()}


def torchvision_state_dict(model_name: str, weights: str) -> dict[str, torch.Tensor]:
    """Download (or read from the torch cache) torchvision's ``weights`` for ``model_name``."""
    import urllib.error

    entry = weights_enum_entry(model_name, weights)
    try:
        return entry.get_state_dict(progress=False, check_hash=True)
    except (urllib.error.URLError, OSError, ConnectionError, TimeoutError) as exc:
        hub = Path(torch.hub.get_dir()) / "checkpoints"
        raise WeightsUnavailable(
            f"could not download {model_name} weights {entry.name} from {entry.url} ({exc}). Connect to the "
            f"network once, or put the file in {hub}, or choose a local .safetensors/.pth file, "
            "or use weights null (random init)") from None


def load_weights(model: nn.Module, spec_value: str | None, model_name: str, output: str = "features",
                 ) -> LoadedWeights | None:
    """Load ``spec_value`` (null, a torchvision weights name, or a file path) into ``model`` in place.

    ``model`` is the torchvision model nnbuilder built (headless for ``features``); head keys in
    the source are ignored in that case.  Keys and shapes must otherwise match exactly.
    """
    if spec_value is None:
        return None
    info = get_info(model_name)
    if is_resource(spec_value):
        source = str(spec_value)
        state = read_state_dict(resource_path(spec_value))
    elif _is_path(spec_value):
        source = str(spec_value)
        state = read_state_dict(spec_value)
    else:
        source = f"torchvision {model_name} {spec_value}"
        state = torchvision_state_dict(model_name, spec_value)
    ignored: tuple[str, ...] = ()
    if output == "features":
        ignored = tuple(k for k in state if k.startswith(info.head + "."))
        state = {k: v for k, v in state.items() if k not in ignored}
    check_state_dict(model, state, source)
    model.load_state_dict(state, strict=True)
    return LoadedWeights(source, len(state), ignored)


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Raise :class:`WeightsMismatch` unless ``state`` has exactly ``model``'s keys and shapes."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [(k, tuple(v.shape), tuple(own[k].shape)) for k, v in state.items()
              if k in own and tuple(v.shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        raise WeightsMismatch(source, missing, unexpected, shapes)


def apply_backbone_weights(module: nn.Module, params: Mapping[str, Any]) -> LoadedWeights | None:
    """Load a Backbone node's ``weights`` into ``module``, the compiled node's sub-module.

    ``params`` are the node's parameters (``model``, ``weights``, ``output``...); they are
    validated with the Backbone spec first.  Freezing is already applied by the generated code.
    """
    from nnbuilder.layers.pretrained import BACKBONE

    clean, errors = BACKBONE.normalize(dict(params))
    if errors:
        raise ValueError("invalid Backbone parameters: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    return load_weights(module, clean["weights"], clean["model"], clean["output"])


def _some(keys: list[str]) -> str:
    shown = ", ".join(keys[:_SHOW])
    return shown + (f", … (+{len(keys) - _SHOW} more)" if len(keys) > _SHOW else "")
