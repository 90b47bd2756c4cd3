"""The canvas item of a Block node: the block's name, ×N, its input ports; the parameter count and
output shape come from the analysis like any node's."""
from __future__ import annotations

from nnbuilder.app.canvas.backbone_blocks import compact_count
from nnbuilder.app.canvas.node_item import NodeItem
from nnbuilder.graph.blocks import BlockError, library, placement
from nnbuilder.graph.document import GraphDocument, Node


class BlockNodeItem(NodeItem):
    """A :class:`NodeItem` whose type row reads ``BasicBlock ×2`` and whose ports are the block's inputs."""

    def __init__(self, node: Node, doc: GraphDocument) -> None:
        self.doc = doc
        super().__init__(node)

    def _ports(self, node: Node) -> tuple[list[str], list[str]]:
        try:
            blocks = library(self.doc)
            pl = placement(node, blocks)
        except BlockError as exc:
            self.category = None
            self.setToolTip(f"Block: {exc}")
            return ["in"], ["out"]
        main = node.params["block"]
        names = list(dict.fromkeys([main, *pl.blocks]))
        self.category = "Blocks"
        self.type_name = f"{main} ×{pl.repeat}" if pl.repeat > 1 else main
        if len(names) > 1:
            self.type_name += f" ({', '.join(names[1:])} varies)"
        self.setToolTip(f"Block: {pl.repeat} cop{'y' if pl.repeat == 1 else 'ies'} of {', '.join(names)}, "
                        "chained output → input. Double-click or Edit › Expand Block to edit its layers.")
        return blocks[pl.blocks[0]].inputs, ["out"]

    def set_analysis(self, shape: tuple[int, ...] | None, params: int | None,
                     severity: str | None, texts: list[str], trainable: int | None = None) -> None:
        """As any node, with the count compact (``148 k``) so the block's name and ×N stay readable."""
        super().set_analysis(shape, params, severity, texts, trainable)
        if params is not None:
            self.params_text = compact_count(params)
            self.update()
