from __future__ import annotations

import collections
import textwrap
from pathlib import Path

import pytest
import torch
import torchvision

from nnbuilder.backbones.expand import expand_backbone
from nnbuilder.backbones.fx_convert import UnsupportedModel
from nnbuilder.backbones.fx_import import import_module, import_module_file, import_torchvision, remap_state_dict
from nnbuilder.graph.document import Edge, GraphDocument, Node

X = torch.randn(2, 3, 64, 64)

USER_CODE = textwrap.dedent('''
    import torch
    from torch import nn
    import torch.nn.functional as F

    class ResidualNet(nn.Module):
        def __init__(self, width: int = 8) -> None:
            super().__init__()
            self.stem = nn.Conv2d(3, width, 3, padding=1)
            self.conv = nn.Conv2d(width, width, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(width)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(2 * width, 5)

        def forward(self, x):
            h = F.relu(self.stem(x))
            y = self.bn(self.conv(h)) + h          # residual connection
            z = torch.cat([y, h * 0.5], 1)          # scalar product stays an opaque op
            return self.fc(torch.flatten(self.pool(F.hardswish(z)), 1))
''')


def _types(doc: GraphDocument) -> collections.Counter:
    return collections.Counter(n.type for n in doc.nodes)


def test_resnet18_becomes_ordinary_layers():
    result = import_torchvision("resnet18", (3, 64, 64))
    doc = result.doc
    types = _types(doc)
    assert types["Conv2d"] == 20 and types["BatchNorm2d"] == 20 and types["Add"] == 8 and types["Linear"] == 1
    assert not result.opaque and not result.dropped
    conv1 = doc.node("conv1").params
    assert conv1 == {"in_channels": 3, "out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3,
                     "dilation": 1, "groups": 1, "bias": False, "padding_mode": "zeros"}
    add = doc.node("add")  # first residual: bn2 of block layer1.0 plus the maxpool output
    assert sorted(e.source for e in doc.in_edges(add.id)) == ["layer1_0_bn2", "maxpool"]
    assert len(result.key_map) == len(torchvision.models.resnet18().state_dict())
    assert result.key_map["layer1.0.conv1.weight"] == ("layer1_0_conv1", "weight")


def _round_trip(compile_graph, result, original: torch.nn.Module, x: torch.Tensor) -> None:
    compiled = compile_graph(result.doc)
    model = compiled.build()
    assert remap_state_dict(original.state_dict(), result.key_map, compiled.code.attr_of).keys() \
        == original.state_dict().keys()  # the import keeps the source's module paths: no renaming
    model.load_state_dict(original.state_dict(), strict=True)
    original.eval()
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), original(x))


def test_resnet18_import_compile_round_trip(compile_graph):
    original = torchvision.models.resnet18(weights=None)
    _round_trip(compile_graph, import_module(original, [(3, 64, 64)]), original, X)


def test_user_file_with_residual(tmp_path: Path, compile_graph):
    path = tmp_path / "user_net.py"
    path.write_text(USER_CODE)
    result = import_module_file(path, "ResidualNet", [(3, 16, 16)], {"width": 4})
    doc = result.doc
    types = _types(doc)
    assert types["Add"] == 1 and types["Concat"] == 1 and types["ReLU"] == 1 and types["Flatten"] == 1
    add = next(n for n in doc.nodes if n.type == "Add")
    assert sorted(doc.node(e.source).type for e in doc.in_edges(add.id)) == ["BatchNorm2d", "ReLU"]
    opaque = {doc.node(i).params["target"] for i in result.opaque}
    assert opaque == {"mul"} and types["Hardswish"] == 1  # F.hardswish is the palette's Hardswish
    assert doc.node("fc").params["in_features"] == 8
    original = _load_class(path, "ResidualNet")(width=4)
    _round_trip(compile_graph, result, original, torch.randn(2, 3, 16, 16))


def _load_class(path: Path, name: str):
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - test fixture code
    return namespace[name]


def test_mobile_layers_are_ordinary_nodes(compile_graph):
    original = torchvision.models.mobilenet_v3_small(weights=None)
    result = import_module(original, [(3, 64, 64)])
    types = _types(result.doc)
    assert types["Hardswish"] > 0 and types["Hardsigmoid"] > 0 and not result.opaque
    _round_trip(compile_graph, result, original, X)


def test_opaque_torch_modules_compile(compile_graph):
    original = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.CELU(0.5), torch.nn.Softsign(),
                                   torch.nn.Flatten(), torch.nn.Linear(4 * 62 * 62, 2))
    result = import_module(original, [(3, 64, 64)])
    targets = {result.doc.node(i).params["target"] for i in result.opaque}
    assert targets == {"CELU", "Softsign"}
    _round_trip(compile_graph, result, original, X)


def test_user_file_errors_are_clear(tmp_path: Path):
    path = tmp_path / "m.py"
    path.write_text(USER_CODE)
    with pytest.raises(UnsupportedModel, match="no nn.Module subclass 'Nope'.*ResidualNet"):
        import_module_file(path, "Nope", [(3, 8, 8)])
    with pytest.raises(UnsupportedModel, match="1 input"):
        import_module_file(path, "ResidualNet", [(3, 8, 8), (2,)])


def test_untraceable_models_are_refused():
    class Branchy(torch.nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(UnsupportedModel, match="cannot be traced"):
        import_module(Branchy(), [(4,)])


def test_expand_backbone_splices_the_subgraph(compile_graph):
    doc = GraphDocument(
        [Node("img", "Input", {"shape": [3, 64, 64]}), Node("bb", "Backbone", {"model": "resnet18"}),
         Node("head", "Linear", {"out_features": 3}), Node("out", "Output")],
        [Edge("img", "bb"), Edge("bb", "head"), Edge("head", "out")])
    before = compile_graph(doc).analysis.total_params
    key_map = expand_backbone(doc, "bb")
    assert not doc.has_node("bb") and doc.has_node("bb_conv1")
    assert doc.node("bb_fc").type == "Identity"  # 'features': the removed head
    assert [e.target for e in doc.out_edges("img")] == ["bb_conv1"]
    assert [e.source for e in doc.in_edges("head")] == ["bb_fc"]
    assert key_map["layer4.1.bn2.weight"] == ("bb_layer4_1_bn2", "weight")
    assert compile_graph(doc).analysis.total_params == before
