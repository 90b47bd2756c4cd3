from __future__ import annotations

import os
import pickle
import urllib.error
from pathlib import Path

import pytest
import torch
import torchvision
from safetensors.torch import save_file
from torch import nn

from nnbuilder.backbones import catalog
from nnbuilder.backbones.weights import (
    UnsafeWeights,
    WeightsMismatch,
    WeightsUnavailable,
    apply_backbone_weights,
    load_weights,
    read_state_dict,
)

X = torch.randn(2, 3, 64, 64)


@pytest.fixture(scope="module")
def reference() -> nn.Module:
    torch.manual_seed(1)
    return torchvision.models.resnet18(weights=None).eval()


@pytest.mark.parametrize("suffix", [".safetensors", ".pth"])
def test_local_file_gives_torchvision_outputs(tmp_path: Path, reference: nn.Module, suffix: str):
    state = {k: v.contiguous() for k, v in reference.state_dict().items()}
    path = tmp_path / f"resnet18{suffix}"
    save_file(state, str(path)) if suffix == ".safetensors" else torch.save(state, path)
    backbone = catalog.build_model("resnet18", "features").eval()
    loaded = apply_backbone_weights(backbone, {"model": "resnet18", "weights": str(path), "output": "features"})
    assert loaded is not None and set(loaded.ignored) == {"fc.weight", "fc.bias"}
    with torch.no_grad():
        features = backbone(X)
        assert torch.equal(features, _pooled(reference, X))
        assert torch.allclose(reference.fc(features), reference(X), atol=1e-6)
        full = catalog.build_model("resnet18", "logits").eval()
        load_weights(full, str(path), "resnet18", "logits")
        assert torch.equal(full(X), reference(X))


def _pooled(m: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """torchvision's resnet forward up to the head."""
    x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
    return torch.flatten(m.avgpool(m.layer4(m.layer3(m.layer2(m.layer1(x))))), 1)


def test_checkpoint_dict_layout_is_accepted(tmp_path: Path, reference: nn.Module):
    path = tmp_path / "ckpt.pt"
    torch.save({"epoch": 3, "state_dict": reference.state_dict()}, path)
    assert set(read_state_dict(path)) == set(reference.state_dict())


class _Hostile:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_hostile_pickle_is_refused_and_never_runs(tmp_path: Path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"conv1.weight": _Hostile(str(marker))}, path)  # a real torch file with a malicious object
    with pytest.raises(pickle.UnpicklingError):  # sanity: it is not a plain state dict
        torch.load(path, weights_only=True)
    model = catalog.build_model("resnet18", "features")
    with pytest.raises(UnsafeWeights, match="refused to load .*evil.pth"):
        load_weights(model, str(path), "resnet18")
    assert not marker.exists()


def test_other_architecture_names_keys(tmp_path: Path):
    path = tmp_path / "mobilenet.safetensors"
    save_file({k: v.contiguous() for k, v in torchvision.models.mobilenet_v3_small(weights=None).state_dict().items()},
              str(path))
    with pytest.raises(WeightsMismatch) as info:
        load_weights(catalog.build_model("resnet18", "features"), str(path), "resnet18")
    message = str(info.value)
    assert "missing keys" in message and "layer1.0.conv1.weight" in message
    assert "unexpected keys" in message and "features.0.0.weight" in info.value.unexpected
    assert "features.0.0.weight" not in info.value.missing


def test_shape_mismatch_is_listed(tmp_path: Path):
    path = tmp_path / "r34.safetensors"
    state = dict(torchvision.models.resnet18(weights=None).state_dict())
    state["conv1.weight"] = torch.zeros(32, 3, 7, 7)
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    with pytest.raises(WeightsMismatch, match=r"conv1.weight file \[32, 3, 7, 7\] vs model \[64, 3, 7, 7\]"):
        load_weights(catalog.build_model("resnet18", "features"), str(path), "resnet18")


def test_missing_file_is_unavailable(tmp_path: Path):
    with pytest.raises(WeightsUnavailable, match="does not exist"):
        load_weights(catalog.build_model("resnet18"), str(tmp_path / "nope.pth"), "resnet18")


def _offline(*args, **kwargs):
    raise urllib.error.URLError("network is unreachable (simulated)")


def test_default_weights_offline_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "urlopen", _offline)  # deterministic even where a network exists
    with pytest.raises(WeightsUnavailable) as info:
        load_weights(catalog.build_model("resnet18"), "DEFAULT", "resnet18")
    assert "resnet18-f37072fd.pth" in str(info.value) and str(tmp_path) in str(info.value)


def test_default_weights_come_from_the_torch_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   reference: nn.Module):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "urlopen", _offline)
    cached = tmp_path / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    cached.parent.mkdir(parents=True)
    torch.save(reference.state_dict(), cached)
    model = catalog.build_model("resnet18", "logits").eval()
    load_weights(model, "DEFAULT", "resnet18", "logits")
    with torch.no_grad():
        assert torch.equal(model(X), reference(X))
