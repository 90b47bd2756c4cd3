from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from nnbuilder.backbones import catalog
from nnbuilder.backbones.freezing import FreezeError, freeze, trainable_counts
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.layers import ParamError, get_spec


def _doc(**backbone) -> GraphDocument:
    return GraphDocument(
        [Node("img", "Input", {"shape": [3, 64, 64]}), Node("backbone", "Backbone", backbone),
         Node("head", "Linear", {"out_features": 10}), Node("out", "Output")],
        [Edge("img", "backbone"), Edge("backbone", "head"), Edge("head", "out")])


def _count(model: nn.Module, trainable: bool | None = None) -> int:
    return sum(p.numel() for p in model.parameters() if trainable is None or p.requires_grad == trainable)


def test_features_param_count_equals_torchvision_without_head(compile_graph):
    model = compile_graph(_doc(model="resnet18", output="features")).build()
    reference = torchvision.models.resnet18(weights=None)
    head = _count(reference.fc)
    assert _count(model.backbone) == _count(reference) - head == 11_176_512
    assert _count(model) == _count(reference) - head + 512 * 10 + 10
    assert model(torch.randn(2, 3, 64, 64)).shape == (2, 10)


def test_logits_keeps_the_imagenet_head(compile_graph):
    compiled = compile_graph(_doc(model="resnet18", output="logits"))
    assert compiled.analysis.nodes["backbone"].output_shape == (1000,)
    assert _count(compiled.build().backbone) == _count(torchvision.models.resnet18(weights=None))


def test_freeze_all_leaves_only_the_head_trainable(compile_graph):
    compiled = compile_graph(_doc(model="resnet18", freeze="all"))
    model = compiled.build()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"head.weight", "head.bias"}
    assert trainable_counts(model) == (5130, 11_176_512)
    assert "self.backbone.requires_grad_(False)" in compiled.source


def test_freeze_listed_blocks(compile_graph):
    model = compile_graph(_doc(model="resnet18", freeze=["conv1", "bn1", "layer1"])).build()
    frozen = {n.split(".")[1] for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen == {"conv1", "bn1", "layer1"}
    assert model.backbone.layer2[0].conv1.weight.requires_grad


def test_nested_head_and_block_paths():
    spec = get_spec("Backbone")
    params, errors = spec.normalize({"model": "mobilenet_v2", "freeze": ["features.0", "features.1"]})
    assert not errors
    ns = {"torchvision": torchvision, "nn": nn, "__builtins__": {}}
    with torch.device("meta"):
        model = eval(spec.constructor(params), ns)
    holder = type("H", (), {})()
    holder.m = model
    lines = spec.setup("m", params)
    assert lines[0].startswith("self.m.classifier[1] = nn.Identity()")  # the head, then the frozen blocks
    for line in lines:
        exec(line, ns, {"self": holder})  # noqa: S102 - the spec's own setup lines
    assert isinstance(model.classifier[1], nn.Identity)
    assert not model.features[1].conv[0][0].weight.requires_grad and model.features[2].conv[0][0].weight.requires_grad


def test_unknown_model_suggests_names():
    _, errors = get_spec("Backbone").normalize({"model": "resnet19"})
    assert "unknown backbone model 'resnet19'" in errors["model"] and "resnet18" in errors["model"]
    with pytest.raises(catalog.UnknownModel, match="mobilenet_v2"):
        catalog.get_info("mobilenetv2")


def test_bad_freeze_and_weights_values_are_named():
    _, errors = get_spec("Backbone").normalize({"freeze": "everything", "weights": 3})
    assert "'all', 'none'" in errors["freeze"] and "DEFAULT" in errors["weights"]


@pytest.mark.parametrize("params, words", [
    ({"freeze": ["layer9"]}, ["layer9", "layer4"]),
    ({"weights": "IMAGENET1K_V9"}, ["IMAGENET1K_V9", "IMAGENET1K_V1"]),
    ({"freeze": ["fc"]}, ["'fc'"]),  # the head is gone in 'features' mode
])
def test_infer_names_unknown_blocks_and_weights(params, words):
    spec = get_spec("Backbone")
    clean, errors = spec.normalize({"model": "resnet18", **params})
    assert not errors
    with pytest.raises(ParamError) as info:
        spec.infer(clean, [(3, 64, 64)])
    assert all(w in str(info.value) for w in words)


def test_infer_checks_the_image_layout():
    spec = get_spec("Backbone")
    with pytest.raises(ParamError, match=r"\(3, H, W\)"):
        spec.infer(spec.normalize({})[0], [(1, 28, 28)])
    with pytest.raises(ParamError, match="224"):
        spec.infer(spec.normalize({"model": "vit_b_16"})[0], [(3, 64, 64)])


def test_catalogue_matches_torchvision_on_meta():
    registered = set(torchvision.models.list_models(module=torchvision.models))
    assert set(catalog.CATALOGUE) <= registered
    one_per_family = {info.family: info for info in catalog.CATALOGUE.values()}  # keep the suite quick
    for name in ("resnet50", "mobilenet_v3_large", "efficientnet_b3", "densenet161", "vit_b_16"):
        one_per_family[name] = catalog.CATALOGUE[name]
    for name, info in one_per_family.items():
        name = info.name
        full = catalog.build_model(name, "logits", device="meta")
        head = full.get_submodule(info.head)
        assert isinstance(head, nn.Linear) and head.in_features == info.features, name


def test_preprocessing_from_weights_enum():
    pre = catalog.preprocessing("resnet50", "IMAGENET1K_V2")
    assert (pre.resize, pre.crop, pre.interpolation) == (232, 224, "bilinear")
    assert pre.mean == pytest.approx((0.485, 0.456, 0.406)) and pre.std == pytest.approx((0.229, 0.224, 0.225))
    assert catalog.preprocessing("resnet18", None).resize == 256


def test_freeze_helper_rejects_unknown_blocks():
    model = torchvision.models.resnet18(weights=None)
    freeze(model, ["layer4"])
    assert trainable_counts(model)[1] == _count(model.layer4)
    with pytest.raises(FreezeError, match="no block 'layer5'"):
        freeze(model, ["layer5"])


def test_spec_module_does_not_import_torchvision():
    import subprocess
    import sys

    code = "import sys, nnbuilder.layers.backbone; print('torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
