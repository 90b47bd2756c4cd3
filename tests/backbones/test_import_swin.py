"""Swin (v1 and v2): torchvision hides its shifted-window attention from torch.fx, so the import keeps those
calls as allow-listed ``TorchvisionOp`` nodes; the exported file imports torchvision, loads the source's
state dict strictly and computes the same outputs."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torchvision.models import SwinTransformer
from torchvision.models.swin_transformer import PatchMergingV2, SwinTransformerBlockV2

from nnbuilder.analysis import analyze
from nnbuilder.backbones.fx_convert import UnsupportedModel
from nnbuilder.backbones.fx_import import import_module
from nnbuilder.backbones.sources import verify
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.layers.allowlist import check_torchvision_function
from nnbuilder.layers.spec import ParamError


def _tiny_swin(v2: bool, dropout: float = 0.0) -> SwinTransformer:
    """8×8 patches and 4×4 windows: the first stage shifts its windows (the masked path), the second does not."""
    extra = {"block": SwinTransformerBlockV2, "downsample_layer": PatchMergingV2} if v2 else {}
    return SwinTransformer(patch_size=[4, 4], embed_dim=8, depths=[2, 2], num_heads=[1, 2], window_size=[4, 4],
                           stochastic_depth_prob=0.0, num_classes=5, attention_dropout=dropout, **extra).eval()


@pytest.mark.parametrize("v2", [False, True], ids=["swin", "swin_v2"])
def test_tiny_swin_exports_loads_strictly_and_matches(v2: bool, tmp_path: Path, one_thread: None) -> None:
    from nnbuilder.compile import compile_graph, write_source

    original = _tiny_swin(v2)
    result = import_module(original, [(3, 32, 32)])
    calls = {n.params["target"].rsplit(".", 1)[1] for n in result.doc.nodes if n.type == "TorchvisionOp"}
    assert calls == {"shifted_window_attention", "_get_relative_position_bias", "_patch_merging_pad"}
    assert set(result.opaque) >= {n.id for n in result.doc.nodes if n.type == "TorchvisionOp"}
    verify(result, original, [(3, 32, 32)])
    analysis = analyze(result.doc)
    assert analysis.total_params == sum(p.numel() for p in original.parameters())

    source = compile_graph(result.doc, "tiny swin").source
    assert "import torchvision\n" in source
    path = write_source(source, tmp_path / "swin.py")
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - the exported file
    exported = namespace["TinySwin"]().eval()
    exported.load_state_dict(original.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32)  # another batch size than the import's check
    with torch.no_grad():
        assert torch.equal(exported(x), original(x))
    exported.train()
    exported(x).sum().backward()  # the attention's weights are trainable parameters of the export
    assert exported.state_dict().keys() == original.state_dict().keys()
    qkv = dict(exported.named_parameters())["features.1.0.attn.qkv.weight"]
    assert qkv.grad is not None and qkv.grad.abs().sum() > 0


def test_swin_attention_dropout_is_refused_with_the_reason() -> None:
    with pytest.raises(UnsupportedModel, match=r"attention_dropout.*dropouts at 0\.0") as info:
        import_module(_tiny_swin(False, dropout=0.1), [(3, 32, 32)])
    assert " at 0x" not in str(info.value) and "features.1.0.attn" in str(info.value)


def test_only_the_listed_torchvision_functions_are_allowed() -> None:
    assert check_torchvision_function("torchvision.models.swin_transformer.shifted_window_attention")
    for name in ("os.system", "torchvision.io.read_image", "torchvision.models.swin_transformer.torch.load",
                 "torchvision.models.swin_transformer.shifted_window_attention(x); import os; os"):
        with pytest.raises(ParamError, match="not an allowed torchvision function"):
            check_torchvision_function(name)
    op = Node("op", "TorchvisionOp", {"target": "torchvision.io.write_png", "args": [{"input": 0}, "f.png"]})
    doc = GraphDocument([Node("in", "Input", {"shape": [2]}), op, Node("out", "Output")],
                        [Edge("in", "op"), Edge("op", "out")])
    errors = [i.text() for i in analyze(doc).issues if i.node == "op" and i.is_error]
    assert errors and "not an allowed torchvision function" in errors[0]


def test_a_same_named_function_from_elsewhere_is_not_torchvisions() -> None:
    from torch import fx

    from nnbuilder.backbones.fx_convert import convert_function

    def shifted_window_attention(x: torch.Tensor) -> torch.Tensor:  # someone else's, under torchvision's name
        return x

    shifted_window_attention.__module__ = "torchvision.models.swin_transformer"
    graph = fx.Graph()
    node = graph.call_function(shifted_window_attention, (graph.placeholder("x"),))
    with pytest.raises(UnsupportedModel, match="not torchvision's own"):
        convert_function(node)
