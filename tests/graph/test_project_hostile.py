"""Hostile and broken project files: every failure is a ProjectFileError with JSON paths.

Never another exception type, never a crash: truncated files, non-UTF-8 bytes, garbage, wrong
top-level types, absurd nesting, numbers beyond float range, NaN/Infinity literals, oversize
files, duplicate ids, dangling edges and wrong types everywhere.  Also: versions (newer refused,
0 migrated), unknown keys preserved, and atomic saves that leave the old file intact on failure.
"""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnbuilder.graph import project as project_module
from nnbuilder.graph.project import (
    MAX_FILE_BYTES,
    ProjectFileError,
    dumps_project,
    load_project,
    loads_project,
    save_project,
)

VALID = {
    "format": "nnbuilder", "version": 1, "name": "seed regression",
    "graph": {
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [2]}, "pos": [0, 0]},
                  {"id": "fc1", "type": "Linear", "params": {"out_features": 20}},
                  {"id": "act1", "type": "ReLU", "params": {}},
                  {"id": "out", "type": "Output", "params": {}}],
        "edges": [{"source": "in", "target": "fc1"}, {"source": "fc1", "target": "act1"},
                  {"source": "act1", "target": "out", "source_port": 0, "target_port": 0}]},
    "data": {"dataset": "regression", "params": {}, "split": [0.7, 0.15, 0.15], "batch_size": 32},
    "training": {"loss": "MSELoss", "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": 100},
}
VALID_TEXT = json.dumps(VALID, indent=2)


def problems_of(raw) -> list[tuple[str, str]]:
    with pytest.raises(ProjectFileError) as info:
        loads_project(raw)
    problems = info.value.problems
    assert problems
    for path, message in problems:
        assert isinstance(path, str) and path.startswith("$"), path
        assert isinstance(message, str) and message.strip() and "Traceback" not in message
    assert str(info.value).strip()
    return problems


def paths_of(raw) -> list[str]:
    return [p for p, _ in problems_of(raw)]


def mutated(fn) -> str:
    data = copy.deepcopy(VALID)
    fn(data)
    return json.dumps(data)


def test_valid_file_loads():
    project = loads_project(VALID_TEXT)
    assert [n.id for n in project.graph.nodes] == ["in", "fc1", "act1", "out"]


def test_every_prefix_of_a_valid_file_fails_cleanly():
    raw = VALID_TEXT.encode()
    for end in range(len(raw)):  # every proper prefix, including the empty file
        problems_of(raw[:end])


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_random_corruption_never_raises_anything_else(data):
    raw = bytearray(VALID_TEXT.encode())
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    try:
        loads_project(bytes(raw))
    except ProjectFileError as exc:
        assert all(p.startswith("$") and m for p, m in exc.problems)


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00{", b"{\"format\": \"nnbuilder\", \"name\": \"\xe9\"}",
                                 bytes(range(256)), os.urandom(2048), b"\x00" * 64, b"PK\x03\x04zipfile"])
def test_binary_and_non_utf8(raw):
    problems_of(raw)


@pytest.mark.parametrize("text", ["[]", "[1, 2]", "42", "3.5", "\"nnbuilder\"", "null", "true", "", "   ",
                                  "{}", "{\"format\": \"other\"}", "{\"format\": null}"])
def test_not_a_project_object(text):
    problems_of(text)


def test_deep_nesting():
    problems_of("[" * 100_000)
    problems_of("{\"a\":" * 100_000)
    nested = mutated(lambda d: d.update(data={"x": None}))
    problems_of(nested.replace("null", "[" * 50_000 + "]" * 50_000))


def test_moderately_deep_unknown_data_round_trips():
    value: object = 1
    for _ in range(200):
        value = [value]
    project = loads_project(mutated(lambda d: d.update(deep=value)))
    assert json.loads(dumps_project(project))["deep"] == value


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
@pytest.mark.parametrize("where", ["data", "param", "pos", "extra", "port"])
def test_non_finite_numbers(literal, where):
    data = copy.deepcopy(VALID)
    if where == "data":
        data["data"]["batch_size"] = "@@"
    elif where == "param":
        data["graph"]["nodes"][1]["params"]["out_features"] = "@@"
    elif where == "pos":
        data["graph"]["nodes"][0]["pos"] = [0, "@@"]
    elif where == "extra":
        data["graph"]["nodes"][2]["colour"] = "@@"
    else:
        data["graph"]["edges"][0]["source_port"] = "@@"
    problems_of(json.dumps(data).replace('"@@"', literal))  # refused: such a project could never be saved


