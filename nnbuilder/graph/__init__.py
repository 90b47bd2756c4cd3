"""Graph document, edit commands and project files."""
from nnbuilder.graph.document import DocEvent, DocEventKind, Edge, GraphDocument, GraphError, Node

__all__ = ["DocEvent", "DocEventKind", "Edge", "GraphDocument", "GraphError", "Node"]
