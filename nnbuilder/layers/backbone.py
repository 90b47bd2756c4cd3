"""Old home of the Backbone and opaque layer specs; the names stay importable from here.

Split by job: :mod:`nnbuilder.layers.pretrained` (the Backbone spec), :mod:`nnbuilder.layers.opaque`
(OpaqueModule / OpaqueOp) and :mod:`nnbuilder.layers.allowlist` (which torch names imported nodes may use).
"""
from nnbuilder.layers.allowlist import (
                                        BINARY_OPS,
                                        FUNCTION_MODULES,
                                        TENSOR_ATTRS,
                                        UNARY_OPS,
                                        check_module_class,
                                        check_op,
)
from nnbuilder.layers.opaque import OPAQUE_MODULE, OPAQUE_OP, op_forward
from nnbuilder.layers.pretrained import BACKBONE, backbone_constructor
from nnbuilder.layers.spec import BLOCKS, LITERAL, TEXT

__all__ = ["BACKBONE", "BINARY_OPS", "BLOCKS", "FUNCTION_MODULES", "LITERAL", "OPAQUE_MODULE", "OPAQUE_OP",
           "TENSOR_ATTRS", "TEXT", "UNARY_OPS", "backbone_constructor", "check_module_class", "check_op",
           "op_forward"]
