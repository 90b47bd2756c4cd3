"""The node box: title, type, output shape, parameter count, ports and an issue badge."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from nnbuilder.app.canvas.theme import THEMES, category_color, color
from nnbuilder.formatting import batch_shape
from nnbuilder.graph.document import Node
from nnbuilder.layers import UnknownLayerType, get_spec

if TYPE_CHECKING:
    from nnbuilder.app.canvas.edge_item import EdgeItem

WIDTH = 184.0
LINE = 17.0
TOP = 8.0
PORT_R = 5.5
PORT_HIT = 11.0
GRID = 20.0

# Port highlight states while a connection is being dragged.
NORMAL, ALLOWED, DIMMED = "normal", "allowed", "dimmed"


def _palette(item: QGraphicsItem) -> dict[str, str]:
    scene = item.scene()
    return getattr(scene, "palette_colors", None) or THEMES["light"]


class PortItem(QGraphicsItem):
    """One input or output port; a larger invisible hit area makes it easy to grab."""

    def __init__(self, node: NodeItem, is_input: bool, index: int, name: str, valid: bool = True) -> None:
        super().__init__(node)
        self.node = node
        self.is_input = is_input
        self.index = index
        self.name = name
        self.valid = valid  # False for a port an edge uses but the spec no longer has
        self.state = NORMAL
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        self.setToolTip(f"{'input' if is_input else 'output'} {name}")

    @property
    def node_id(self) -> str:
        return self.node.node_id

    def boundingRect(self) -> QRectF:
        return QRectF(-PORT_HIT, -PORT_HIT, 2 * PORT_HIT, 2 * PORT_HIT)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pal = _palette(self)
        key = {ALLOWED: "port_highlight", DIMMED: "port_dim"}.get(self.state, "port")
        fill = color(pal, "error") if not self.valid else color(pal, key)
        radius = PORT_R + (2.0 if self.state == ALLOWED else 0.0)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color(pal, "node_fill"), 1.5))
        painter.setBrush(fill)  # the QColor itself: QBrush(fill) builds PySide's QImage and QGradient types
        painter.drawEllipse(QPointF(0, 0), radius, radius)


class BadgeItem(QGraphicsItem):
    """A round error (red) or warning (amber) marker whose tooltip lists the issues."""

    SIZE = 18.0

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.severity = "error"
        self.setZValue(3)
        self.setVisible(False)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.SIZE, self.SIZE)

    def set_issues(self, severity: str | None, texts: list[str]) -> None:
        self.setVisible(severity is not None)
        self.severity = severity or "error"
        self.setToolTip("\n".join(texts))
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pal = _palette(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color(pal, "error" if self.severity == "error" else "warning"))
        painter.drawEllipse(self.boundingRect())
        painter.setPen(QColor("#ffffff"))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(12)
        painter.setFont(font)
        painter.drawText(self.boundingRect(), Qt.AlignmentFlag.AlignCenter, "!")


class NodeItem(QGraphicsObject):
    """Draws one document node; it keeps nothing the document or the analysis lacks."""

    TEXT_LINES = 3  # title, type + parameter count, output shape
    TITLE_RIGHT = WIDTH - 30  # the title is elided before the badge

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node_id = node.id
        self.type_name = node.type
        self.category: str | None = None
        self.inputs: list[PortItem] = []
        self.outputs: list[PortItem] = []
        self.edges: set[EdgeItem] = set()
        self.shape_text = ""
        self.params_text = ""
        self.issue_severity: str | None = None
        self._height = 64.0
        self._header = 64.0  # height of the part holding the text and the ports
        self._syncing = False
        self.badge = BadgeItem(self)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)
        self.refresh(node)

    # ------------------------------------------------------------ document
    def refresh(self, node: Node, used_inputs: int = 0, used_outputs: int = 0) -> None:
        """Rebuild title and ports from ``node``; keep ports that edges still use (marked invalid)."""
        self.prepareGeometryChange()
        self.node_id = node.id
        self.type_name = node.type
        in_names, out_names = self._ports(node)
        for port in self.inputs + self.outputs:
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        self.inputs = [PortItem(self, True, i, n) for i, n in enumerate(in_names)]
        self.inputs += [PortItem(self, True, i, f"in{i}", valid=False) for i in range(len(in_names), used_inputs)]
        self.outputs = [PortItem(self, False, i, n) for i, n in enumerate(out_names)]
        self.outputs += [PortItem(self, False, i, f"out{i}", valid=False) for i in range(len(out_names), used_outputs)]
        self._layout()
        self.update()

    def _ports(self, node: Node) -> tuple[list[str], list[str]]:
        """Input and output port names from the node's spec (sets the category and tool tip)."""
        try:
            spec = get_spec(node.type)
            self.category = spec.category
            in_names = [p.name for p in spec.input_ports(node.params)]
            out_names = [p.name for p in spec.outputs]
            self.setToolTip(f"{node.type}: {spec.doc}")
        except (UnknownLayerType, TypeError, ValueError):
            self.category = None
            in_names, out_names = ["in"], ["out"]
            self.setToolTip(f"unknown layer type {node.type!r}")
        return in_names, out_names

    def set_doc_pos(self, pos: QPointF) -> None:
        """Move to the document's position without recording a user move."""
        self._syncing = True
        try:
            self.setPos(pos)
        finally:
            self._syncing = False

    def set_analysis(self, shape: tuple[int, ...] | None, params: int | None,
                     severity: str | None, texts: list[str], trainable: int | None = None) -> None:
        self.shape_text = format_shape(shape) if shape is not None else ""
        self.params_text = "" if params is None else f"{params:,} param{'s' if params != 1 else ''}"
        self.issue_severity = severity
        self.badge.set_issues(severity, texts)
        self.update()

    # ------------------------------------------------------------ geometry
    def _layout(self) -> None:
        """Place the ports in the header (the text rows) and size the box: header + :meth:`_body_height`."""
        named = len(self.inputs) > 1
        text_bottom = TOP + self.TEXT_LINES * LINE + 6
        if named:
            header = text_bottom + len(self.inputs) * LINE + 4
            for i, port in enumerate(self.inputs):
                port.setPos(0, text_bottom + (i + 0.5) * LINE)
        else:
            header = text_bottom
            for i, port in enumerate(self.inputs):
                port.setPos(0, header * (i + 1) / (len(self.inputs) + 1))
        for i, port in enumerate(self.outputs):
            port.setPos(WIDTH, header * (i + 1) / (len(self.outputs) + 1))
        self._header = header
        self._height = header + self._body_height()
        self.badge.setPos(self.TITLE_RIGHT + 30 - BadgeItem.SIZE - 6, 6)

    def _body_height(self) -> float:
        """Extra height below the header (subclasses that list more grow here)."""
        return 0.0

    def relayout(self) -> None:
        """Re-size after a change of what the node lists; attached edges follow their ports."""
        self.prepareGeometryChange()
        self._layout()
        for edge in self.edges:
            edge.update_path()
        self.update()

    @property
    def height(self) -> float:
        return self._height

    def boundingRect(self) -> QRectF:
        return QRectF(-3, -3, WIDTH + 6, self._height + 6)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, WIDTH, self._height), 8, 8)
        return path

    def port(self, is_input: bool, index: int) -> PortItem | None:
        ports = self.inputs if is_input else self.outputs
        return ports[index] if 0 <= index < len(ports) else None

    def anchor(self, is_input: bool, index: int) -> QPointF:
        """Scene position where an edge attaches to port ``index``."""
        port = self.port(is_input, index)
        if port is None:
            return self.mapToScene(QPointF(0 if is_input else WIDTH, self._header / 2))
        return port.scenePos()

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and not self._syncing:
            scene = self.scene()
            if scene is not None and getattr(scene, "snap_to_grid", False):
                value = QPointF(round(value.x() / GRID) * GRID, round(value.y() / GRID) * GRID)
            return value
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
            scene = self.scene()
            if not self._syncing and scene is not None and hasattr(scene, "note_moved"):
                scene.note_moved(self.node_id)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(1.5 if self.isSelected() else 1)
            self.update()
        return super().itemChange(change, value)

    # ------------------------------------------------------------ painting
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pal = _palette(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        body = QRectF(0, 0, WIDTH, self._height)
        if self.isSelected():
            border = QPen(color(pal, "node_selected"), 2.5)
        elif self.issue_severity is not None:
            border = QPen(color(pal, "error" if self.issue_severity == "error" else "warning"), 1.8)
        else:
            border = QPen(color(pal, "node_border"), 1.2)
        painter.setPen(border)
        painter.setBrush(color(pal, "node_fill"))
        painter.drawRoundedRect(body, 8, 8)
        stripe = QPainterPath()
        stripe.addRoundedRect(QRectF(0.6, 0.6, 14, self._height - 1.2), 7, 7)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, 7, self._height))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(category_color(self.category))
        painter.drawPath(stripe.intersected(clip))

        left, right = 16.0, self.TITLE_RIGHT
        title = QFont()
        title.setBold(True)
        title.setPixelSize(13)
        painter.setFont(title)
        painter.setPen(color(pal, "text"))
        metrics = QFontMetricsF(title)
        text = metrics.elidedText(self.node_id, Qt.TextElideMode.ElideRight, right - left)
        painter.drawText(QRectF(left, TOP, right - left, LINE), Qt.AlignmentFlag.AlignVCenter, text)
        small = QFont()
        small.setPixelSize(11)
        painter.setFont(small)
        painter.setPen(color(pal, "subtext"))
        row = QRectF(left, TOP + LINE, WIDTH - left - 8, LINE)
        painter.drawText(row, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, self.params_text)
        spare = row.width() - QFontMetricsF(small).horizontalAdvance(self.params_text) - 6
        painter.drawText(row, Qt.AlignmentFlag.AlignVCenter, self._type_row(QFontMetricsF(small), spare))
        if self.shape_text:
            shape = QFontMetricsF(small).elidedText("→ " + self.shape_text, Qt.TextElideMode.ElideMiddle, row.width())
            painter.setPen(color(pal, "text"))
            painter.drawText(row.translated(0, LINE), Qt.AlignmentFlag.AlignVCenter, shape)
            painter.setPen(color(pal, "subtext"))
        if len(self.inputs) > 1:
            for port in self.inputs:
                painter.drawText(QRectF(left - 4, port.pos().y() - LINE / 2, 80, LINE),
                                 Qt.AlignmentFlag.AlignVCenter, port.name)

    def _type_row(self, metrics: QFontMetricsF, width: float) -> str:
        """The type row's text, elided with "…" to ``width`` (subclasses with long rows cache it)."""
        type_text = self.type_name + ("" if self.category else "  (unknown type)")
        return metrics.elidedText(type_text, Qt.TextElideMode.ElideRight, width)


def format_shape(shape: tuple[int, ...]) -> str:
    """``(20,)`` → ``[B, 20]`` (the batch dimension is implicit in the analysis)."""
    return batch_shape(shape)
