"""Imports every built-in layer family, in palette order, so each registers once."""
from nnbuilder.layers import (
    activations,  # noqa: F401
    attention,  # noqa: F401
    conv,  # noqa: F401
    dense,  # noqa: F401
    embedding,  # noqa: F401
    io,  # noqa: F401
    merge,  # noqa: F401
    norm,  # noqa: F401
    recurrent,  # noqa: F401
    reshape,  # noqa: F401
)
