"""Common layers beyond the course catalogue that real models use: mobile activations (ReLU6, Hardswish,
Hardsigmoid, SiLU, Mish), GroupNorm and InstanceNorm, padding, Upsample and PixelShuffle.  An imported
model's layers of these types become ordinary, editable nodes instead of opaque ones."""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import BOOL, CHOICE, FLOAT, INT, INTS, LayerSpec, ParamSpec

_ACTIVATIONS = {
    "ReLU6": "min(max(0, x), 6): ReLU capped at 6, used by MobileNet for low-precision friendliness.",
    "Hardswish": "x·ReLU6(x + 3)/6: a cheap swish used by MobileNetV3.",
    "Hardsigmoid": "ReLU6(x + 3)/6: a cheap sigmoid used in squeeze-and-excitation gates.",
    "SiLU": "x·sigmoid(x) (swish): the smooth activation of EfficientNet.",
    "Mish": "x·tanh(softplus(x)): a smooth, non-monotonic activation.",
}
for _name, _doc in _ACTIVATIONS.items():
    REGISTRY.register(LayerSpec(type=_name, torch_class=_name, category="Activation", doc=_doc))

REGISTRY.register(LayerSpec(
    type="GroupNorm",
    torch_class="GroupNorm",
    category="Normalisation",
    doc="Normalises groups of channels within each sample (independent of the batch size); "
        "num_channels must be divisible by num_groups.",
    params=(
        ParamSpec("num_groups", INT, default=1, minimum=1, maximum=100_000, always_emit=True,
                  doc="channel groups normalised together"),
        ParamSpec("num_channels", INT, minimum=1, inferred=True, doc="channels (C)"),
        ParamSpec("eps", FLOAT, default=1e-5, minimum=0.0, maximum=1.0, doc="added to the variance"),
        ParamSpec("affine", BOOL, default=True, doc="learn scale and shift per channel"),
    ),
    infer=lambda params, shapes: {"num_channels": shapes[0][0]},
))


def _instancenorm(dims: int) -> None:
    layout = "(C, L)" if dims == 1 else "(C, H, W)"
    REGISTRY.register(LayerSpec(
        type=f"InstanceNorm{dims}d",
        torch_class=f"InstanceNorm{dims}d",
        category="Normalisation",
        doc=f"Normalises each channel of each sample {layout} over its own positions (style transfer, GANs).",
        params=(
            ParamSpec("num_features", INT, minimum=1, inferred=True, doc="channels (C)"),
            ParamSpec("eps", FLOAT, default=1e-5, minimum=0.0, maximum=1.0, doc="added to the variance"),
            ParamSpec("momentum", FLOAT, default=0.1, minimum=0.0, maximum=1.0, nullable=True,
                      doc="running-statistics momentum"),
            ParamSpec("affine", BOOL, default=False, doc="learn scale and shift"),
            ParamSpec("track_running_stats", BOOL, default=False, doc="keep running statistics for evaluation"),
        ),
        infer=lambda params, shapes: {"num_features": shapes[0][0]},
    ))


_instancenorm(1)
_instancenorm(2)

for _kind, _what in (("Zero", "zeros"), ("Reflection", "the mirrored border"), ("Replication", "the edge value")):
    REGISTRY.register(LayerSpec(
        type=f"{_kind}Pad2d",
        torch_class=f"{_kind}Pad2d",
        category="Convolution",
        doc=f"Pads (C, H, W) images with {_what}: one int for every side or (left, right, top, bottom).",
        params=(ParamSpec("padding", INTS, default=1, minimum=0, maximum=1024, always_emit=True,
                          doc="pixels added per side"),),
    ))

REGISTRY.register(LayerSpec(
    type="Upsample",
    torch_class="Upsample",
    category="Convolution",
    doc="Enlarges (C, L) or (C, H, W) by scale_factor (nearest or (bi)linear interpolation), as in U-Nets.",
    params=(
        ParamSpec("scale_factor", FLOAT, default=2.0, minimum=1e-3, maximum=1000.0, always_emit=True,
                  doc="size multiplier"),
        ParamSpec("mode", CHOICE, default="nearest", choices=("nearest", "linear", "bilinear", "bicubic"),
                  doc="interpolation"),
    ),
))

REGISTRY.register(LayerSpec(
    type="PixelShuffle",
    torch_class="PixelShuffle",
    category="Reshape",
    doc="(C·r², H, W) -> (C, H·r, W·r): sub-pixel upsampling for super-resolution.",
    params=(ParamSpec("upscale_factor", INT, default=2, minimum=1, maximum=64, always_emit=True,
                      doc="r"),),
))
