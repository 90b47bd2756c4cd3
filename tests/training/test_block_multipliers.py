"""Per-block LR multipliers: dotted ``lr_multipliers`` keys, longest-prefix groups, staged unfreezing."""
from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
from torch import nn
from training_helpers import config, regression_bundle

from nnbuilder.training import Callback, ConfigError, Trainer
from nnbuilder.training.optim import owning_key, param_groups


class Blocks(nn.Module):
    """A backbone-like model: ``backbone.{stem,layer1,layer2}`` (layer2 has sub-blocks 0 and 1) and a head."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.backbone = nn.Sequential(OrderedDict(
            stem=nn.Linear(2, 8), layer1=nn.Linear(8, 8),
            layer2=nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8))))
        self.head = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def ids(params: list) -> set[int]:
    return {id(p) for p in params}


def by_name(groups: list[dict]) -> dict[str, dict]:
    return {g["name"]: g for g in groups}


def test_each_parameter_goes_to_its_longest_prefix_key() -> None:
    model = Blocks()
    b = model.backbone
    cfg = config(lr_multipliers={"backbone": 0.1, "backbone.layer2": 1.0, "backbone.layer2.2": 0.5})
    groups = param_groups(model, cfg)
    assert [g["name"] for g in groups] == ["default", "backbone", "backbone.layer2", "backbone.layer2.2"]
    named = by_name(groups)
    assert ids(named["default"]["params"]) == ids(model.head.parameters())
    assert ids(named["backbone"]["params"]) == ids([*b.stem.parameters(), *b.layer1.parameters()])
    assert ids(named["backbone.layer2"]["params"]) == ids(b.layer2[0].parameters())
    assert ids(named["backbone.layer2.2"]["params"]) == ids(b.layer2[2].parameters())
    lrs = {name: g["lr"] for name, g in named.items()}
    assert lrs == pytest.approx({"default": 0.05, "backbone": 0.005, "backbone.layer2": 0.05,
                                 "backbone.layer2.2": 0.025})
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))  # each parameter once


def test_a_block_key_alone_leaves_the_rest_of_its_parent_in_default() -> None:
    model = Blocks()
    named = by_name(param_groups(model, config(lr_multipliers={"backbone.layer1": 0.2})))
    assert set(named) == {"default", "backbone.layer1"}
    assert ids(named["backbone.layer1"]["params"]) == ids(model.backbone.layer1.parameters())
    assert named["backbone.layer1"]["lr"] == pytest.approx(0.01)
    assert len(named["default"]["params"]) == len(list(model.parameters())) - 2


def test_prefix_means_whole_path_segments() -> None:
    assert owning_key("backbone.layer10", ["backbone.layer1", "backbone"]) == "backbone"
    assert owning_key("backbone.layer1.0", ["backbone.layer1", "backbone"]) == "backbone.layer1"
    assert owning_key("head", ["backbone"]) is None


def test_unknown_dotted_key_names_the_key_and_lists_the_parents_children() -> None:
    with pytest.raises(ConfigError) as info:
        param_groups(Blocks(), config(lr_multipliers={"backbone.layer9": 0.1}))
    (path, message), = info.value.problems
    assert path == "training.lr_multipliers.backbone.layer9"
    assert "'backbone' has no submodule 'layer9'" in message and "stem, layer1, layer2" in message
    with pytest.raises(ConfigError) as info:
        param_groups(Blocks(), config(lr_multipliers={"body.layer1": 0.1}))
    (path, message), = info.value.problems
    assert path == "training.lr_multipliers.body.layer1"
    assert "no top-level submodule named 'body'" in message and "backbone, head" in message


def test_malformed_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        config(lr_multipliers={"backbone..layer1": 0.1})
    assert [p for p, _ in info.value.problems] == ["training.lr_multipliers.backbone..layer1"]


def test_frozen_params_are_left_out_unless_scheduled() -> None:
    model = Blocks()
    model.backbone.requires_grad_(False)
    cfg = config(lr_multipliers={"backbone": 0.1, "backbone.layer2": 1.0})
    assert [g["name"] for g in param_groups(model, cfg)] == ["default"]


class Snapshot(Callback):
    def __init__(self) -> None:
        self.after: list[dict[str, torch.Tensor]] = []
        self.groups: list[dict[str, set[int]]] = []

    def on_epoch_end(self, trainer, epoch, metrics) -> None:
        self.groups.append({g["name"]: ids(g["params"]) for g in trainer.optimizer.param_groups})
        self.after.append({k: v.detach().clone() for k, v in trainer.model.state_dict().items()})


def test_staged_unfreezing_puts_each_block_in_the_group_its_path_selects() -> None:
    model = Blocks()
    model.backbone.requires_grad_(False)
    b = model.backbone
    cfg = config(epochs=2, lr_multipliers={"backbone": 0.1, "backbone.layer2": 0.0},
                 unfreeze=[{"epoch": 2, "module": "backbone", "blocks": ["layer1", "layer2"]}])
    snap = Snapshot()
    trainer = Trainer(model, regression_bundle(), cfg, [snap])
    trainer.run()
    expected = {"default": ids(model.head.parameters()), "backbone": ids(b.layer1.parameters()),
                "backbone.layer2": ids(b.layer2.parameters())}  # the stem stays frozen: in no group
    assert snap.groups == [expected, expected]  # placed at setup (frozen), the same groups once unfrozen
    assert b.layer1.weight.requires_grad and b.layer2[0].weight.requires_grad and not b.stem.weight.requires_grad
    first, second = snap.after
    assert not torch.equal(first["backbone.layer1.weight"], second["backbone.layer1.weight"])  # ×0.1 trains
    assert torch.equal(first["backbone.layer2.0.weight"], second["backbone.layer2.0.weight"])  # ×0: no updates
    assert torch.equal(first["backbone.stem.weight"], second["backbone.stem.weight"])
    lrs = {g["name"]: g["lr"] for g in trainer.optimizer.param_groups}
    assert lrs == pytest.approx({"default": 0.05, "backbone": 0.005, "backbone.layer2": 0.0})
