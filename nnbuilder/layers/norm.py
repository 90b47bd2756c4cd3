"""Normalisation layers."""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import BOOL, FLOAT, INT, SHAPE, LayerSpec, ParamSpec


def _batchnorm(dims: int) -> None:
    layout = "(C) or (C, L)" if dims == 1 else "(C, H, W)"
    REGISTRY.register(LayerSpec(
        type=f"BatchNorm{dims}d",
        torch_class=f"BatchNorm{dims}d",
        category="Normalisation",
        doc=f"Normalises each channel of {layout} over the batch, then scales and shifts it "
            "(2·C parameters plus running statistics).",
        params=(
            ParamSpec("num_features", INT, minimum=1, inferred=True, doc="channels (C)"),
            ParamSpec("eps", FLOAT, default=1e-5, minimum=0.0, maximum=1.0, doc="added to the variance"),
            ParamSpec("momentum", FLOAT, default=0.1, minimum=0.0, maximum=1.0, nullable=True,
                      doc="running-statistics momentum (null = cumulative average)"),
            ParamSpec("affine", BOOL, default=True, doc="learn scale and shift"),
            ParamSpec("track_running_stats", BOOL, default=True, doc="keep running mean/var for evaluation"),
        ),
        infer=lambda params, shapes: {"num_features": shapes[0][0]},
        id_prefix="bn",
        input_ranks=(1, 2) if dims == 1 else (3,),
        input_layout=layout,
        rank_hint="use BatchNorm2d for images or Flatten first" if dims == 1 else "",
    ))


_batchnorm(1)
_batchnorm(2)

REGISTRY.register(LayerSpec(
    type="LayerNorm",
    torch_class="LayerNorm",
    category="Normalisation",
    doc="Normalises each sample over its last dimension(s); used in transformers and RNNs.",
    params=(
        ParamSpec("normalized_shape", SHAPE, inferred=True, doc="trailing dimensions to normalise (auto: the last)"),
        ParamSpec("eps", FLOAT, default=1e-5, minimum=0.0, maximum=1.0, doc="added to the variance"),
        ParamSpec("elementwise_affine", BOOL, default=True, doc="learn scale and shift"),
    ),
    infer=lambda params, shapes: {"normalized_shape": (shapes[0][-1],)},
))
