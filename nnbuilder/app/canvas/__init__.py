"""The node-editor canvas: a scene mirroring the graph document and the view that shows it."""
from __future__ import annotations

from typing import Any

from nnbuilder.app.canvas.clipboard import MIME as GRAPH_MIME
from nnbuilder.app.canvas.edge_item import EdgeItem
from nnbuilder.app.canvas.node_item import NodeItem, PortItem
from nnbuilder.app.canvas.scene import GraphScene
from nnbuilder.app.canvas.theme import THEMES, set_theme
from nnbuilder.app.canvas.view import LAYER_MIME, GraphView

__all__ = ["GRAPH_MIME", "LAYER_MIME", "THEMES", "EdgeItem", "GraphScene", "GraphView", "NodeItem", "PortItem",
           "QuickAddPopup", "set_theme"]


def __getattr__(name: str) -> Any:
    """``QuickAddPopup`` loads on first use (Tab on the canvas), not with the window."""
    if name == "QuickAddPopup":
        from nnbuilder.app.canvas.quick_add import QuickAddPopup

        return QuickAddPopup
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
