"""The Backbone node on the canvas: one collapsible box with live trainable/frozen counts and per-block locks.

Collapsed, it is an ordinary node plus a line "trainable 11.2 M · frozen 0" (from the latest analysis).
The chevron in its title bar expands it to one row per block (:func:`nnbuilder.backbones.block_names`) with
the block's parameter count and a lock; clicking a lock edits the node's ``freeze`` parameter as one
undoable ``SetParam`` (through :meth:`GraphScene.toggle_block`).  Whether a node is expanded is view state
kept by the scene, never in the document.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QToolTip,
    QWidget,
)

from nnbuilder.app.canvas.backbone_blocks import compact_count, inherited
from nnbuilder.app.canvas.node_item import LINE, TOP, WIDTH, NodeItem, _palette
from nnbuilder.app.canvas.theme import color
from nnbuilder.backbones.blocks import BlockTable, block_table, frozen_blocks
from nnbuilder.graph.blocks import BLOCK_TYPE
from nnbuilder.graph.document import GraphDocument, Node
from nnbuilder.layers import is_pretrained

ROW = 18.0  # height of one block row
LOCK_X = 16.0  # left edge of the lock column
INDENT = 10.0  # per nesting level of a block inside another listed block
CHEVRON = QRectF(WIDTH - 26, TOP - 2, 20, LINE + 4)  # hit area of the expand/collapse toggle


class BackboneNodeItem(NodeItem):
    """A ``Backbone`` node: counts line, expand/collapse chevron and, expanded, a lock per block."""

    TEXT_LINES = 4  # + "trainable … · frozen …"
    TITLE_RIGHT = WIDTH - 52  # room for the badge and the chevron

    def __init__(self, node: Node) -> None:
        self.expanded = False
        self.freeze: Any = "none"
        self.model_key: tuple[str, str] = ("", "")
        self.table: BlockTable | None = None
        self.table_error = ""
        self.counts: tuple[int, int] | None = None  # (trainable, frozen) from the latest analysis
        self.counts_stale = False
        self._pressed_control = False
        self._tip = ""
        self._hovered: tuple[str, str] | None = None
        super().__init__(node)
        self.setAcceptHoverEvents(True)

    # ------------------------------------------------------------ document and analysis
    def refresh(self, node: Node, used_inputs: int = 0, used_outputs: int = 0) -> None:
        self.freeze = node.params.get("freeze", "none")
        key = (str(node.params.get("model", "resnet18")), str(node.params.get("output", "features")))
        if key != self.model_key:
            self.model_key = key
            self.table, self.table_error = None, ""
            if self.expanded:
                self._load_table()
        if self.counts is not None:
            self.counts_stale = True  # until the next analysis reports the new counts
        super().refresh(node, used_inputs, used_outputs)
        self._tip = self.toolTip()  # the layer's doc, shown away from the controls

    def set_analysis(self, shape: tuple[int, ...] | None, params: int | None,
                     severity: str | None, texts: list[str], trainable: int | None = None) -> None:
        self.counts = (trainable, params - trainable) if params is not None and trainable is not None else None
        self.counts_stale = False
        super().set_analysis(shape, params, severity, texts, trainable)

    def counts_text(self) -> str:
        """The collapsed line: ``trainable 11.2 M · frozen 0`` (empty before the first analysis)."""
        if self.counts is None:
            return ""
        trainable, frozen = self.counts
        return f"trainable {compact_count(trainable)} · frozen {compact_count(frozen)}"

    def _load_table(self) -> None:
        try:
            self.table, self.table_error = block_table(*self.model_key), ""
        except Exception as exc:  # noqa: BLE001 - an unknown model: the node's badge explains it
            self.table, self.table_error = None, f"no blocks to list: {exc}"

    # ------------------------------------------------------------ expand / collapse
    def set_expanded(self, expanded: bool) -> None:
        """Show or hide the block rows; the ports stay in the header, edges follow the new geometry."""
        if expanded == self.expanded:
            return
        self.expanded = expanded
        if expanded and self.table is None:
            self._load_table()
        self.relayout()
        scene = self.scene()
        if scene is not None and hasattr(scene, "note_expanded"):
            scene.note_expanded(self.node_id, expanded)

    def _body_height(self) -> float:
        if not self.expanded:
            return 0.0
        rows = len(self.table.names) if self.table is not None else 1
        return 6 + rows * ROW + 6

    # ------------------------------------------------------------ rows
    def row_names(self) -> tuple[str, ...]:
        return self.table.names if self.expanded and self.table is not None else ()

    def row_rect(self, index: int) -> QRectF:
        """The rectangle of block row ``index`` in item coordinates."""
        return QRectF(6, self._header + 6 + index * ROW, WIDTH - 12, ROW)

    def lock_rect(self, index: int) -> QRectF:
        """The clickable lock of block row ``index`` (item coordinates)."""
        row = self.row_rect(index)
        depth = self._depth(index)
        return QRectF(LOCK_X - 4 + depth * INDENT, row.top(), 20, ROW)

    def _depth(self, index: int) -> int:
        if self.table is None:
            return 0
        depth, parent = 0, self.table.parents[index]
        while parent is not None:
            depth += 1
            parent = self.table.parents[self.table.names.index(parent)]
        return depth

    def control_at(self, pos: QPointF) -> tuple[str, str] | None:
        """``("chevron", "")`` or ``("lock", block)`` under ``pos`` (item coordinates), else None."""
        if CHEVRON.contains(pos):
            return ("chevron", "")
        for i, name in enumerate(self.row_names()):
            if self.lock_rect(i).contains(pos):
                return ("lock", name)
        return None

    def activate(self, control: tuple[str, str], widget: QWidget | None = None,
                 screen_pos: Any = None) -> None:
        """Do what a click on ``control`` does: toggle expansion, or freeze/unfreeze a block (undoable)."""
        kind, block = control
        if kind == "chevron":
            self.set_expanded(not self.expanded)
            return
        scene = self.scene()
        if scene is None or not hasattr(scene, "toggle_block"):
            return
        error = scene.toggle_block(self.node_id, block)
        if error and screen_pos is not None:
            QToolTip.showText(screen_pos, error, widget)

    # ------------------------------------------------------------ mouse
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        control = self.control_at(event.pos()) if event.button() == Qt.MouseButton.LeftButton else None
        if control is None:
            super().mousePressEvent(event)
            return
        self._pressed_control = True
        event.accept()
        self.activate(control, event.widget(), event.screenPos())

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._pressed_control:
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._pressed_control:
            self._pressed_control = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        control = self.control_at(event.pos())
        if control != self._hovered:
            self._hovered = control
            if control is None:
                self.unsetCursor()
                self.setToolTip(self._tip)
            else:
                self.setCursor(Qt.CursorShape.PointingHandCursor)
                self.setToolTip(self._control_tip(control))
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = None
        self.unsetCursor()
        self.setToolTip(self._tip)
        super().hoverLeaveEvent(event)

    def _control_tip(self, control: tuple[str, str]) -> str:
        kind, block = control
        if kind == "chevron":
            return "collapse the block list" if self.expanded else "show the blocks, each with a freeze lock"
        frozen = frozen_blocks(self.freeze, self.table) if self.table is not None else []
        parent = inherited(block, frozen)
        if parent is not None:
            return f"{block!r} is frozen with {parent!r}; unfreeze {parent!r} first"
        if block in frozen:
            return f"unfreeze {block!r} (train it)"
        return f"freeze {block!r} (its parameters are not trained)"

    # ------------------------------------------------------------ painting
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        super().paint(painter, option, widget)
        pal = _palette(self)
        small = QFont()
        small.setPixelSize(11)
        painter.setFont(small)
        metrics = QFontMetricsF(small)
        self._paint_chevron(painter, pal)
        self._paint_counts(painter, pal, small, metrics)
        if self.expanded:
            self._paint_rows(painter, pal, small, metrics)

    def _paint_chevron(self, painter: QPainter, pal: dict[str, str]) -> None:
        c = CHEVRON.center()
        path = QPainterPath()
        if self.expanded:  # ▾
            path.moveTo(c.x() - 4, c.y() - 2)
            path.lineTo(c.x(), c.y() + 2.5)
            path.lineTo(c.x() + 4, c.y() - 2)
        else:  # ▸
            path.moveTo(c.x() - 2, c.y() - 4)
            path.lineTo(c.x() + 2.5, c.y())
            path.lineTo(c.x() - 2, c.y() + 4)
        painter.setPen(QPen(color(pal, "subtext"), 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

    def _paint_counts(self, painter: QPainter, pal: dict[str, str], font: QFont, metrics: QFontMetricsF) -> None:
        if self.counts is None:
            return
        trainable, frozen = self.counts
        row = QRectF(16, TOP + 3 * LINE, WIDTH - 22, LINE)
        first = f"trainable {compact_count(trainable)}"
        second = f" · frozen {compact_count(frozen)}"
        line = QFont(font)
        line.setItalic(self.counts_stale)
        if metrics.horizontalAdvance(first + second) > row.width():  # e.g. "trainable 144 M · frozen 144 M"
            line.setPixelSize(10)
        painter.setFont(line)
        painter.setPen(color(pal, "subtext" if self.counts_stale else "text"))
        painter.drawText(row, Qt.AlignmentFlag.AlignVCenter, first)
        rest = row.adjusted(QFontMetricsF(line).horizontalAdvance(first), 0, 0, 0)
        painter.setPen(color(pal, "frozen" if frozen and not self.counts_stale else "subtext"))
        painter.drawText(rest, Qt.AlignmentFlag.AlignVCenter, second)
        painter.setFont(font)

    def _paint_rows(self, painter: QPainter, pal: dict[str, str], font: QFont, metrics: QFontMetricsF) -> None:
        top = self._header
        painter.setPen(QPen(color(pal, "node_border"), 0.8))
        painter.drawLine(QPointF(10, top + 2), QPointF(WIDTH - 10, top + 2))
        if self.table is None:
            painter.setPen(color(pal, "error"))
            text = metrics.elidedText(self.table_error, Qt.TextElideMode.ElideRight, WIDTH - 28)
            painter.drawText(self.row_rect(0).adjusted(10, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)
            return
        frozen = frozen_blocks(self.freeze, self.table)
        tint = color(pal, "frozen")
        tint.setAlpha(34)
        for i, name in enumerate(self.table.names):
            row = self.row_rect(i)
            lock = self.lock_rect(i)
            via = inherited(name, frozen)
            is_frozen = via is not None or name in frozen
            if is_frozen:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(tint)
                painter.drawRoundedRect(row.adjusted(lock.left() - row.left(), 1, 0, -1), 4, 4)
            paint_lock(painter, lock.center(), is_frozen, via is not None, pal)
            count = compact_count(self.table.counts[i])
            painter.setPen(color(pal, "subtext"))
            right = row.adjusted(0, 0, -6, 0)
            painter.drawText(right, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, count)
            parent = self.table.parents[i]
            label = name[len(parent) + 1:] if parent is not None else name
            name_rect = QRectF(lock.right() + 2, row.top(), 0, ROW)
            name_rect.setRight(right.right() - metrics.horizontalAdvance(count) - 8)
            painter.setPen(color(pal, "text" if via is None else "subtext"))
            painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, name_rect.width()))


def paint_lock(painter: QPainter, center: QPointF, closed: bool, dimmed: bool, pal: dict[str, str]) -> None:
    """A small padlock at ``center``: closed and filled when frozen, open and outlined when trainable."""
    ink = color(pal, "frozen" if closed else "subtext")
    if dimmed:
        ink = QColor(ink)
        ink.setAlphaF(0.55)
    body = QRectF(center.x() - 4.5, center.y() - 1, 9, 7)
    shackle = QPainterPath()
    left, right = body.left() + 1.8, body.right() - 1.8
    if closed:
        shackle.moveTo(left, body.top())
        shackle.lineTo(left, body.top() - 2)
        shackle.arcTo(QRectF(left, body.top() - 5.6, right - left, 7), 180, -180)
        shackle.lineTo(right, body.top())
    else:  # swung open: the right leg lifted out of the body
        shackle.moveTo(left, body.top())
        shackle.lineTo(left, body.top() - 2)
        shackle.arcTo(QRectF(left, body.top() - 5.6, right - left, 7), 180, -180)
        shackle.lineTo(right, body.top() - 3.2)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(ink, 1.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawPath(shackle)
    if closed:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ink)
    else:
        painter.setPen(QPen(ink, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(body, 1.5, 1.5)


def node_item_for(node: Node, doc: GraphDocument | None = None) -> NodeItem:
    """The canvas item class for ``node``: Backbones get the collapsible item, Block nodes show their block
    (ports, ×N), everything else a NodeItem."""
    if doc is not None and node.type == BLOCK_TYPE:
        from nnbuilder.app.canvas.block_item import BlockNodeItem

        return BlockNodeItem(node, doc)
    return BackboneNodeItem(node) if is_pretrained(node.type) else NodeItem(node)
