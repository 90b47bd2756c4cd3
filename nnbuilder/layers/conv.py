"""Convolution and pooling layers for 1-d sequences and 2-d images."""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import BOOL, CHOICE, INT, INTS, LayerSpec, ParamSpec

_SEQ = "(C, L) per sample"
_IMG = "(C, H, W) per sample"


def _rank(dims: int) -> dict:
    """The input facts of a ``dims``-d layer: rank and layout named in errors."""
    return {"input_ranks": (dims + 1,), "input_layout": "(C, L)" if dims == 1 else "(C, H, W)"}


def _conv(dims: int) -> None:
    layout = _SEQ if dims == 1 else _IMG
    REGISTRY.register(LayerSpec(
        type=f"Conv{dims}d",
        torch_class=f"Conv{dims}d",
        category="Convolution",
        doc=f"{dims}-d convolution over {layout}: out_channels filters of size kernel_size slide over "
            "the input. Parameters: in_channels·out_channels·k + out_channels.",
        params=(
            ParamSpec("in_channels", INT, minimum=1, inferred=True, doc="input channels (C)"),
            ParamSpec("out_channels", INT, default=16, minimum=1, maximum=100_000, always_emit=True,
                      doc="number of filters"),
            ParamSpec("kernel_size", INTS, default=3, minimum=1, maximum=1024, length=dims,
                      always_emit=True, doc="filter size"),
            ParamSpec("stride", INTS, default=1, minimum=1, maximum=1024, length=dims, doc="step between windows"),
            ParamSpec("padding", INTS, default=0, minimum=0, maximum=1024, length=dims,
                      choices=("same", "valid"), doc="zero padding on each side, or 'same'/'valid'"),
            ParamSpec("dilation", INTS, default=1, minimum=1, maximum=1024, length=dims, doc="spacing of kernel taps"),
            ParamSpec("groups", INT, default=1, minimum=1, maximum=100_000, doc="grouped convolution"),
            ParamSpec("bias", BOOL, default=True, doc="learn a bias per filter"),
            ParamSpec("padding_mode", CHOICE, default="zeros", choices=("zeros", "reflect", "replicate", "circular"),
                      doc="how the border is padded"),
        ),
        infer=lambda params, shapes: {"in_channels": shapes[0][0] if len(shapes[0]) == dims + 1 else None},
        id_prefix="conv",
        **_rank(dims),
    ))


def _pool(kind: str, dims: int) -> None:
    layout = _SEQ if dims == 1 else _IMG
    params = [
        ParamSpec("kernel_size", INTS, default=2, minimum=1, maximum=1024, length=dims, always_emit=True,
                  doc="window size"),
        ParamSpec("stride", INTS, default=None, nullable=True, minimum=1, maximum=1024, length=dims,
                  doc="step between windows (null = kernel_size)"),
        ParamSpec("padding", INTS, default=0, minimum=0, maximum=1024, length=dims, doc="implicit padding"),
        ParamSpec("ceil_mode", BOOL, default=False, doc="round the output size up"),
    ]
    what = "maximum" if kind == "Max" else "average"
    REGISTRY.register(LayerSpec(
        type=f"{kind}Pool{dims}d",
        torch_class=f"{kind}Pool{dims}d",
        category="Pooling",
        doc=f"Takes the {what} over each kernel_size window of {layout}; no parameters.",
        params=tuple(params),
        **_rank(dims),
    ))


def _adaptive(kind: str, dims: int) -> None:
    what = "maximum" if kind == "Max" else "average"
    REGISTRY.register(LayerSpec(
        type=f"Adaptive{kind}Pool{dims}d",
        torch_class=f"Adaptive{kind}Pool{dims}d",
        category="Pooling",
        doc=f"Pools to a fixed output_size whatever the input size ({what}); output_size 1 is global pooling.",
        params=(ParamSpec("output_size", INTS, default=1, minimum=1, maximum=4096, length=dims,
                          always_emit=True, doc="output length / (H, W)"),),
        **_rank(dims),
    ))


for _d in (1, 2):
    _conv(_d)
for _d in (1, 2):
    _pool("Max", _d)
    _pool("Avg", _d)
    _adaptive("Avg", _d)
    _adaptive("Max", _d)
