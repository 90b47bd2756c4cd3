"""Must show: torchvision classification models import → validate → export → strict load of the source's
own state dict → identical outputs in eval mode.  Small models run in CI; the rest are marked slow."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nnbuilder.backbones.coverage import TORCHVISION_ARGS, check_model, input_size
from nnbuilder.backbones.fx_convert import UnsupportedModel
from nnbuilder.backbones.sources import build_source, torchvision_names

FAST = ("resnet18", "mobilenet_v3_small", "shufflenet_v2_x0_5", "squeezenet1_1", "mnasnet0_5", "efficientnet_b0")
SLOW = [n for n in torchvision_names() if n not in FAST]  # Swin v1/v2 included (TorchvisionOp attention)


@pytest.mark.parametrize("name", FAST)
def test_small_torchvision_models_import_exactly(name: str, one_thread: None) -> None:
    outcome = check_model(name)
    assert outcome.ok, outcome.message


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_every_torchvision_model_imports_exactly(name: str, one_thread: None) -> None:
    outcome = check_model(name)
    assert outcome.ok, outcome.message


def test_every_swin_is_in_the_slow_list() -> None:
    assert {"swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b"} <= set(SLOW)


def test_export_file_loads_the_original_state_dict(tmp_path: Path, one_thread: None) -> None:
    from nnbuilder.backbones.fx_import import import_module
    from nnbuilder.compile import compile_graph, write_source

    original = build_source("mobilenet_v3_small").model.eval()
    result = import_module(original, [(3, 64, 64)])
    path = write_source(compile_graph(result.doc, "mnv3").source, tmp_path / "mnv3.py")
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - the exported file
    exported = namespace["Mnv3"]().eval()
    exported.load_state_dict(original.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(exported(x), original(x))


def test_forward_tensors_become_counted_parameters(one_thread: None) -> None:
    from torchvision.models import VisionTransformer

    from nnbuilder.analysis import analyze
    from nnbuilder.backbones.fx_import import import_module

    original = VisionTransformer(image_size=64, patch_size=32, num_layers=1, num_heads=2, hidden_dim=32, mlp_dim=64)
    result = import_module(original, [(3, 64, 64)])
    tensors = {n.extra["module"]: n for n in result.doc.nodes if n.type == "Parameter"}
    assert set(tensors) == {"class_token", "encoder.pos_embedding"}
    assert tensors["class_token"].params["kind"] == "parameter"
    analysis = analyze(result.doc)
    assert analysis.valid
    assert analysis.total_params == sum(p.numel() for p in original.parameters())


def test_unused_weights_and_unknown_names_are_clear_errors() -> None:
    from nnbuilder.backbones.fx_import import import_module

    googlenet = build_source("googlenet", {"init_weights": False}).model
    with pytest.raises(UnsupportedModel, match="aux_logits=False"):
        import_module(googlenet, [(3, 64, 64)])
    with pytest.raises(UnsupportedModel, match="did you mean resnet18"):
        build_source("resnet19")
    assert TORCHVISION_ARGS["googlenet"]["aux_logits"] is False and input_size("vit_b_16") == 224
