"""Lesson sets that give a single course example its contrasting partners.

Attention: the attention_classifier network without positional encoding and with a learned table instead of
the fixed sinusoids.  Embeddings: the tabular_embeddings task with the category codes fed as one-hot vectors and
as raw numbers.  Imported by make_examples.py beside lesson_examples*.py, with the same conventions: every project
carries ``lesson`` and ``expect`` (checked by tests/test_example_results.py) and only measured projects (listed
in ``SET_SECONDS``) are written to nnbuilder/examples/.
"""
from __future__ import annotations

from typing import Any

from lesson_examples import _project
from make_examples import Builder, L, classification, data

from nnbuilder.graph.project import Project


# ---- attention: the attention_classifier network with no / a learned positional encoding
def attention(position: str | None) -> Project:
    """attention_classifier's graph (make_examples.attention) with ``position`` None or "learned"."""
    b = Builder()
    embed = b.chain(b.add("sequence", "Input", shape=[50, 1]), L("embed", "Linear", out_features=32))
    if position is not None:
        embed = b.add("position", "PositionalEncoding", embed, kind=position)
    attn = b.add("attention", "MultiheadAttention", embed, num_heads=4)
    add = b.add("residual", "Add", [attn, embed], row=1)
    b.chain(add, L("norm", "LayerNorm"),
            L("encoder", "TransformerEncoderLayer", nhead=4, dim_feedforward=64, dropout=0.1),
            L("pool", "Transpose", dim0=1, dim1=2), L("avg", "AdaptiveAvgPool1d", output_size=1),
            L("flatten", "Flatten"), L("logits", "Linear", out_features=3), L("out", "Output"))
    label = "without positional encoding" if position is None else f"with {position} positional encoding"
    return _project(f"attention {label}", b, data("sequence_classification", 32), classification(5e-3, 10),
                    "Attention", ATTENTION_TEXT[position], ATTENTION_EXPECT[position])


ATTENTION_TEXT: dict[str | None, str] = {None: "", "learned": ""}
ATTENTION_EXPECT: dict[str | None, dict[str, Any]] = {None: {"metric": "val_accuracy", "at_most": 0.5},
                                                      "learned": {"metric": "val_accuracy", "at_least": 0.9}}


# ---- embeddings: tabular_embeddings' task with the category codes one-hot encoded or fed as plain numbers
CARDINALITIES = (("city", 8), ("plan", 4), ("weekday", 7))  # the tabular data set's categorical columns


def tabular(encoding: str) -> Project:
    """tabular_embeddings' network (make_examples.tabular) with ``encoding`` "onehot" or "codes" for Embedding."""
    b = Builder()
    numeric = b.add("numeric", "Input", shape=[3])
    codes = b.add("categorical", "Input", shape=[3], dtype="int64", row=1)
    parts = [b.add("numeric_norm", "BatchNorm1d", numeric)]
    if encoding == "onehot":
        for i, (name, card) in enumerate(CARDINALITIES):
            col = b.add(f"{name}_col", "Slice", codes, dim=1, start=i, length=1)
            hot = b.add(f"{name}_onehot", "OneHot", col, num_classes=card)
            parts.append(b.add(f"{name}_flat", "Flatten", hot))
    else:
        parts.append(b.chain(codes, L("codes_float", "ToFloat"), L("codes_norm", "BatchNorm1d")))
    joined = b.add("features", "Concat", parts, inputs=len(parts), dim=1)
    b.chain(joined, L("fc1", "Linear", out_features=32), L("relu", "ReLU"), L("drop", "Dropout", p=0.2),
            L("logits", "Linear", out_features=3), L("out", "Output"))
    label = "one-hot" if encoding == "onehot" else "raw codes"
    return _project(f"tabular {label}", b, data("tabular", 64), classification(3e-3, 15), "Embeddings",
                    TABULAR_TEXT[encoding], TABULAR_EXPECT[encoding])


TABULAR_TEXT = {"onehot": "", "codes": ""}
TABULAR_EXPECT: dict[str, dict[str, Any]] = {"onehot": {"metric": "val_accuracy", "at_least": 0.75},
                                             "codes": {"metric": "val_accuracy", "at_most": 0.75}}

SETS = {
    "attention_no_position": lambda: attention(None),
    "attention_learned_position": lambda: attention("learned"),
    "tabular_onehot": lambda: tabular("onehot"), "tabular_raw_codes": lambda: tabular("codes"),
}

# Documented time limits (s), measured time in the comment; projects not listed are not written yet.
SET_SECONDS: dict[str, int] = {}
