"""Blocks in the editor: Make Block on the selection, the Block node's item, expand on double-click, undo."""
from __future__ import annotations

import copy

from PySide6.QtGui import QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from nnbuilder.app.canvas.block_item import BlockNodeItem
from nnbuilder.app.canvas.node_item import WIDTH
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir


def _state(doc) -> tuple:
    nodes, edges = doc.snapshot()
    return nodes, edges, copy.deepcopy(doc.extra)


def test_make_block_from_the_selection_then_expand_and_undo(make_window) -> None:
    win = make_window(load_project(examples_dir() / "residual_block.nnb"))
    before = _state(win.doc)
    layers = ["conv_a", "bn_a", "relu_a", "conv_b", "bn_b", "residual", "relu_out"]
    win.scene.select_nodes(layers)
    assert win.menu_actions["make_block"].shortcut().toString() == "Ctrl+B"
    assert win.make_block("Residual")
    block = next(n for n in win.doc.nodes if n.type == "Block")
    assert block.id == "residual"  # the block's name in snake case, free once its layers left
    item = win.scene._nodes[block.id]
    assert isinstance(item, BlockNodeItem)
    assert item.type_name == "Residual" and item.category == "Blocks"
    win.runner.run_now()
    count = win.analysis.nodes[block.id].param_count
    assert count > 0 and item.params_text == f"{count / 1000:.3g} k"
    assert item.shape_text
    win.scene.nodeActivated.emit(block.id)  # what a double-click sends
    assert not any(n.type == "Block" for n in win.doc.nodes)
    win.stack.undo()
    assert any(n.type == "Block" for n in win.doc.nodes)
    win.stack.undo()
    assert _state(win.doc) == before


def test_a_refused_selection_says_why_and_changes_nothing(make_window) -> None:
    win = make_window(load_project(examples_dir() / "residual_block.nnb"))
    before = _state(win.doc)
    win.scene.select_nodes(["image", "stem"])
    assert not win.make_block("Bad")
    assert "model Input" in win.statusBar().currentMessage()
    assert _state(win.doc) == before and win.stack.count() == 0


def test_the_resnet_example_shows_repeated_blocks(make_window) -> None:
    win = make_window(examples_dir() / "resnet18_blocks.nnb")
    win.runner.run_now()
    item = win.scene._nodes["layer2"]
    assert isinstance(item, BlockNodeItem)
    assert item.type_name == "BasicBlock ×2 (DownBlock varies)"
    assert item.params_text == "526 k"


def test_a_long_block_row_is_elided_inside_the_box_with_the_full_row_in_the_tool_tip(make_window) -> None:
    win = make_window(examples_dir() / "resnet18_blocks.nnb")
    win.runner.run_now()
    item = win.scene._nodes["layer2"]
    image = QImage(int(WIDTH) + 8, int(item.height) + 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    item.paint(painter, QStyleOptionGraphicsItem())
    short = win.scene._nodes["layer1"]
    short.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    shown = item.shown_type_text
    font = QFont()
    font.setPixelSize(11)
    metrics = QFontMetricsF(font)
    room = WIDTH - 16 - 8 - metrics.horizontalAdvance(item.params_text) - 6  # the type row beside "526 k"
    assert shown.endswith("…") and "BasicBlock ×2 (DownBlock varies)".startswith(shown[:-1])
    assert metrics.horizontalAdvance(shown) <= room
    assert item.toolTip().splitlines()[0] == "BasicBlock ×2 (DownBlock varies) · 525,568 params"
    assert "Expand Block" in item.toolTip()
    assert short.shown_type_text == "BasicBlock ×2"  # a row that fits is shown whole


def test_block_repeat_sets_the_copies_as_one_undo_step(make_window) -> None:
    win = make_window(load_project(examples_dir() / "residual_block.nnb"))
    win.scene.select_nodes(["conv_a", "bn_a", "relu_a", "conv_b", "bn_b", "residual", "relu_out"])
    assert win.make_block("Residual")
    block = next(n for n in win.doc.nodes if n.type == "Block")
    win.runner.run_now()
    one = win.analysis.nodes[block.id].param_count
    win.scene.select_nodes([block.id])
    assert "repeat_block" in win.menu_actions
    assert win.repeat_block(3)
    win.runner.run_now()
    assert win.doc.node(block.id).params["repeat"] == 3
    assert win.analysis.nodes[block.id].param_count == 3 * one
    assert win.scene._nodes[block.id].type_name == "Residual ×3"
    assert not win.repeat_block(0, block.id)  # refused with the reason, nothing changed
    assert "repeat" in win.statusBar().currentMessage()
    win.stack.undo()
    assert win.doc.node(block.id).params.get("repeat", 1) == 1
