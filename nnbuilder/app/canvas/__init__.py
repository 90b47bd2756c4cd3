"""The node-editor canvas: a scene mirroring the graph document and the view that shows it."""
from nnbuilder.app.canvas.clipboard import MIME as GRAPH_MIME
from nnbuilder.app.canvas.edge_item import EdgeItem
from nnbuilder.app.canvas.node_item import NodeItem, PortItem
from nnbuilder.app.canvas.scene import GraphScene
from nnbuilder.app.canvas.theme import THEMES, set_theme
from nnbuilder.app.canvas.view import LAYER_MIME, GraphView

__all__ = ["GRAPH_MIME", "LAYER_MIME", "THEMES", "EdgeItem", "GraphScene", "GraphView", "NodeItem", "PortItem",
           "set_theme"]

