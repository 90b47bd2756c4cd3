"""Lesson sets change one thing: each partner keeps its reference example's data, training and the rest of its graph."""
from __future__ import annotations

import json

import pytest

from nnbuilder.package_data import examples_dir


def _load(name: str) -> dict:
    return json.loads((examples_dir() / f"{name}.nnb").read_text(encoding="utf-8"))


def _types(project: dict) -> dict[str, tuple[str, str]]:
    return {n["id"]: (n["type"], json.dumps(n["params"], sort_keys=True)) for n in project["graph"]["nodes"]}


def _edges(project: dict) -> set[tuple[str, str, int]]:
    return {(e["source"], e["target"], e.get("target_port", 0)) for e in project["graph"]["edges"]}


@pytest.mark.parametrize("partner", ["attention_no_position", "attention_learned_position"])
def test_attention_partners_change_only_the_positional_encoding(partner: str) -> None:
    reference, project = _load("attention_classifier"), _load(partner)
    assert project["data"] == reference["data"] and project["training"] == reference["training"]
    assert project["lesson"] == reference["lesson"] == "Attention"
    ref_nodes, nodes = _types(reference), _types(project)
    assert {k: v for k, v in nodes.items() if k != "position"} == {k: v for k, v in ref_nodes.items() if k != "position"}
    if partner == "attention_learned_position":
        assert json.loads(nodes["position"][1])["kind"] == "learned" != json.loads(ref_nodes["position"][1])["kind"]
        assert _edges(project) == _edges(reference)
    else:
        assert "position" not in nodes
        rewired = {(("embed" if s == "position" else s), t, p) for s, t, p in _edges(reference) if t != "position"}
        assert _edges(project) == rewired


@pytest.mark.parametrize(("partner", "encoder"), [("tabular_onehot", "OneHot"), ("tabular_raw_codes", "ToFloat")])
def test_embedding_partners_change_only_how_the_codes_enter(partner: str, encoder: str) -> None:
    reference, project = _load("tabular_embeddings"), _load(partner)
    assert project["data"] == reference["data"] and project["training"] == reference["training"]
    assert project["lesson"] == reference["lesson"] == "Embeddings"
    types = {t for t, _ in _types(project).values()}
    assert encoder in types and "Embedding" not in types
    shared = ("numeric", "categorical", "numeric_norm", "fc1", "relu", "drop", "logits", "out")  # not the Concat
    assert {k: _types(project)[k] for k in shared} == {k: _types(reference)[k] for k in shared}


def test_every_partner_names_what_it_is_compared_with() -> None:
    for name, other in (("attention_no_position", "attention_classifier"),
                        ("attention_learned_position", "attention_classifier"),
                        ("tabular_onehot", "tabular_embeddings"), ("tabular_raw_codes", "tabular_embeddings")):
        assert other in _load(name)["description"], name
