"""Staged unfreezing: frozen blocks join training at their epoch; resume keeps the schedule."""
from __future__ import annotations

import pytest
import torch
from training_helpers import TwoPart, config, regression_bundle

from nnbuilder.training import Callback, ConfigError, Trainer


class Recorder(Callback):
    def __init__(self) -> None:
        self.backbone_after_epoch: list[torch.Tensor] = []
        self.unfrozen: list[tuple[int, list[str]]] = []

    def on_epoch_end(self, trainer, epoch, metrics) -> None:
        self.backbone_after_epoch.append(trainer.model.backbone[0].weight.detach().clone())

    def on_unfreeze(self, trainer, epoch, names) -> None:
        self.unfrozen.append((epoch, names))


def frozen_model() -> TwoPart:
    model = TwoPart()
    model.backbone.requires_grad_(False)
    return model


@pytest.mark.parametrize("optimizer", [{"type": "SGD", "lr": 0.05, "momentum": 0.9, "weight_decay": 0.01},
                                       {"type": "Adam", "lr": 0.01, "weight_decay": 0.01}])
def test_backbone_trains_only_from_its_unfreeze_epoch(optimizer: dict) -> None:
    model = frozen_model()
    start = model.backbone[0].weight.detach().clone()
    recorder = Recorder()
    cfg = config(epochs=4, optimizer=optimizer, unfreeze=[{"epoch": 3, "module": "backbone"}])
    Trainer(model, regression_bundle(), cfg, [recorder]).run()
    after = recorder.backbone_after_epoch
    assert torch.equal(after[0], start) and torch.equal(after[1], start)  # epochs 1-2: frozen, no decay either
    assert not torch.equal(after[2], start) and not torch.equal(after[3], after[2])  # epochs 3-4: training
    assert recorder.unfrozen == [(2, ["backbone"])]
    assert all(p.requires_grad for p in model.parameters())


def test_single_blocks_and_lr_multipliers_combine() -> None:
    model = frozen_model()
    cfg = config(epochs=2, lr_multipliers={"backbone": 0.1},
                 unfreeze=[{"epoch": 2, "module": "backbone", "blocks": ["0"]}])
    trainer = Trainer(model, regression_bundle(), cfg)
    trainer.run()
    assert model.backbone[0].weight.requires_grad
    groups = {g["name"]: g for g in trainer.optimizer.param_groups}
    assert groups["backbone"]["lr"] == pytest.approx(0.005)


def test_unknown_layer_or_block_is_named_with_its_path() -> None:
    with pytest.raises(ConfigError) as info:
        Trainer(frozen_model(), regression_bundle(),
                config(unfreeze=[{"epoch": 2, "module": "backbone", "blocks": ["layer9"]}])).run()
    (path, message), = info.value.problems
    assert path == "training.unfreeze[0].blocks" and "layer9" in message
    with pytest.raises(ConfigError) as info:
        config(unfreeze=[{"epoch": 0, "module": "", "blocks": "x"}])
    assert {p for p, _ in info.value.problems} == {"training.unfreeze[0].epoch", "training.unfreeze[0].module",
                                                  "training.unfreeze[0].blocks"}


def test_resume_after_the_unfreeze_epoch_equals_an_uninterrupted_run(tmp_path) -> None:
    section = {"epochs": 4, "unfreeze": [{"epoch": 2, "module": "backbone"}]}
    straight = frozen_model()
    Trainer(straight, regression_bundle(), config(**section)).run()

    class StopAfter(Callback):
        def on_epoch_end(self, trainer, epoch, metrics) -> None:
            if epoch == 2:
                trainer.stop()

    first = frozen_model()
    Trainer(first, regression_bundle(), config(**section), [StopAfter()], checkpoint_dir=tmp_path).run()
    resumed = frozen_model()
    Trainer(resumed, regression_bundle(), config(**section), checkpoint_dir=tmp_path).resume(tmp_path)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)