def test_huge_integers():
    problems_of(mutated(lambda d: d["graph"]["nodes"][1]["params"].update(out_features="@@")).replace('"@@"', "9" * 5000))
    text = mutated(lambda d: d["graph"]["nodes"][0].update(pos=[10**400, 0]))
    assert paths_of(text) == ["$.graph.nodes[0].pos"]
    assert "$.graph.nodes[1].params.out_features" in paths_of(
        mutated(lambda d: d["graph"]["nodes"][1]["params"].update(out_features=10**30)))
    assert "$.graph.nodes[0].params.shape" in paths_of(
        mutated(lambda d: d["graph"]["nodes"][0]["params"].update(shape=[10**30])))


def test_lone_surrogates_are_refused():
    # Valid JSON escapes, but not encodable as UTF-8: the project could never be saved.
    assert paths_of(VALID_TEXT.replace('"seed regression"', '"\\ud800"')) == ["$.name"]
    assert "$.graph.nodes[1].id" in paths_of(VALID_TEXT.replace('"fc1"', '"\\udfff"', 1))
    assert paths_of(mutated(lambda d: d.update(extra={"k": "@@"})).replace("@@", "\\ud83d")) == ["$.extra.k"]


def test_too_large_file(tmp_path, monkeypatch):
    path = tmp_path / "big.nnb"
    path.write_text(VALID_TEXT)
    monkeypatch.setattr(project_module, "MAX_FILE_BYTES", 100)
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    assert info.value.problems[0][0] == "$" and "at most" in info.value.problems[0][1]
    assert MAX_FILE_BYTES >= 1024 * 1024


def test_missing_file_and_directory(tmp_path):
    for path in (tmp_path / "nope.nnb", tmp_path):
        with pytest.raises(ProjectFileError) as info:
            load_project(path)
        assert info.value.problems[0][0] == "$"


def test_duplicate_node_ids():
    text = mutated(lambda d: d["graph"]["nodes"].append({"id": "fc1", "type": "ReLU"}))
    problems = problems_of(text)
    assert ("$.graph.nodes[4].id", "duplicate node id 'fc1'") in problems


def test_edges_to_missing_nodes_and_duplicate_edges():
    def change(d):
        d["graph"]["edges"] += [{"source": "ghost", "target": "out"}, {"source": "in", "target": "nowhere"},
                                {"source": "in", "target": "fc1"}]
    paths = paths_of(mutated(change))
    assert "$.graph.edges[3].source" in paths and "$.graph.edges[4].target" in paths and "$.graph.edges[5]" in paths


WRONG_TYPES = [
    (lambda d: d.update(name=5), "$.name"),
    (lambda d: d.update(graph=[]), "$.graph"),
    (lambda d: d.update(graph=None), "$.graph"),
    (lambda d: d["graph"].update(nodes={}), "$.graph.nodes"),
    (lambda d: d["graph"].update(edges="in->out"), "$.graph.edges"),
    (lambda d: d["graph"]["nodes"].__setitem__(1, "Linear"), "$.graph.nodes[1]"),
    (lambda d: d["graph"]["nodes"][1].update(id=7), "$.graph.nodes[1].id"),
    (lambda d: d["graph"]["nodes"][1].update(id=""), "$.graph.nodes[1].id"),
    (lambda d: d["graph"]["nodes"][1].update(id="   "), "$.graph.nodes[1].id"),
    (lambda d: d["graph"]["nodes"][1].update(id="x" * 201), "$.graph.nodes[1].id"),
    (lambda d: d["graph"]["nodes"][1].update(type=["Linear"]), "$.graph.nodes[1].type"),
    (lambda d: d["graph"]["nodes"][1].update(type="Lineer"), "$.graph.nodes[1].type"),
    (lambda d: d["graph"]["nodes"][1].update(params=[20]), "$.graph.nodes[1].params"),
    (lambda d: d["graph"]["nodes"][1]["params"].update(out_features="20"), "$.graph.nodes[1].params.out_features"),
    (lambda d: d["graph"]["nodes"][1]["params"].update(bias="yes"), "$.graph.nodes[1].params.bias"),
    (lambda d: d["graph"]["nodes"][1]["params"].update(units=3), "$.graph.nodes[1].params.units"),
    (lambda d: d["graph"]["nodes"][0]["params"].update(shape=[]), "$.graph.nodes[0].params.shape"),
    (lambda d: d["graph"]["nodes"][0]["params"].update(shape="2"), "$.graph.nodes[0].params.shape"),
    (lambda d: d["graph"]["nodes"][0]["params"].update(dtype="int32"), "$.graph.nodes[0].params.dtype"),
    (lambda d: d["graph"]["nodes"][0].update(pos="0,0"), "$.graph.nodes[0].pos"),
    (lambda d: d["graph"]["nodes"][0].update(pos=[0, 0, 0]), "$.graph.nodes[0].pos"),
    (lambda d: d["graph"]["nodes"][0].update(pos=[True, 0]), "$.graph.nodes[0].pos"),
    (lambda d: d["graph"]["edges"].__setitem__(0, ["in", "fc1"]), "$.graph.edges[0]"),
    (lambda d: d["graph"]["edges"][0].update(source=None), "$.graph.edges[0].source"),
    (lambda d: d["graph"]["edges"][0].update(target_port=-1), "$.graph.edges[0].target_port"),
    (lambda d: d["graph"]["edges"][0].update(source_port="0"), "$.graph.edges[0].source_port"),
    (lambda d: d["graph"]["edges"][0].update(source_port=True), "$.graph.edges[0].source_port"),
    (lambda d: d["graph"]["edges"][0].update(target_port=1.5), "$.graph.edges[0].target_port"),
    (lambda d: d["graph"]["edges"][0].update(target_port=10**6), "$.graph.edges[0].target_port"),
    (lambda d: d.update(data=[1]), "$.data"),
    (lambda d: d.update(training="fast"), "$.training"),
    (lambda d: d.update(version="1"), "$.version"),
    (lambda d: d.update(version=-1), "$.version"),
    (lambda d: d.update(version=1.0), "$.version"),
    (lambda d: d.update(version=True), "$.version"),
]


