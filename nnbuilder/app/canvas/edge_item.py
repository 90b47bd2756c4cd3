"""Edges: cubic Bézier curves from an output port to an input port, labelled with their shape."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from nnbuilder.app.canvas.node_item import NodeItem, _palette
from nnbuilder.app.canvas.theme import color

EdgeKey = tuple[str, int, str, int]


def bezier(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve; the handles grow with the distance so back-edges loop visibly."""
    dx = max(abs(end.x() - start.x()) * 0.5, 40.0)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path


class EdgeLabel(QGraphicsItem):
    """The tensor shape an edge carries, on a rounded background at the curve's middle."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.text = ""
        self._font = QFont()
        self._font.setPixelSize(10)
        self._rect = QRectF()
        self.setZValue(1)

    def set_text(self, text: str) -> None:
        self.prepareGeometryChange()
        self.text = text
        width = QFontMetricsF(self._font).horizontalAdvance(text) + 10
        self._rect = QRectF(-width / 2, -8, width, 16) if text else QRectF()
        self.setVisible(bool(text))
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pal = _palette(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color(pal, "edge"), 0.8))
        painter.setBrush(color(pal, "edge_label_bg"))
        painter.drawRoundedRect(self._rect, 7, 7)
        painter.setFont(self._font)
        painter.setPen(color(pal, "edge_label_text"))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)


class EdgeItem(QGraphicsPathItem):
    """A document edge; its ends follow the two node items it joins."""

    def __init__(self, key: EdgeKey, source: NodeItem, target: NodeItem) -> None:
        super().__init__()
        self.key = key
        self.source = source
        self.target = target
        self.label = EdgeLabel(self)
        self.label.setVisible(False)
        self.hot = False  # a dragged node would be inserted here on release
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        source.edges.add(self)
        target.edges.add(self)
        self.update_path()

    @property
    def source_port(self) -> int:
        return self.key[1]

    @property
    def target_port(self) -> int:
        return self.key[3]

    def detach(self) -> None:
        self.source.edges.discard(self)
        self.target.edges.discard(self)

    def update_path(self) -> None:
        start = self.source.anchor(False, self.source_port)
        end = self.target.anchor(True, self.target_port)
        path = bezier(start, end)
        self.setPath(path)
        self.label.setPos(path.pointAtPercent(0.5))
        self._fit_label()

    def _fit_label(self) -> None:
        """Show the label only where the curve is long enough to carry it without covering ports."""
        room = self.path().length() - self.label.boundingRect().width()
        self.label.setVisible(bool(self.label.text) and room > 36)

    def set_shape_text(self, text: str) -> None:
        self.label.set_text(text)
        self._fit_label()
        self.setToolTip(f"{self.key[0]} → {self.key[2]}" + (f": {text}" if text else ""))

    def set_hot(self, hot: bool) -> None:
        """Highlight this connection as the one a dragged node is about to be spliced into."""
        if hot != self.hot:
            self.hot = hot
            self.update()

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self.path())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pal = _palette(self)
        key = "port_highlight" if self.hot else "edge_selected" if self.isSelected() else "edge"
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color(pal, key), 4.0 if self.hot else 2.6 if self.isSelected() else 2.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())


class TempEdge(QGraphicsPathItem):
    """The dashed curve that follows the cursor while a connection is dragged."""

    def __init__(self, anchor: QPointF, from_output: bool, pen_color) -> None:
        super().__init__()
        self.anchor = anchor
        self.from_output = from_output
        pen = QPen(pen_color, 2.0, Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setZValue(5)
        self.set_end(anchor)

    def set_end(self, pos: QPointF) -> None:
        if self.from_output:
            self.setPath(bezier(self.anchor, pos))
        else:
            self.setPath(bezier(pos, self.anchor))
