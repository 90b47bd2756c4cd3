"""The canvas item of a Block node: the block's name, ×N, its input ports; the parameter count and
output shape come from the analysis like any node's.  A type row too long for the box is elided with
"…" (computed once per change, not per paint) and the tool tip starts with the full row."""
from __future__ import annotations

from PySide6.QtGui import QFontMetricsF

from nnbuilder.app.canvas.backbone_blocks import compact_count
from nnbuilder.app.canvas.node_item import NodeItem
from nnbuilder.graph.blocks import BlockError, library, placement
from nnbuilder.graph.document import GraphDocument, Node


class BlockNodeItem(NodeItem):
    """A :class:`NodeItem` whose type row reads ``BasicBlock ×2`` and whose ports are the block's inputs."""

    def __init__(self, node: Node, doc: GraphDocument) -> None:
        self.doc = doc
        self._about = ""  # what the block is, below the full type row in the tool tip
        self._full_params = ""
        self._row_key: tuple[str, str | None, float] | None = None
        self.shown_type_text = ""  # the type row as last painted (elided when it does not fit)
        super().__init__(node)

    def _ports(self, node: Node) -> tuple[list[str], list[str]]:
        try:
            blocks = library(self.doc)
            pl = placement(node, blocks)
        except BlockError as exc:
            self.category = None
            self._about = f"Block: {exc}"
            self._set_tip()
            return ["in"], ["out"]
        main = node.params["block"]
        names = list(dict.fromkeys([main, *pl.blocks]))
        self.category = "Blocks"
        self.type_name = f"{main} ×{pl.repeat}" if pl.repeat > 1 else main
        if len(names) > 1:
            self.type_name += f" ({', '.join(names[1:])} varies)"
        self._about = (f"Block: {pl.repeat} cop{'y' if pl.repeat == 1 else 'ies'} of {', '.join(names)}, "
                       "chained output → input. Double-click or Edit › Expand Block to edit its layers.")
        self._set_tip()
        return blocks[pl.blocks[0]].inputs, ["out"]

    def set_analysis(self, shape: tuple[int, ...] | None, params: int | None,
                     severity: str | None, texts: list[str], trainable: int | None = None) -> None:
        """As any node, with the count compact (``148 k``) so the block's name and ×N stay readable."""
        super().set_analysis(shape, params, severity, texts, trainable)
        self._full_params = self.params_text  # "525,568 params", before it is made compact
        self._set_tip()
        if params is not None:
            self.params_text = compact_count(params)
            self.update()

    def _set_tip(self) -> None:
        full = self.type_name + (f" · {self._full_params}" if self._full_params else "")
        self.setToolTip(f"{full}\n{self._about}" if self.category else self._about)

    def _type_row(self, metrics: QFontMetricsF, width: float) -> str:
        """As any node's, elided again only when the row's text or room changed."""
        key = (self.type_name, self.category, round(width, 1))
        if key != self._row_key:
            self._row_key = key
            self.shown_type_text = super()._type_row(metrics, width)
        return self.shown_type_text
