"""Blocks in the project format, in analysis and in the generated code (small graphs; ResNet-18 is in
tests/compile/test_block_resnet.py)."""
from __future__ import annotations

import json

import pytest
import torch
from block_fixtures import RES, project

from nnbuilder.analysis import analyze
from nnbuilder.compile import compile_graph
from nnbuilder.graph.project import ProjectFileError, dumps_project, loads_project, project_from_json
from nnbuilder.package_data import examples_dir


def _problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(ProjectFileError) as info:
        project_from_json(data)
    return info.value.problems


def test_a_project_with_blocks_round_trips_as_version_2() -> None:
    data = project(overrides=[{}, {"params": {"fc": {"out_features": 8, "bias": False}}}])
    loaded = project_from_json(data)
    saved = json.loads(dumps_project(loaded))
    assert saved["version"] == 2
    assert saved["graph"] == data["graph"]


def test_old_files_load_unchanged_and_stay_version_1() -> None:
    path = examples_dir() / "seed_regression.nnb"
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["version"] == 1
    assert json.loads(dumps_project(loads_project(text))) == json.loads(text)


def test_a_newer_version_is_refused() -> None:
    data = project()
    data["version"] = 3
    assert "newer nnbuilder" in _problems(data)[0][1]


@pytest.mark.parametrize("mutate, where, words", [
    (lambda d: d["graph"]["blocks"]["Res"]["nodes"][1].update(type="Lineer"), "$.graph.blocks.Res.nodes[1].type",
     "Lineer"),
    (lambda d: d["graph"]["blocks"]["Res"]["nodes"][1]["params"].update(out_features=-3),
     "$.graph.blocks.Res.nodes[1].params.out_features", "fc"),
    (lambda d: d["graph"]["blocks"]["Res"]["edges"].append({"source": "nowhere", "target": "fc"}),
     "$.graph.blocks.Res.edges[5].source", "nowhere"),
    (lambda d: d["graph"]["nodes"][2]["params"].update(block="Nope"), "$.graph.nodes[2].params", "Nope"),
    (lambda d: d["graph"]["nodes"][2]["params"].update(repeat=0), "$.graph.nodes[2].params", "repeat"),
    (lambda d: d["graph"]["nodes"][2]["params"].update(repeat=True), "$.graph.nodes[2].params", "repeat"),
    (lambda d: d["graph"]["nodes"][2]["params"].update(overrides=[{"params": {"ghost": {}}}]),
     "$.graph.nodes[2].params", "ghost"),
    (lambda d: d["graph"]["nodes"][2]["params"].update(overrides="x"), "$.graph.nodes[2].params", "overrides"),
    (lambda d: d["graph"]["nodes"][2]["params"].update(colour=1), "$.graph.nodes[2].params", "colour"),
    (lambda d: d["graph"].update(blocks=[1, 2]), "$.graph.blocks", "object"),
    (lambda d: d["graph"]["blocks"].update({"9bad name": RES}), "$.graph.blocks.9bad name", "block name"),
    (lambda d: d["graph"]["blocks"].update({"Empty": {"nodes": [], "edges": []}}), "$.graph.blocks.Empty.nodes",
     "Input"),
    (lambda d: d["graph"]["blocks"].update({"Junk": "text"}), "$.graph.blocks.Junk", "object"),
])
def test_bad_block_data_is_refused_with_a_path(mutate, where, words) -> None:
    data = project()
    mutate(data)
    problems = _problems(data)
    assert any(at == where and words in what for at, what in problems), problems


def _nested(a_uses: str, b_uses: str) -> dict:
    def user(name: str, used: str) -> dict:
        return {"nodes": [{"id": "x", "type": "Input", "params": {}},
                          {"id": "inner", "type": "Block", "params": {"block": used}},
                          {"id": "out", "type": "Output", "params": {}}],
                "edges": [{"source": "x", "target": "inner"}, {"source": "inner", "target": "out"}]}
    return project(blocks={"Res": user("Res", a_uses), "B": user("B", b_uses), "C": RES})


def test_blocks_placing_each_other_in_a_cycle_are_refused() -> None:
    (at, what), = _problems(_nested("B", "Res"))
    assert at == "$.graph.blocks.Res"
    assert "cycle" in what and "Res" in what and "B" in what
    (_at, what), = _problems(_nested("Res", "C"))
    assert "Res → Res" in what


def test_nested_blocks_expand_and_compile() -> None:
    doc = project_from_json(_nested("B", "C")).graph
    analysis = analyze(doc)
    assert analysis.valid, [i.text() for i in analysis.issues]
    source = compile_graph(doc).source
    assert source.index("class C(nn.Module)") < source.index("class B(nn.Module)") < source.index("class Res(")


