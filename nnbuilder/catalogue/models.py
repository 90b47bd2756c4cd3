"""The catalogue of pretrained torchvision classification backbones nnbuilder offers.

The table is plain data so that importing it (from the layer spec) stays cheap; torchvision is
imported only inside the functions that need it.  Every entry is checked against torchvision's own
registry (``torchvision.models.list_models``) by the test-suite.

The *head* of a model is its final ``Linear`` layer.  With ``output="features"`` it is replaced
by ``nn.Identity()`` so the backbone returns the pooled feature vector the classifier would see
(dropout or hidden layers in front of it stay, as in the usual transfer-learning recipe).
"""
from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import Any


class UnknownModel(ValueError):
    """A model name outside the catalogue."""

    def __init__(self, name: object, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"did you mean {', '.join(suggestions)}? " if suggestions else ""
        super().__init__(f"unknown backbone model {name!r}; {hint}"
                         f"available models: nnbuilder.backbones.available_models()")


class UnknownWeights(ValueError):
    """A weights name the model's torchvision weights enum does not have."""


@dataclass(frozen=True)
class BackboneInfo:
    """What nnbuilder needs to know about one torchvision model."""

    name: str
    family: str
    head: str  # dotted path of the final Linear layer (replaced by Identity for features)
    features: int  # size of the pooled feature vector (the head's in_features)
    block_roots: tuple[str, ...] = ()  # containers whose children are also offered for freezing
    fixed_size: int | None = None  # input height/width the model requires (ViT), else any size

    @property
    def head_parent(self) -> str:
        return self.head.rpartition(".")[0]

    @property
    def head_child(self) -> str:
        return self.head.rpartition(".")[2]


def _family(family: str, head: str, sizes: dict[str, int], roots: tuple[str, ...] = (),
            fixed_size: int | None = None) -> dict[str, BackboneInfo]:
    return {name: BackboneInfo(name, family, head, size, roots, fixed_size) for name, size in sizes.items()}


CATALOGUE: dict[str, BackboneInfo] = {
    **_family("resnet", "fc", {"resnet18": 512, "resnet34": 512, "resnet50": 2048, "resnet101": 2048,
                               "resnet152": 2048, "resnext50_32x4d": 2048, "resnext101_32x8d": 2048,
                               "wide_resnet50_2": 2048}),
    **_family("mobilenet_v2", "classifier.1", {"mobilenet_v2": 1280}, ("features",)),
    **_family("mobilenet_v3", "classifier.3", {"mobilenet_v3_small": 1024, "mobilenet_v3_large": 1280},
              ("features",)),
    **_family("efficientnet", "classifier.1", {"efficientnet_b0": 1280, "efficientnet_b1": 1280,
                                               "efficientnet_b2": 1408, "efficientnet_b3": 1536,
                                               "efficientnet_v2_s": 1280}, ("features",)),
    **_family("vgg", "classifier.6", {"vgg11": 4096, "vgg13": 4096, "vgg16": 4096, "vgg19": 4096,
                                      "vgg11_bn": 4096, "vgg16_bn": 4096}),
    **_family("alexnet", "classifier.6", {"alexnet": 4096}),
    **_family("densenet", "classifier", {"densenet121": 1024, "densenet161": 2208, "densenet169": 1664,
                                         "densenet201": 1920}, ("features",)),
    **_family("convnext", "classifier.2", {"convnext_tiny": 768, "convnext_small": 768, "convnext_base": 1024,
                                           "convnext_large": 1536}, ("features",)),
    **_family("shufflenet_v2", "fc", {"shufflenet_v2_x0_5": 1024, "shufflenet_v2_x1_0": 1024}),
    **_family("mnasnet", "classifier.1", {"mnasnet0_5": 1280, "mnasnet1_0": 1280}, ("layers",)),
    **_family("swin", "head", {"swin_t": 768, "swin_s": 768, "swin_b": 1024, "swin_v2_t": 768}, ("features",)),
    **_family("vit", "heads.head", {"vit_b_16": 768, "vit_b_32": 768, "vit_l_16": 1024},
              ("encoder.layers",), fixed_size=224),
}

OUTPUTS = ("features", "logits")
NUM_CLASSES = 1000  # torchvision classifiers are ImageNet-1k


def available_models() -> list[str]:
    """Names of every catalogued model, in palette order."""
    return list(CATALOGUE)


def get_info(name: object) -> BackboneInfo:
    """The catalogue entry for ``name``; raises :class:`UnknownModel` with suggestions."""
    if isinstance(name, str) and name in CATALOGUE:
        return CATALOGUE[name]
    import difflib  # only for a wrong name: the launch path imports this module

    text = str(name).lower().replace("-", "_")
    suggestions = difflib.get_close_matches(text, list(CATALOGUE), n=3, cutoff=0.6)
    raise UnknownModel(name, suggestions)


def output_size(name: str, output: str) -> int:
    """Length of the backbone's output vector for ``output`` ("features" or "logits")."""
    return get_info(name).features if output == "features" else NUM_CLASSES


@functools.cache
def block_names(name: str, output: str = "features") -> tuple[str, ...]:
    """Sub-module names that may be frozen: top-level children with parameters, and the children
    of the family's block containers (e.g. ``features.0`` ... for MobileNet)."""
    return blocks_of(name, build_model(name, output, device="meta"))


def blocks_of(name: str, model: Any) -> tuple[str, ...]:
    """:func:`block_names` of an already built ``model`` of the catalogue entry ``name``."""
    names = [child for child, module in model.named_children() if _has_params(module)]
    for root in get_info(name).block_roots:
        names += [f"{root}.{child}" for child, module in model.get_submodule(root).named_children()
                  if _has_params(module)]
    return tuple(names)


def _has_params(module: Any) -> bool:
    return next(iter(module.parameters()), None) is not None


def build_model(name: str, output: str = "features", device: Any = None) -> Any:
    """A freshly initialised torchvision model (``weights=None``), headless for ``features``."""
    import torch
    import torchvision

    info = get_info(name)
    with torch.device(device) if device is not None else contextlib.nullcontext():
        model = torchvision.models.get_model(info.name, weights=None)
        if output == "features":
            setattr(model.get_submodule(info.head_parent), info.head_child, torch.nn.Identity())
    return model


@dataclass(frozen=True)
class Preprocessing:
    """The input transform a set of weights was trained with (torchvision's ``ImageClassification``)."""

    resize: int
    crop: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    interpolation: str  # "bilinear" or "bicubic"

    def to_dict(self) -> dict[str, Any]:
        return {"resize": self.resize, "crop": self.crop, "mean": list(self.mean), "std": list(self.std),
                "interpolation": self.interpolation}


def weights_names(name: str) -> list[str]:
    """The torchvision weights names for ``name`` (e.g. ``["IMAGENET1K_V1", "DEFAULT"]``)."""
    import torchvision

    return list(torchvision.models.get_model_weights(get_info(name).name).__members__)


def weights_enum_entry(name: str, weights: str) -> Any:
    """The torchvision weights enum member ``weights`` of model ``name`` (no download)."""
    import torchvision

    enum = torchvision.models.get_model_weights(get_info(name).name)
    if weights not in enum.__members__:
        import difflib

        close = difflib.get_close_matches(weights, list(enum.__members__), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UnknownWeights(f"{name} has no weights {weights!r}; {hint}choose one of "
                         f"{', '.join(enum.__members__)}, a .safetensors/.pth file, or null")
    return enum[weights]


def preprocessing(name: str, weights: str | None = "DEFAULT") -> Preprocessing:
    """The resize/crop/mean/std for ``weights``; file weights and random init use DEFAULT's."""
    key = weights if weights and not _is_path(weights) else "DEFAULT"
    transform = weights_enum_entry(name, key).transforms()
    return Preprocessing(resize=int(transform.resize_size[0]), crop=int(transform.crop_size[0]),
                         mean=tuple(float(v) for v in transform.mean), std=tuple(float(v) for v in transform.std),
                         interpolation=str(transform.interpolation.value))


WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt")


def _is_path(value: str) -> bool:
    return value.lower().endswith(WEIGHT_SUFFIXES) or "/" in value or "\\" in value
