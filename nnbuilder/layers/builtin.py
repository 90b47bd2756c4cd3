"""Imports every built-in layer family, in palette order, so each registers once."""
# isort: skip_file
from nnbuilder.layers import io  # noqa: F401
from nnbuilder.layers import dense  # noqa: F401
from nnbuilder.layers import activations  # noqa: F401
from nnbuilder.layers import conv  # noqa: F401
from nnbuilder.layers import norm  # noqa: F401
from nnbuilder.layers import reshape  # noqa: F401
from nnbuilder.layers import embedding  # noqa: F401
from nnbuilder.layers import categorical  # noqa: F401  (OneHot, ToFloat)
from nnbuilder.layers import recurrent  # noqa: F401
from nnbuilder.layers import attention  # noqa: F401
from nnbuilder.layers import positional  # noqa: F401
from nnbuilder.layers import merge  # noqa: F401
from nnbuilder.layers import pretrained  # noqa: F401  (Backbone; torchvision loads lazily)
from nnbuilder.layers import opaque  # noqa: F401  (OpaqueModule, OpaqueOp: only a model import creates them)
from nnbuilder.layers import more_layers  # noqa: F401  (ReLU6, Hardswish, GroupNorm, padding, Upsample...)
from nnbuilder.layers import tensors  # noqa: F401  (Parameter: tensors a model reads directly)
