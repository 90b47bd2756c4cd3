"""Make block / expand block / set repeat: undoable, exact round trips, clear refusals."""
from __future__ import annotations

import copy

import pytest
import torch
from block_fixtures import project

from nnbuilder.analysis import analyze
from nnbuilder.compile import compile_graph
from nnbuilder.graph.block_commands import BlockSelectionError, ExpandBlock, MakeBlock, SetRepeat
from nnbuilder.graph.commands import History
from nnbuilder.graph.document import GraphError, WrongNodeType
from nnbuilder.graph.project import Project, dumps_project, loads_project, project_from_json
from nnbuilder.package_data import examples_dir


def _state(doc) -> tuple:
    nodes, edges = doc.snapshot()
    return nodes, edges, copy.deepcopy(doc.extra)


def _residual():
    return loads_project((examples_dir() / "residual_block.nnb").read_text(encoding="utf-8"))


def test_make_expand_undo_round_trip_restores_the_document_exactly() -> None:
    proj = _residual()
    doc = proj.graph
    before = _state(doc)
    text_before = dumps_project(proj)
    params_before = analyze(doc).total_params
    layers = ["conv_a", "bn_a", "relu_a", "conv_b", "bn_b", "residual", "relu_out"]
    history = History(doc)
    history.push(MakeBlock(layers, "Body"))
    assert doc.extra["blocks"]["Body"]
    block = next(n for n in doc.nodes if n.type == "Block")
    assert len(doc) == len(before[0]) - len(layers) + 1
    assert analyze(doc).valid and analyze(doc).total_params == params_before
    assert "class Body(nn.Module):" in compile_graph(doc).source
    history.push(ExpandBlock(block.id))
    assert "blocks" not in doc.extra and not any(n.type == "Block" for n in doc.nodes)
    assert analyze(doc).total_params == params_before
    history.undo()
    assert next(n for n in doc.nodes if n.type == "Block").id == block.id
    history.undo()
    assert _state(doc) == before
    assert dumps_project(proj) == text_before
    history.redo()
    history.redo()
    assert not any(n.type == "Block" for n in doc.nodes)


def test_a_made_block_computes_what_the_layers_computed() -> None:
    proj = _residual()
    doc = proj.graph
    torch.manual_seed(0)
    plain = compile_graph(doc).build().eval()
    layers = ["conv_a", "bn_a", "relu_a", "conv_b", "bn_b", "residual", "relu_out"]
    History(doc).push(MakeBlock(layers, "Body", node_id="body"))
    blocked = compile_graph(doc).build().eval()
    weights = {}
    for key, value in plain.state_dict().items():
        head, _, _rest = key.partition(".")
        weights[f"body.{key}" if head in layers else key] = value
    blocked.load_state_dict(weights, strict=True)
    x = torch.randn(3, *analyze(doc).nodes[next(n.id for n in doc.nodes if n.type == "Input")].output_shape)
    torch.testing.assert_close(blocked(x), plain(x))


def test_expanding_keeps_the_state_dict_keys() -> None:
    doc = project_from_json(project(repeat=2)).graph
    keys = set(compile_graph(doc).build().state_dict())
    History(doc).push(ExpandBlock("res"))
    assert set(compile_graph(doc).build().state_dict()) == keys
    assert {n.extra.get("module") for n in doc.nodes if n.type == "Linear" and "module" in n.extra} == \
        {"res.0.fc", "res.1.fc"}


def test_set_repeat_is_undoable_and_drops_overrides_past_the_count() -> None:
    doc = project_from_json(project(repeat=3, overrides=[{}, {}, {"params": {"fc": {"bias": False}}}])).graph
    history = History(doc)
    before = _state(doc)
    history.push(SetRepeat("res", 2))
    assert doc.node("res").params == {"block": "Res", "repeat": 2, "overrides": [{}, {}]}
    assert analyze(doc).nodes["res"].param_count == 2 * 72
    history.undo()
    assert _state(doc) == before
    with pytest.raises(GraphError, match="1 to 1000"):
        history.push(SetRepeat("res", 0))
    with pytest.raises(WrongNodeType):
        history.push(SetRepeat("stem", 2))
    assert _state(doc) == before


def test_selections_that_cannot_be_a_block_are_refused_and_leave_the_document_alone() -> None:
    doc = Project(graph=project_from_json(project()).graph).graph
    before = _state(doc)
    history = History(doc)
    with pytest.raises(BlockSelectionError, match="model Input"):
        history.push(MakeBlock(["in", "stem"], "A"))
    with pytest.raises(BlockSelectionError, match="exists already"):
        history.push(MakeBlock(["stem"], "Res"))
    with pytest.raises(BlockSelectionError, match="not a block name"):
        history.push(MakeBlock(["stem"], "2x"))
    assert _state(doc) == before


def test_a_selection_with_two_outputs_or_a_path_that_re_enters_is_refused() -> None:
    proj = _residual()
    doc = proj.graph
    before = _state(doc)
    add = next(n.id for n in doc.nodes if n.type == "Add")
    with pytest.raises(BlockSelectionError, match="2 outputs"):  # the skip branch and the main path leave it
        History(doc).push(MakeBlock(["stem_bn", "stem_relu", "conv_a"], "Two"))
    skip_from = next(e.source for e in doc.in_edges(add) if len(doc.out_edges(e.source)) > 1)
    # the branch start plus the Add, without the layers between: a path leaves and re-enters
    with pytest.raises(BlockSelectionError, match="comes back"):
        History(doc).push(MakeBlock([skip_from, add], "Leaky"))
    assert _state(doc) == before
