"""What preprocessing a Backbone's weights expect, whether the data gives it, and `nnbuilder validate`'s note."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch

from nnbuilder.backbones.preprocess_offer import (
    ASSUMED,
    PRETRAINING_DATA,
    TORCHVISION,
    WEIGHTS_JSON,
    expected_preprocessing,
    preprocess_offers,
)
from nnbuilder.backbones.weights import resource_path
from nnbuilder.cli import main
from nnbuilder.data import load_data
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project, load_project, save_project
from nnbuilder.package_data import examples_dir
from nnbuilder.pipeline import prepare
from nnbuilder.training import Trainer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = examples_dir() / "transfer_learning.nnb"
RESOURCE = "resource:shapes28_shufflenet_v2_x0_5.safetensors"


def _project(weights: str | None, data: dict | None = None, shape: list[int] | None = None) -> Project:
    nodes = [Node("image", "Input", {"shape": shape or [3, 32, 32]}),
             Node("backbone", "Backbone", {"model": "resnet18", "weights": weights, "output": "features"}),
             Node("head", "Linear", {"out_features": 10}), Node("out", "Output", {})]
    edges = [Edge("image", "backbone"), Edge("backbone", "head"), Edge("head", "out")]
    section = data if data is not None else {"dataset": "cifar10", "params": {"max_samples": 100}}
    return Project("p", GraphDocument(nodes, edges), section, None)


def test_torchvision_weights_offer_their_transforms_and_detect_the_mismatch() -> None:
    project = _project("IMAGENET1K_V1")
    [offer] = preprocess_offers(project)
    assert offer.node == "backbone" and offer.applicable and not offer.matches
    assert offer.expected.origin == TORCHVISION
    assert offer.expected.summary().startswith("resnet18 IMAGENET1K_V1 expects: resize 256 → crop 224 (bilinear), "
                                               "normalise with ImageNet mean/std")
    assert offer.spec == {"resize": 256, "crop": 224, "interpolation": "bilinear", "mean": [0.485, 0.456, 0.406],
                          "std": [0.229, 0.224, 0.225]}
    text = "; ".join(offer.differences)
    assert "not resized" in text and "not cropped" in text and "training-split statistics" in text
    assert offer.input_fix == "set Input 'image' shape to [3, 224, 224]"
    project.data = offer.apply(project.data)
    [again] = preprocess_offers(project)
    assert again.matches and again.differences == []
    assert project.data["params"] == {"max_samples": 100}  # the rest of the section is kept


def test_default_weights_name_the_weights_they_resolve_to_and_partial_matches_are_listed() -> None:
    data = {"dataset": "cifar10", "preprocess": {"resize": 256, "crop": 224, "interpolation": "bicubic",
                                                 "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}}
    [offer] = preprocess_offers(_project("DEFAULT", data))
    assert offer.expected.weights == "DEFAULT (IMAGENET1K_V1)"
    assert offer.differences == ["resized with bicubic interpolation instead of bilinear",
                                 "normalised with mean [0.5, 0.5, 0.5] std [0.5, 0.5, 0.5] instead of ImageNet mean/std"]


def test_grey_data_gets_rgb_channels_and_normalize_false_is_dropped() -> None:
    data = {"dataset": "shapes28", "normalize": False, "augment": [{"type": "RandomHorizontalFlip"}]}
    [offer] = preprocess_offers(_project("IMAGENET1K_V1", data, shape=[1, 28, 28]))
    assert any("1-channel" in d for d in offer.differences)
    assert any("not normalised" in d for d in offer.differences)
    new = offer.apply(data)
    assert new["preprocess"]["channels"] == 3 and "normalize" not in new and new["augment"] == data["augment"]
    assert data["normalize"] is False  # the input section is not changed in place


def test_random_init_has_no_offer_and_unknown_cases_say_why(tmp_path: Path) -> None:
    assert preprocess_offers(_project(None)) == []
    [bad] = preprocess_offers(_project("IMAGENET9K_V9"))
    assert bad.expected is None and "IMAGENET9K_V9" in bad.problem and not bad.applicable
    [points] = preprocess_offers(_project("IMAGENET1K_V1", {"dataset": "spirals"}))
    assert points.problem == "data set 'spirals' does not hold images" and not points.applicable
    [missing] = preprocess_offers(_project("resource:nothing.safetensors"))
    assert missing.expected is None and "nothing.safetensors" in missing.problem


def test_weight_files_use_their_json_preprocess_or_announce_the_assumption(tmp_path: Path) -> None:
    file = tmp_path / "mine.safetensors"
    assumed = expected_preprocessing("resnet18", str(file))
    assert assumed.origin == ASSUMED and "assumed" in assumed.summary() and assumed.spec["crop"] == 224
    file.with_suffix(".json").write_text(json.dumps({"preprocess": {"resize": 40, "crop": 32, "mean": [0.1],
                                                                    "std": [0.3]}}))
    own = expected_preprocessing("resnet18", str(file))
    assert own.origin == WEIGHTS_JSON
    assert own.spec == {"resize": 40, "crop": 32, "interpolation": "bilinear", "mean": [0.1], "std": [0.3]}
    file.with_suffix(".json").write_text(json.dumps({"preprocess": {"resize": "big"}}))
    [broken] = preprocess_offers(_project(str(file)))
    assert "mine.json: preprocess.resize" in broken.problem


def test_shipped_weights_expect_the_statistics_of_their_pretraining_data() -> None:
    info = json.loads(resource_path(RESOURCE).with_suffix(".json").read_text(encoding="utf-8"))
    assert "preprocess" not in info  # so the statistics come from the recorded pretraining data
    expected = expected_preprocessing("shufflenet_v2_x0_5", RESOURCE)
    assert expected.origin == PRETRAINING_DATA and "shapes28 [1, 28, 28]" in expected.detail
    pretext = load_data(info["data"], seed=info["training"]["seed"]).meta["normalization"]["image"]
    assert expected.spec["mean"] == pytest.approx(pretext["mean"], abs=1e-4)
    assert expected.spec["std"] == pytest.approx(pretext["std"], abs=1e-4)
    target = load_data({**load_project(EXAMPLE).data, "preprocess": None}).meta["normalization"]["image"]
    assert abs(target["mean"][0] - pretext["mean"][0]) > 0.01  # the few-shot images' own statistics differ


def test_the_shipped_transfer_example_uses_the_weights_preprocessing_and_trains(one_thread: None) -> None:
    project = load_project(EXAMPLE)
    [offer] = preprocess_offers(project)
    assert offer.matches and not offer.needs_attention
    project.training.update(epochs=1)
    prepared = prepare(project)
    assert prepared.bundle.meta["normalization"]["image"]["source"] == "data.preprocess"
    result = Trainer(prepared.model, prepared.bundle, prepared.config, batch_size=prepared.batch_size).run()
    assert result.stop_reason == "completed" and torch.isfinite(torch.tensor(result.history[-1]["loss"]))


def test_validate_prints_a_note_naming_the_node_and_the_fix(tmp_path: Path, capsys) -> None:
    project = _project("IMAGENET1K_V1")
    path = save_project(project, tmp_path / "p.nnb")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    note = next(line for line in out.splitlines() if line.startswith("note: "))
    assert "backbone 'backbone': resnet18 IMAGENET1K_V1 expects: resize 256 → crop 224" in note
    assert 'set data.preprocess to {"resize": 256' in note and "Use the weights' preprocessing" in note
    assert main(["validate", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == [note.removeprefix("note: ")]
    fixed = copy.deepcopy(project)
    [offer] = preprocess_offers(fixed)
    fixed.data = offer.apply(fixed.data)
    fixed.graph.nodes[0].params["shape"] = [3, 224, 224]
    assert main(["validate", str(save_project(fixed, tmp_path / "fixed.nnb"))]) == 0
    assert "note:" not in capsys.readouterr().out
