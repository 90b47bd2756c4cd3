"""Pretrained torchvision backbones above the graph: weights loading, fx model import, expanding a Backbone.

The catalogue, freezing and literals live in :mod:`nnbuilder.catalogue` (below the layer registry); their
names stay importable from here.  Attributes are imported on first use, and torchvision only by the
functions that need it.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "catalog": ("CATALOGUE", "BackboneInfo", "Preprocessing", "UnknownModel", "available_models", "block_names",
                "build_model", "get_info", "output_size", "preprocessing", "weights_names"),
    "freezing": ("FreezeError", "freeze", "trainable_counts", "unfreeze"),
    "weights": ("LoadedWeights", "UnsafeWeights", "WeightsError", "WeightsMismatch", "WeightsUnavailable",
                "apply_backbone_weights", "load_weights", "read_state_dict"),
    "fx_import": ("ImportResult", "import_module", "import_module_file", "import_torchvision", "remap_state_dict"),
    "fx_convert": ("UnsupportedModel",),
    "expand": ("expand_backbone",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = [name for names in _EXPORTS.values() for name in names]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'nnbuilder.backbones' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"nnbuilder.backbones.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
