"""Embeddings for categorical inputs (entity embeddings, user/item factors, tokens)."""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import FLOAT, INT, LayerSpec, ParamSpec

REGISTRY.register(LayerSpec(
    type="Embedding",
    torch_class="Embedding",
    category="Embedding",
    doc="A lookup table: each integer id in [0, num_embeddings) becomes a learned vector of size "
        "embedding_dim. Feed it an int64 Input (category codes, user or item ids, tokens).",
    params=(
        ParamSpec("num_embeddings", INT, default=10, minimum=1, maximum=100_000_000, always_emit=True,
                  doc="number of distinct ids"),
        ParamSpec("embedding_dim", INT, default=4, minimum=1, maximum=100_000, always_emit=True,
                  doc="size of each vector"),
        ParamSpec("padding_idx", INT, default=None, nullable=True, minimum=0, doc="an id whose vector stays zero"),
        ParamSpec("max_norm", FLOAT, default=None, nullable=True, minimum=0.0, doc="renormalise longer vectors"),
    ),
    input_dtype="int64",
    integer_inputs=True,
))
