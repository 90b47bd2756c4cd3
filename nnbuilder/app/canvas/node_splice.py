"""Dragging a node that is already on the canvas onto a connection splices it in (as Blender's node editor does).

While one unconnected node with an input and an output is dragged, the connection under it is highlighted;
on release the move and the splice are one undo step.  A node that already has connections is only moved:
like Blender and ComfyUI, dropping a wired node on a link never rewires it (its own links would be lost
or crossed); delete its links first to insert it elsewhere."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, Qt

from nnbuilder.app.canvas.edge_item import EdgeItem
from nnbuilder.layers import UnknownLayerType, get_spec

if TYPE_CHECKING:
    from nnbuilder.app.canvas.edge_item import EdgeKey
    from nnbuilder.app.canvas.node_item import NodeItem
    from nnbuilder.app.canvas.scene import GraphScene

SAMPLES = 16  # points along a connection when telling which of several is nearest the node's centre


def can_splice(item: NodeItem) -> bool:
    """An unconnected node whose layer has an input and an output."""
    if item.edges:
        return False
    try:
        spec = get_spec(item.type_name)
    except (UnknownLayerType, TypeError, ValueError):
        return False
    return bool(spec.inputs) and bool(spec.outputs)


class NodeSpliceDrag:
    """The connection a dragged node would be inserted into; the scene calls :meth:`track` on every move."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.node_id: str | None = None
        self.edge: EdgeItem | None = None

    @property
    def key(self) -> EdgeKey | None:
        return self.edge.key if self.edge is not None else None

    def track(self, moved: set[str]) -> None:
        """After a drag step: highlight the connection under the one dragged node (nothing for other drags)."""
        item = self.scene.node_item(next(iter(moved))) if len(moved) == 1 else None
        if item is None or not can_splice(item):
            self.clear()
            return
        rect = item.sceneBoundingRect()
        edges = [e for e in self.scene.items(rect, Qt.ItemSelectionMode.IntersectsItemShape)
                 if isinstance(e, EdgeItem) and e.isVisible()]
        self._set(item.node_id, _nearest(edges, rect.center()))

    def _set(self, node_id: str | None, edge: EdgeItem | None) -> None:
        if edge is not self.edge:
            if self.edge is not None and self.edge.scene() is not None:
                self.edge.set_hot(False)
            if edge is not None:
                edge.set_hot(True)
        self.node_id, self.edge = (node_id if edge is not None else None), edge

    def clear(self) -> None:
        self._set(None, None)

    def take(self) -> tuple[str, EdgeKey] | None:
        """On release: (node id, connection key) to splice into, if any; the highlight goes."""
        found = (self.node_id, self.edge.key) if self.node_id is not None and self.edge is not None else None
        self.clear()
        return found


def _nearest(edges: list[EdgeItem], centre: QPointF) -> EdgeItem | None:
    if len(edges) <= 1:
        return edges[0] if edges else None

    def distance(edge: EdgeItem) -> float:
        path = edge.path()
        return min(QLineF(centre, path.pointAtPercent(i / SAMPLES)).length() for i in range(SAMPLES + 1))

    return min(edges, key=distance)
