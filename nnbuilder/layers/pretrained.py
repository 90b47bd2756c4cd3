"""The ``Backbone`` layer: a torchvision image classifier, pretrained weights loaded from outside the file.

``Backbone`` builds a torchvision classifier with ``weights=None``; the trained or pretrained weights are
loaded by the app (``nnbuilder.backbones.apply_backbone_weights``) or come from a checkpoint, never from
the exported file.  torchvision and torch are imported lazily so that importing this module stays cheap.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from nnbuilder.catalogue.models import CATALOGUE, OUTPUTS, UnknownModel, UnknownWeights, _is_path, get_info
from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import BLOCKS, CHOICE, PRETRAINED, TEXT, LayerSpec, ParamError, ParamSpec, Shape

_WEIGHTS_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _model_name(param: ParamSpec, value: Any) -> Any:
    try:
        return get_info(value).name
    except UnknownModel as exc:
        raise ParamError(str(exc)) from None


def _weights(param: ParamSpec, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and value.startswith("resource:"):
        from nnbuilder.catalogue.resources import WeightsError, check_resource_name

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


def _freeze(param: ParamSpec, value: Any) -> Any:
    from nnbuilder.catalogue.freezing import FreezeError, check_block_name

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


def backbone_constructor(params: dict[str, Any]) -> str:
    """``torchvision.models.<name>(weights=None)``; pretrained weights are loaded from outside the file."""
    return f"torchvision.models.{get_info(params['model']).name}(weights=None)"


def _backbone_setup(attr: str, params: dict[str, Any]) -> list[str]:
    """``__init__`` lines after the constructor: for ``features`` the classifier head becomes
    ``nn.Identity()`` (``self.backbone.fc = nn.Identity()``), then the frozen blocks."""
    from nnbuilder.catalogue.freezing import block_path, freeze_lines

    lines = []
    if params.get("output", "features") == "features":
        info = get_info(params["model"])
        head = f"{info.head_parent}.{info.head_child}" if info.head_parent else info.head_child
        lines.append(f"{block_path(f'self.{attr}', head)} = nn.Identity()  # features: the classifier head removed")
    return lines + freeze_lines(f"self.{attr}", params.get("freeze", "none"))


class WeightsFileMissing(ParamError):
    """Shipped or local weights that are not there (a validation error, not about the input shape)."""

    about_input = False


def _check_weights_file(weights: str) -> None:
    """Shipped (``resource:``) or local weights must exist before training starts: name the file and the fix."""
    from pathlib import Path

    from nnbuilder.catalogue.resources import WeightsError, resource_path

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
    from nnbuilder.catalogue.models import block_names, weights_enum_entry

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
        try:
            weights_enum_entry(info.name, weights)
        except UnknownWeights as exc:
            raise ParamError(str(exc)) from None
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
        ParamSpec("model", CHOICE, check=_model_name, default="resnet18", choices=tuple(CATALOGUE), ctor=False, always_emit=True,
                    doc="torchvision model name"),
        ParamSpec("weights", TEXT, check=_weights, default=None, nullable=True, ctor=False,
                      choices=(None, "DEFAULT", "IMAGENET1K_V1", "IMAGENET1K_V2"),
                      doc="null = random init, a torchvision weights name, a local .safetensors/.pth file, or "
                          "shipped weights 'resource:NAME.safetensors'"),
        ParamSpec("output", CHOICE, default="features", choices=OUTPUTS, ctor=False, always_emit=True,
                  doc="'features' = pooled feature vector without the classifier head; 'logits' = 1000 classes"),
        ParamSpec("freeze", BLOCKS, check=_freeze, default="none", ctor=False,
                     doc="'all', 'none', or block names to freeze, e.g. ['conv1', 'bn1', 'layer1']"),
    ),
    constructor=backbone_constructor,
    setup=_backbone_setup,
    imports=("import torchvision",),
    infer=_backbone_infer,
    tags=(PRETRAINED,),
    id_prefix="backbone",
))
