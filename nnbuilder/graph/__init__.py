"""Graph document, edit commands and project files."""
from nnbuilder.graph.document import DocEvent, Edge, GraphDocument, GraphError, Node

__all__ = ["DocEvent", "Edge", "GraphDocument", "GraphError", "Node"]
