"""Element-wise activation functions and softmax."""
from __future__ import annotations

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import CHOICE, FLOAT, INT, LayerSpec, ParamSpec

_CAT = "Activation"


def _act(type_name: str, doc: str, *params: ParamSpec, exact_zeros: bool = False) -> None:
    REGISTRY.register(LayerSpec(type=type_name, torch_class=type_name, category=_CAT, doc=doc,
                                params=tuple(params), exact_zeros=exact_zeros))


_act("ReLU", "max(0, x). The default for hidden layers; units stuck at 0 are 'dead'.",
     exact_zeros=True)
_act("LeakyReLU", "x if x > 0 else negative_slope·x; keeps a small gradient for negative inputs.",
     ParamSpec("negative_slope", FLOAT, default=0.01, minimum=0.0, maximum=1.0, doc="slope for x < 0"))
_act("Sigmoid", "1 / (1 + e^-x), squashes to (0, 1); saturates, so deep sigmoid stacks vanish gradients.")
_act("Tanh", "Hyperbolic tangent, squashes to (-1, 1); zero-centred, still saturates.")
_act("GELU", "x·Φ(x), the smooth ReLU used by transformers.",
     ParamSpec("approximate", CHOICE, default="none", choices=("none", "tanh"), doc="tanh approximation"))
_act("ELU", "x if x > 0 else alpha·(e^x - 1); smooth and negative-saturating.",
     ParamSpec("alpha", FLOAT, default=1.0, minimum=0.0, maximum=100.0, doc="negative saturation value"))
_act("SELU", "Scaled ELU with fixed constants; self-normalising with LeCun-normal init.")
_act("Softplus", "log(1 + e^(beta·x)) / beta, a smooth ReLU.",
     ParamSpec("beta", FLOAT, default=1.0, minimum=1e-6, maximum=1000.0, doc="sharpness"),
     ParamSpec("threshold", FLOAT, default=20.0, minimum=0.0, maximum=1000.0,
               doc="above beta·x > threshold the function is linear"))
_act("Softmax", "Turns scores into probabilities along `dim`. Do not put it before CrossEntropyLoss, "
     "which expects raw logits.",
     ParamSpec("dim", INT, default=1, minimum=-8, maximum=8, always_emit=True,
               doc="dimension (batch is 0) that sums to 1"))
_act("LogSoftmax", "log(softmax(x)) along `dim`; pair it with NLLLoss.",
     ParamSpec("dim", INT, default=1, minimum=-8, maximum=8, always_emit=True,
               doc="dimension (batch is 0) to normalise"))
