"""Category codes as model features: one-hot vectors, or (the classic mistake) plain numbers.

An Embedding (embedding.py) learns a vector per category.  ``OneHot`` gives each category its own input
unit instead (a Linear layer after it learns one weight per category: an embedding in disguise, with as many
inputs as categories).  ``ToFloat`` turns codes into numbers, so a following Linear layer treats code 7 as
seven times code 1: fine for counts, wrong for categories whose order means nothing.  Both export as plain
PyTorch expressions.
"""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import INT, LayerSpec, ParamSpec

REGISTRY.register(LayerSpec(
    type="OneHot",
    category="Embedding",
    doc="Turns each integer code in [0, num_classes) into a vector of num_classes zeros with a 1 at the "
        "code: (N,) codes become (N, num_classes). Feed it an int64 Input; Flatten it before a Linear layer.",
    params=(ParamSpec("num_classes", INT, default=10, minimum=1, maximum=1_000_000, ctor=False, always_emit=True,
                      doc="number of categories (codes 0 … num_classes-1)"),),
    forward=lambda attr, inputs, params: f"torch.nn.functional.one_hot({inputs[0]}, "
                                         f"{int(params['num_classes'])!r}).float()",
    input_dtype="int64",
    integer_inputs=True,
))

REGISTRY.register(LayerSpec(
    type="ToFloat",
    category="Embedding",
    doc="Turns integer values into float32 numbers (x.float()), e.g. counts for a Linear layer. Category "
        "codes fed this way are read as quantities (code 6 = 6 × code 1): use Embedding or OneHot for them.",
    forward=lambda attr, inputs, params: f"{inputs[0]}.float()",
    integer_inputs=True,
))
