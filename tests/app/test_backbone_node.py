"""The Backbone node on the canvas: chevron, live trainable/frozen counts, per-block locks through the undo stack."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from nnbuilder.app.canvas.backbone_blocks import compact_count, toggled_freeze
from nnbuilder.app.canvas.backbone_item import CHEVRON, BackboneNodeItem
from nnbuilder.app.canvas.node_item import NodeItem
from nnbuilder.app.window import MainWindow
from nnbuilder.backbones.blocks import block_table
from nnbuilder.backbones.catalog import block_names
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project, graph_to_json

LEFT = Qt.MouseButton.LeftButton


def backbone_project(model: str = "resnet18", freeze: object = "none") -> Project:
    nodes = [Node("in", "Input", {"shape": [3, 32, 32]}, (0.0, 0.0)),
             Node("bb", "Backbone", {"model": model, "output": "features", "freeze": freeze}, (240.0, 0.0)),
             Node("head", "Linear", {"out_features": 10}, (480.0, 0.0)),
             Node("out", "Output", {}, (720.0, 0.0))]
    edges = [Edge("in", "bb"), Edge("bb", "head"), Edge("head", "out")]
    return Project("bb node", GraphDocument(nodes, edges), data={"dataset": "cifar10", "params": {}})




def item_of(win: MainWindow, node_id: str = "bb") -> BackboneNodeItem:
    item = win.scene.node_item(node_id)
    assert isinstance(item, BackboneNodeItem)
    return item


def click(win: MainWindow, item: NodeItem, local: QPointF) -> None:
    """A real left click on the canvas at ``local`` (item coordinates), the node scrolled into view."""
    win.view.centerOn(item)
    point: QPoint = win.view.mapFromScene(item.mapToScene(local))
    assert win.view.viewport().rect().contains(point)
    QTest.mouseClick(win.view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, point)


def click_lock(win: MainWindow, block: str, node_id: str = "bb") -> None:
    item = item_of(win, node_id)
    click(win, item, item.lock_rect(item.row_names().index(block)).center())


def reanalysed(qtbot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: not win.runner.pending, timeout=5000)


def assert_edges_attached(win: MainWindow, node_id: str) -> None:
    item = win.scene.node_item(node_id)
    assert item.edges
    for edge in item.edges:
        path = edge.path()
        start, end = path.pointAtPercent(0), path.pointAtPercent(1)
        assert (start - edge.source.port(False, edge.source_port).scenePos()).manhattanLength() < 0.01
        assert (end - edge.target.port(True, edge.target_port).scenePos()).manhattanLength() < 0.01


def test_only_backbones_get_the_collapsible_item(make_window):
    win = make_window(backbone_project())
    assert isinstance(win.scene.node_item("bb"), BackboneNodeItem)
    assert not isinstance(win.scene.node_item("head"), BackboneNodeItem)


def test_collapsed_node_shows_live_counts(make_window):
    win = make_window(backbone_project())
    info = win.analysis.nodes["bb"]
    assert info.param_count > 1_000_000
    assert item_of(win).counts_text() == f"trainable {compact_count(info.param_count)} · frozen 0"
    assert item_of(win).counts_text() == "trainable 11.2 M · frozen 0"  # resnet18 without its fc


def test_clicking_the_chevron_expands_and_collapses_and_edges_follow(make_window):
    win = make_window(backbone_project())
    item = item_of(win)
    collapsed_height = item.height
    assert_edges_attached(win, "bb")
    click(win, item, CHEVRON.center())
    assert item.expanded and win.scene.is_expanded("bb")
    assert item.row_names() == block_names("resnet18", "features")
    assert item.height >= collapsed_height + len(item.row_names()) * 17
    assert_edges_attached(win, "bb")
    # a node below the expanded one can be reached again after collapsing; edges still follow a move
    item.setPos(item.pos() + QPointF(40, 60))
    assert_edges_attached(win, "bb")
    click(win, item, CHEVRON.center())
    assert not item.expanded and not win.scene.is_expanded("bb")
    assert item.height == collapsed_height
    assert_edges_attached(win, "bb")


def test_chevron_click_neither_moves_nor_edits(make_window):
    win = make_window(backbone_project())
    item = item_of(win)
    before, pos = win.stack.count(), item.pos()
    json_before = graph_to_json(win.doc)
    click(win, item, CHEVRON.center())
    assert win.stack.count() == before  # view state: no undo step
    assert item.pos() == pos
    assert graph_to_json(win.doc) == json_before  # and nothing in the document


def test_clicking_a_lock_is_one_undoable_set_param_and_counts_follow(qtbot, make_window):
    win = make_window(backbone_project())
    item = item_of(win)
    win.scene.set_expanded("bb", True)
    counts_before = item.counts_text()
    before = win.stack.count()
    click_lock(win, "layer4")
    assert win.stack.count() == before + 1
    assert win.doc.node("bb").params["freeze"] == ["layer4"]
    assert item.counts_stale  # the old counts until the re-analysis
    reanalysed(qtbot, win)
    frozen = item.table.counts[item.row_names().index("layer4")]
    info = win.analysis.nodes["bb"]
    assert info.param_count - info.trainable == frozen
    assert item.counts_text() != counts_before
    assert item.counts_text() == f"trainable {compact_count(info.trainable)} · frozen {compact_count(frozen)}"
    assert not item.counts_stale
    click_lock(win, "conv1")
    assert win.doc.node("bb").params["freeze"] == ["conv1", "layer4"]  # model order
    click_lock(win, "layer4")  # unlock
    assert win.doc.node("bb").params["freeze"] == ["conv1"]
    win.stack.undo()
    win.stack.undo()
    assert win.doc.node("bb").params["freeze"] == ["layer4"]
    win.stack.undo()
    assert win.doc.node("bb").params["freeze"] == "none"
    win.runner.run_now()
    assert item.counts_text() == counts_before
    assert item.expanded  # undo keeps the view state
    assert_edges_attached(win, "bb")


def test_locking_every_block_gives_all_and_unlocking_from_all_lists_the_rest(make_window):
    win = make_window(backbone_project())
    win.scene.set_expanded("bb", True)
    names = list(block_names("resnet18", "features"))
    for name in names:
        click_lock(win, name)
    assert win.doc.node("bb").params["freeze"] == "all"
    click_lock(win, "layer2")
    assert win.doc.node("bb").params["freeze"] == [n for n in names if n != "layer2"]
    click_lock(win, "layer2")
    assert win.doc.node("bb").params["freeze"] == "all"
    for name in names:
        click_lock(win, name)
    assert win.doc.node("bb").params["freeze"] == "none"


def test_a_block_frozen_through_its_parent_stays_frozen(make_window):
    win = make_window(backbone_project("mobilenet_v2", ["features"]))
    win.scene.set_expanded("bb", True)
    before = win.stack.count()
    click_lock(win, "features.3")
    assert win.stack.count() == before and win.doc.node("bb").params["freeze"] == ["features"]
    assert "unfreeze 'features' first" in win.scene.toggle_block("bb", "features.3")
    click_lock(win, "features")
    assert win.doc.node("bb").params["freeze"] == "none"
    click_lock(win, "features.3")
    assert win.doc.node("bb").params["freeze"] == ["features.3"]
    click_lock(win, "features")  # the parent covers the child; it is the only top-level block: all
    assert win.doc.node("bb").params["freeze"] == "all"
    click_lock(win, "features")
    assert win.doc.node("bb").params["freeze"] == "none"


def test_double_click_on_a_lock_toggles_twice_and_does_not_open_the_inspector(qtbot, make_window):
    win = make_window(backbone_project())
    win.scene.set_expanded("bb", True)
    item = item_of(win)
    win.view.centerOn(item)
    point = win.view.mapFromScene(item.mapToScene(item.lock_rect(0).center()))
    activated: list[str] = []
    win.scene.nodeActivated.connect(activated.append)
    vp, none = win.view.viewport(), Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(vp, LEFT, none, point)  # what a double click delivers: click, double-click, release
    QTest.mouseDClick(vp, LEFT, none, point)
    QTest.mouseRelease(vp, LEFT, none, point)
    assert activated == []
    assert win.doc.node("bb").params["freeze"] == "none"  # frozen, then unfrozen


def test_expanded_state_survives_rename_and_undo_but_not_into_the_file_or_a_paste(make_window):
    win = make_window(backbone_project())
    saved = graph_to_json(win.doc)
    win.scene.set_expanded("bb", True)
    assert graph_to_json(win.doc) == saved
    win.inspector.rename_node("bb", "backbone")
    assert win.scene.is_expanded("backbone") and item_of(win, "backbone").expanded
    win.stack.undo()
    assert item_of(win, "bb").expanded
    win.scene.select_nodes(["bb"])
    pasted = win.scene.duplicate_selected()
    assert len(pasted) == 1 and win.doc.node(pasted[0]).params == win.doc.node("bb").params
    assert not win.scene.is_expanded(pasted[0]) and not item_of(win, pasted[0]).expanded
    win.stack.undo()  # the paste
    assert item_of(win, "bb").expanded


def test_unknown_model_expands_to_a_message_not_a_traceback(make_window):
    project = backbone_project()
    project.graph.node("bb").params["model"] = "resnet_nope"
    win = make_window(project)
    item = item_of(win)
    item.set_expanded(True)
    assert item.table is None and "resnet_nope" in item.table_error
    assert item.row_names() == ()
    win.view.centerOn(item)
    win.grab()  # paints without raising


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_expanded_node_paints_in_both_themes(make_window, theme):
    win = make_window(backbone_project(freeze=["conv1", "layer1"]))
    win.set_theme(theme)
    win.scene.set_expanded("bb", True)
    win.view.centerOn(item_of(win))
    image = win.view.viewport().grab().toImage()
    assert not image.isNull()


def test_toggled_freeze_normalises():
    table = block_table("resnet18", "features")
    assert toggled_freeze("none", table, "layer1") == ["layer1"]
    assert toggled_freeze(["layer1"], table, "layer1") == "none"
    assert toggled_freeze(["layer3"], table, "conv1") == ["conv1", "layer3"]
    rest = [n for n in table.names if n != "bn1"]
    assert toggled_freeze(rest, table, "bn1") == "all"
    assert toggled_freeze("all", table, "bn1") == rest
    with pytest.raises(ValueError, match="not a block"):
        toggled_freeze("none", table, "fc")
    vit = block_table("vit_b_16", "features")
    assert vit.outside_blocks > 0  # class token: freezing every block is not freeze='all'
    top = list(vit.top_level)
    assert toggled_freeze(top[:-1], vit, top[-1]) == top


def test_compact_count():
    assert [compact_count(n) for n in (0, 696, 9_408, 334_160, 999_950, 11_176_512)] == \
        ["0", "696", "9.41 k", "334 k", "1 M", "11.2 M"]
