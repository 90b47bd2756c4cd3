"""Multi-head attention and the transformer encoder layer (batch first)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import BOOL, CHOICE, FLOAT, INT, LayerSpec, ParamSpec, PortSpec


def _attention_forward(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
    query = inputs[0]
    key = inputs[1] if len(inputs) > 1 and inputs[1] is not None else query
    value = inputs[2] if len(inputs) > 2 and inputs[2] is not None else key
    return f"self.{attr}({query}, {key}, {value}, need_weights=False)[0]"


REGISTRY.register(LayerSpec(
    type="MultiheadAttention",
    torch_class="MultiheadAttention",
    category="Attention",
    doc="Scaled dot-product attention with num_heads heads over (L, embed_dim) sequences. "
        "Connect only `query` for self-attention; key and value default to the query.",
    params=(
        ParamSpec("embed_dim", INT, minimum=1, inferred=True, doc="model width (auto: last input dim)"),
        ParamSpec("num_heads", INT, default=4, minimum=1, maximum=1024, always_emit=True,
                  doc="attention heads; must divide embed_dim"),
        ParamSpec("dropout", FLOAT, default=0.0, minimum=0.0, maximum=1.0, doc="dropout on attention weights"),
        ParamSpec("bias", BOOL, default=True, doc="learn projection biases"),
        ParamSpec("batch_first", BOOL, default=True, always_emit=True, doc="tensors are (batch, L, features)"),
    ),
    inputs=(PortSpec("query"), PortSpec("key", optional=True), PortSpec("value", optional=True)),
    forward=_attention_forward,
    infer=lambda params, shapes: {"embed_dim": shapes[0][-1]},
    id_prefix="attn",
))

REGISTRY.register(LayerSpec(
    type="TransformerEncoderLayer",
    torch_class="TransformerEncoderLayer",
    category="Attention",
    doc="Self-attention + feed-forward block with residual connections and LayerNorm, "
        "over (L, d_model) sequences.",
    params=(
        ParamSpec("d_model", INT, minimum=1, inferred=True, doc="model width (auto: last input dim)"),
        ParamSpec("nhead", INT, default=4, minimum=1, maximum=1024, always_emit=True,
                  doc="attention heads; must divide d_model"),
        ParamSpec("dim_feedforward", INT, default=2048, minimum=1, maximum=1_000_000,
                  doc="hidden size of the feed-forward part"),
        ParamSpec("dropout", FLOAT, default=0.1, minimum=0.0, maximum=1.0, doc="dropout rate"),
        ParamSpec("activation", CHOICE, default="relu", choices=("relu", "gelu"), doc="feed-forward activation"),
        ParamSpec("layer_norm_eps", FLOAT, default=1e-5, minimum=0.0, maximum=1.0, doc="LayerNorm epsilon"),
        ParamSpec("batch_first", BOOL, default=True, always_emit=True, doc="tensors are (batch, L, features)"),
        ParamSpec("norm_first", BOOL, default=False, doc="pre-norm (LayerNorm before each sub-block)"),
    ),
    infer=lambda params, shapes: {"d_model": shapes[0][-1]},
))
