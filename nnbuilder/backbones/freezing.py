"""Moved to :mod:`nnbuilder.catalogue.freezing` (below the layer registry); this import path keeps working.

The old name is the same module object, so attributes, private helpers and monkeypatching all agree.
"""
import sys

from nnbuilder.catalogue import freezing as _moved

sys.modules[__name__] = _moved