@pytest.mark.parametrize("change,path", WRONG_TYPES)
def test_wrong_types_everywhere(change, path):
    assert path in paths_of(mutated(change))


def test_all_problems_reported_at_once_with_right_indices():
    def change(d):
        d["name"] = 1
        d["graph"]["nodes"].insert(0, 42)  # skipped item: later nodes keep their own indices
        d["graph"]["nodes"][2]["params"]["out_features"] = -3
        d["graph"]["nodes"].append({"id": "x", "type": "Bogus"})
    paths = paths_of(mutated(change))
    assert paths == ["$.name", "$.graph.nodes[0]", "$.graph.nodes[2].params.out_features", "$.graph.nodes[5].type"]


def test_newer_version_is_refused_with_upgrade_message():
    problems = problems_of(mutated(lambda d: d.update(version=99)))
    assert problems[0][0] == "$.version"
    assert "upgrade" in problems[0][1] and "99" in problems[0][1]


@pytest.mark.parametrize("version", [0, None])
def test_version_0_and_missing_version_migrate(version):
    def change(d):
        if version is None:
            del d["version"]
        else:
            d["version"] = version
    project = loads_project(mutated(change))
    assert json.loads(dumps_project(project))["version"] == 1
    assert len(project.graph) == 4


def test_unknown_keys_survive_load_and_save(tmp_path):
    def change(d):
        d["future"] = {"a": [1, 2, {"b": None}]}
        d["graph"]["layout"] = "grid"
        d["graph"]["nodes"][1]["colour"] = "#ff0000"
        d["graph"]["edges"][0]["label"] = "weights"
    path = tmp_path / "p.nnb"
    path.write_text(mutated(change), encoding="utf-8")
    save_project(load_project(path), path)
    again = json.loads(path.read_text(encoding="utf-8"))
    assert again["future"] == {"a": [1, 2, {"b": None}]}
    assert again["graph"]["layout"] == "grid"
    assert again["graph"]["nodes"][1]["colour"] == "#ff0000"
    assert again["graph"]["edges"][0]["label"] == "weights"
    assert again["data"] == VALID["data"] and again["training"] == VALID["training"]


# ----------------------------------------------------------------------------- atomic saves
@pytest.mark.parametrize("broken", ["fsync", "replace", "write"])
def test_failed_save_leaves_old_file_and_no_temp(tmp_path, monkeypatch, broken):
    path = tmp_path / "project.nnb"
    path.write_text(VALID_TEXT, encoding="utf-8")
    before = path.read_bytes()
    project = loads_project(VALID_TEXT)
    project.name = "changed"

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if broken == "write":
        real_fdopen = os.fdopen

        class Half:
            def __init__(self, fh):
                self.fh = fh

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

            def write(self, text):
                self.fh.write(text[: len(text) // 2])
                boom()

            def __getattr__(self, name):
                return getattr(self.fh, name)

        monkeypatch.setattr(project_module.os, "fdopen", lambda *a, **k: Half(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(project_module.os, broken, boom)
    with pytest.raises(OSError):
        save_project(project, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project.nnb"]


def test_save_then_load_round_trip(tmp_path):
    path = tmp_path / "p.nnb"
    project = loads_project(VALID_TEXT)
    save_project(project, path)
    assert dumps_project(load_project(path)) == dumps_project(project)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.nnb"]


def test_save_to_missing_folder_fails_cleanly(tmp_path):
    with pytest.raises(OSError):
        save_project(loads_project(VALID_TEXT), tmp_path / "missing" / "p.nnb")
    assert not (tmp_path / "missing").exists()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=50))
def test_any_name_saves_and_loads(tmp_path, name):
    project = loads_project(VALID_TEXT)
    project.name = name
    path = save_project(project, Path(tmp_path) / "n.nnb")
    assert load_project(path).name == name
