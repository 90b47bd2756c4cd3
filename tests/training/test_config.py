"""The training section: parsing, every problem reported with its JSON path, devices and precision."""
from __future__ import annotations

import pytest
import torch
from training_helpers import TwoPart, config, regression_bundle

from nnbuilder.training import ConfigError, DeviceError, Trainer, TrainingConfig, resolve_device
from nnbuilder.training.registry import LOSSES, OPTIMIZERS
from nnbuilder.training.schedulers import SCHEDULERS

FULL = {
    "loss": "MSELoss",
    "optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0},
    "epochs": 100, "batch_size": 32,
    "scheduler": {"type": "ReduceLROnPlateau", "factor": 0.5, "patience": 5},
    "early_stopping": {"patience": 10, "monitor": "val_loss", "restore_best": True},
    "regularization": {"l1": 0.0, "l2": 0.0, "elastic_net": {"alpha": 0.01, "l1_ratio": 0.3}},
    "grad_clip": 1.0, "init": {"default": "kaiming", "per_layer": {"fc1": "xavier"}},
    "lr_multipliers": {"backbone": 0.1}, "seed": 0, "device": "auto", "precision": "fp32",
}


def problems_of(section: object) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        TrainingConfig.from_dict(section)
    return dict(info.value.problems)


def test_full_example_parses_into_typed_fields() -> None:
    cfg = TrainingConfig.from_dict(FULL)
    assert cfg.optimizer.type == "SGD" and cfg.optimizer.lr == 0.01 and cfg.optimizer.params["momentum"] == 0.9
    assert cfg.scheduler.type == "ReduceLROnPlateau" and cfg.scheduler.params["factor"] == 0.5
    assert cfg.early_stopping.patience == 10 and cfg.early_stopping.restore_best
    assert cfg.regularization.elastic_alpha == 0.01 and cfg.regularization.elastic_l1_ratio == 0.3
    assert cfg.grad_clip.max_norm == 1.0
    assert cfg.init.default.type == "kaiming" and cfg.init.per_layer["fc1"].type == "xavier"
    assert cfg.lr_multipliers == {"backbone": 0.1} and cfg.batch_size == 32 and cfg.epochs == 100
    assert cfg.to_dict() == FULL


def test_every_problem_is_collected_with_its_json_path() -> None:
    found = problems_of({
        "loss": "SquaredLoss", "optimizer": {"type": "SGD", "lr": -1, "nesterov": True, "momentun": 0.9},
        "epochs": 0, "batch_size": "big", "device": "gpu", "precision": "fp8",
        "scheduler": {"type": "StepLR"}, "early_stopping": {"monitor": "val_loss"},
        "regularization": {"l1": -0.1, "elastic_net": {"alpha": 0.1, "l1_ratio": 2}},
        "init": {"default": "orthogonal"}, "lr_multipliers": {"head": -2}, "colour": "red",
    })
    expected = {
        "training.loss.type": "unknown loss 'SquaredLoss'",
        "training.optimizer.lr": "must be > 0, got -1",
        "training.optimizer.nesterov": "needs momentum > 0",
        "training.optimizer.momentun": "unknown key",
        "training.epochs": "must be ≥ 1, got 0",
        "training.batch_size": "expected an integer, got 'big'",
        "training.device": "must be auto, cpu, cuda, cuda:N or mps",
        "training.precision": "expected one of 'fp32', 'bf16', 'fp16', got 'fp8'",
        "training.scheduler.step_size": "is required",
        "training.early_stopping.patience": "is required",
        "training.regularization.l1": "must be ≥ 0, got -0.1",
        "training.regularization.elastic_net.l1_ratio": "must be ≤ 1, got 2",
        "training.init.default.type": "unknown init scheme 'orthogonal'",
        "training.lr_multipliers.head": "must be ≥ 0, got -2",
        "training.colour": "unknown key",
    }
    assert set(found) == set(expected)
    for path, start in expected.items():
        assert found[path].startswith(start), (path, found[path])


def test_missing_loss_and_optimizer_and_non_object_section() -> None:
    assert set(problems_of({})) == {"training.loss", "training.optimizer"}
    assert problems_of([1, 2]) == {"training": "must be an object, got list"}
    assert "training.optimizer.lr" in problems_of({"loss": "L1Loss", "optimizer": {"type": "Adam"}})
    assert "training.scheduler" in problems_of({"loss": "L1Loss", "optimizer": {"type": "Adam", "lr": 1e-3},
                                                "scheduler": {"type": "LinearWarmup"}})


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_registered_name_is_accepted(loss: str, optimizer: str) -> None:
    cfg = TrainingConfig.from_dict({"loss": loss, "optimizer": {"type": optimizer, "lr": 0.1, "weight_decay": 1e-4}})
    assert (cfg.loss.type, cfg.optimizer.type) == (loss, optimizer)
    assert cfg.optimizer.params["weight_decay"] == 1e-4


def test_scheduler_registry_is_the_documented_one() -> None:
    assert set(SCHEDULERS) == {"StepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR", "LinearWarmup",
                               "ReduceLROnPlateau"}


def test_unknown_layer_names_are_config_errors_when_the_model_is_known() -> None:
    bundle = regression_bundle(32)
    with pytest.raises(ConfigError) as info:
        Trainer(TwoPart(), bundle, config(lr_multipliers={"encoder": 0.1})).run()
    assert info.value.problems[0][0] == "training.lr_multipliers.encoder"
    assert "backbone, head" in info.value.problems[0][1]
    with pytest.raises(ConfigError) as info:
        Trainer(TwoPart(), bundle, config(init={"per_layer": {"fc9": "xavier"}})).run()
    assert info.value.problems[0][0] == "training.init.per_layer.fc9"


def test_devices_resolve_or_fail_with_a_clear_message() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="CUDA is not available"):
            resolve_device("cuda:0")
    else:
        with pytest.raises(DeviceError, match="does not exist"):
            resolve_device(f"cuda:{torch.cuda.device_count()}")


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_is_refused_on_cpu(precision: str) -> None:
    with pytest.raises(DeviceError, match="needs a CUDA device"):
        Trainer(TwoPart(), regression_bundle(32), config(precision=precision)).run()
