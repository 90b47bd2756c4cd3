"""The shipped backbone (resources/, made by scripts/pretrain_backbone.py) transfers offline to new shapes."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch

from nnbuilder.backbones import build_model, load_weights
from nnbuilder.backbones.weights import WeightsUnavailable, resource_path
from nnbuilder.data import DataError, load_data
from nnbuilder.graph.project import load_project
from nnbuilder.layers.backbone import BACKBONE
from nnbuilder.package_data import examples_dir
from nnbuilder.pipeline import prepare
from nnbuilder.training import Trainer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = examples_dir() / "transfer_learning.nnb"
RESOURCE = "resource:shapes28_shufflenet_v2_x0_5.safetensors"


def _backbone(project):
    return next(n for n in project.graph.nodes if n.type == "Backbone")


def _train(project):
    prepared = prepare(project)
    result = Trainer(prepared.model, prepared.bundle, prepared.config, batch_size=prepared.batch_size).run()
    return prepared, result


def test_shipped_weights_are_small_documented_and_fit_the_headless_model() -> None:
    file = resource_path(RESOURCE)
    assert file.suffix == ".safetensors" and file.stat().st_size < 6_000_000
    info = json.loads(file.with_suffix(".json").read_text(encoding="utf-8"))
    assert info["script"] == "scripts/pretrain_backbone.py" and (ROOT / info["script"]).is_file()
    assert info["model"] == "shufflenet_v2_x0_5" and info["pretext_test_metrics"]["test_accuracy"] > 0.9
    pretext = set(info["data"]["params"]["classes"])
    target = set(load_project(EXAMPLE).data["params"]["classes"])
    assert pretext and target and not pretext & target  # the example's task is new to the backbone
    model = build_model("shufflenet_v2_x0_5", "features")
    loaded = load_weights(model, RESOURCE, "shufflenet_v2_x0_5", "features")
    assert loaded is not None and loaded.tensors == len(model.state_dict())


@pytest.mark.parametrize("value", ["resource:../weights.safetensors", "resource:sub/x.safetensors",
                                   "resource:/etc/x.safetensors", "resource:x.pth", "resource:"])
def test_resource_weights_are_plain_safetensors_names_inside_resources(value: str) -> None:
    _clean, errors = BACKBONE.normalize({"model": "resnet18", "weights": value})
    assert "weights" in errors and "resource:" in errors["weights"]
    with pytest.raises(WeightsUnavailable):
        resource_path(value)


def test_missing_resource_lists_what_is_shipped() -> None:
    with pytest.raises(WeightsUnavailable, match="shapes28_shufflenet_v2_x0_5.safetensors"):
        resource_path("resource:nothing_here.safetensors")


def test_shapes28_class_subset_is_relabelled_in_order() -> None:
    bundle = load_data({"dataset": "shapes28", "params": {"n_samples": 60, "classes": ["star", "disc", "bars"]}})
    assert bundle.num_classes == 3 and bundle.class_names == ["star", "disc", "bars"]
    assert set(bundle.train.targets.tolist()) == {0, 1, 2}
    default = load_data({"dataset": "shapes28", "params": {"n_samples": 60}})
    assert default.num_classes == 10
    with pytest.raises(DataError, match="did you mean 'star'"):
        load_data({"dataset": "shapes28", "params": {"classes": ["stra", "disc"]}})


def test_pretrained_backbone_beats_the_same_network_from_scratch_on_few_samples(one_thread: None) -> None:
    project = load_project(EXAMPLE)
    assert project.data["params"]["n_samples"] * project.data["split"][0] <= 60  # ≈ 10 images per class
    pretrained, tuned = _train(project)
    scratch_project = copy.deepcopy(project)
    _backbone(scratch_project).params.update(weights=None, freeze="none")
    _scratch, scratch = _train(scratch_project)
    tuned_acc, scratch_acc = tuned.test_metrics["test_accuracy"], scratch.test_metrics["test_accuracy"]
    # measured over data/training seeds 0-3: fine-tuned 0.48-0.57, from scratch 0.21-0.27 (chance 0.2)
    assert tuned_acc >= scratch_acc + 0.1, (tuned_acc, scratch_acc)
    assert tuned.history[-1]["val_accuracy"] >= scratch.history[-1]["val_accuracy"] + 0.1
    # the frozen blocks kept their pretrained parameters
    shipped = build_model("shufflenet_v2_x0_5", "features")
    load_weights(shipped, RESOURCE, "shufflenet_v2_x0_5", "features")
    backbone = getattr(pretrained.model, pretrained.compiled.code.attr_of["backbone"])
    original = dict(shipped.named_parameters())
    for name, value in backbone.named_parameters():
        frozen = name.split(".")[0] in ("conv1", "stage2")
        assert value.requires_grad is not frozen
        assert torch.equal(value, original[name]) is frozen, name


def test_freeze_all_trains_only_the_head_and_keeps_the_backbone_bit_identical(one_thread: None) -> None:
    project = load_project(EXAMPLE)
    _backbone(project).params["freeze"] = "all"
    project.training.update(epochs=3, lr_multipliers={})
    prepared = prepare(project)
    backbone = getattr(prepared.model, prepared.compiled.code.attr_of["backbone"])
    head = getattr(prepared.model, prepared.compiled.code.attr_of["head"])
    before = {k: v.clone() for k, v in backbone.named_parameters()}
    head_before = head.weight.detach().clone()
    result = Trainer(prepared.model, prepared.bundle, prepared.config, batch_size=prepared.batch_size).run()
    assert result.stop_reason == "completed"
    assert all(torch.equal(v, before[k]) and not v.requires_grad for k, v in backbone.named_parameters())
    assert not torch.equal(head.weight, head_before)