def test_a_repeat_bomb_is_refused_before_expansion() -> None:
    def wide(used: str) -> dict:
        return {"nodes": [{"id": "x", "type": "Input", "params": {}},
                          {"id": "many", "type": "Block", "params": {"block": used, "repeat": 1000}},
                          {"id": "out", "type": "Output", "params": {}}],
                "edges": [{"source": "x", "target": "many"}, {"source": "many", "target": "out"}]}
    data = project(repeat=1000, blocks={"Res": wide("B"), "B": wide("C"), "C": RES})
    (at, what), = _problems(data)
    assert at == "$.graph" and "expand to" in what and "repeat" in what


def test_shapes_are_inferred_per_copy_and_counted_per_block() -> None:
    doc = project_from_json(project(repeat=3)).graph
    analysis = analyze(doc)
    assert analysis.valid, [i.text() for i in analysis.issues]
    assert analysis.nodes["res"].output_shape == (8,)
    assert analysis.nodes["res"].param_count == 3 * (8 * 8 + 8)
    assert [c.params for c in analysis.copies["res"]] == [72, 72, 72]
    assert analysis.total_params == (4 * 8 + 8) + 3 * 72 + (8 * 2 + 2)
    assert set(analysis.to_json()["nodes"]) == {"in", "stem", "res", "head", "out"}


def test_an_error_inside_a_copy_names_the_block_node_and_the_copy() -> None:
    # copy 2 changes the width: its Add then gets [16] + [8]
    doc = project_from_json(project(repeat=3, overrides=[{}, {"params": {"fc": {"out_features": 16}}}])).graph
    analysis = analyze(doc)
    assert not analysis.valid
    error = analysis.errors[0]
    assert error.node == "res"
    assert "Res copy 2/3" in error.message and "'add'" in error.message


def test_an_unconnected_block_input_is_reported_on_the_block_node() -> None:
    data = project()
    data["graph"]["edges"] = [e for e in data["graph"]["edges"] if e["target"] != "res"]
    analysis = analyze(project_from_json(data).graph)
    assert any(i.node == "res" and "not connected" in i.message for i in analysis.errors)


def test_a_repeat_compiles_to_a_sequential_of_one_class_with_per_copy_arguments() -> None:
    doc = project_from_json(project(repeat=3, overrides=[{}, {"params": {"fc": {"bias": False}}}])).graph
    compiled = compile_graph(doc, "blocks")
    assert "class Res(nn.Module):" in compiled.source
    assert "self.res = nn.Sequential(Res(), Res(bias=False), Res())" in compiled.source
    model = compiled.build()
    assert model.res[1].fc.bias is None and model.res[0].fc.bias is not None
    assert sum(p.numel() for p in model.parameters()) == analyze(doc).total_params
    out = model(torch.randn(5, 4))
    assert out.shape == (5, 2)
    # by hand: the same weights through plain torch
    x = model.stem(torch.randn(5, 4))
    y = x
    for blk in model.res:
        y = torch.relu(blk.fc(y)) + y
    torch.testing.assert_close(model.head(y), model.head(model.res(x)))


def test_two_layers_of_a_block_at_one_module_path_are_an_error() -> None:
    data = project()
    inner = data["graph"]["blocks"]["Res"]["nodes"]
    inner[1]["module"] = "branch.0"
    inner[2]["module"] = "branch.0"
    analysis = analyze(project_from_json(data).graph)
    assert any(i.node == "res" and "in block Res" in i.message and "branch.0" in i.message for i in analysis.errors)


def test_a_two_input_block_compiles_to_a_class_with_two_arguments() -> None:
    gate = {"nodes": [{"id": "a", "type": "Input", "params": {}}, {"id": "b", "type": "Input", "params": {}},
                      {"id": "fc", "type": "Linear", "params": {"out_features": 4}},
                      {"id": "mul", "type": "Multiply", "params": {}}, {"id": "out", "type": "Output", "params": {}}],
            "edges": [{"source": "a", "target": "fc"}, {"source": "fc", "target": "mul"},
                      {"source": "b", "target": "mul", "target_port": 1}, {"source": "mul", "target": "out"}]}
    data = project(repeat=1, blocks={"Res": gate})
    graph = data["graph"]
    graph["nodes"][1]["params"]["out_features"] = 4
    graph["edges"].append({"source": "in", "target": "res", "target_port": 1})
    doc = project_from_json(data).graph
    analysis = analyze(doc)
    assert analysis.valid, [i.text() for i in analysis.issues]
    compiled = compile_graph(doc)
    assert "def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:" in compiled.source
    model = compiled.build()
    x = torch.randn(3, 4)
    torch.testing.assert_close(model(x), model.head(model.res.fc(model.stem(x)) * x))
    data["graph"]["nodes"][2]["params"]["repeat"] = 2
    with pytest.raises(ProjectFileError, match="only a one-input block can repeat"):
        project_from_json(data)
