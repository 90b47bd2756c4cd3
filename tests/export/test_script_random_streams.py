"""``export --script`` reproduces data augmentation and ``training.init``: the same draws, the same random stream."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from takeaway_helpers import example
from test_script_training import _assert_same

import nnbuilder
from nnbuilder.export.script import export_script

# every step type of the allow-list, with non-default parameters
ALL_STEPS = [
    {"type": "RandomHorizontalFlip", "p": 0.4},
    {"type": "RandomVerticalFlip", "p": 0.3},
    {"type": "RandomCrop", "padding": 2, "padding_mode": "reflect"},
    {"type": "RandomResizedCrop", "scale": [0.7, 1.0]},
    {"type": "RandomRotation", "degrees": 10.0},
    {"type": "RandomAffine", "degrees": 5.0, "translate": 0.1, "scale": [0.95, 1.05], "shear": 3.0},
    {"type": "ColorJitter", "brightness": 0.3, "contrast": 0.2},
    {"type": "GaussianBlur", "kernel_size": 3, "sigma": [0.2, 1.0]},
    {"type": "RandomErasing", "p": 0.5, "scale": [0.02, 0.1], "value": 0.5},
]


def _shift(epochs: int, **data: Any) -> Any:
    """The augment_shift lesson (RandomAffine shifts on 28×28 shapes), shortened."""
    return example("augment_shift", data=data, training={"epochs": epochs})


@pytest.mark.slow  # a fresh interpreter imports torch and torchvision: ~10 s on 2 shared cores
def test_random_affine_shifts_of_the_lesson_are_reproduced(tmp_path: Path) -> None:
    project = _shift(3)
    source = _assert_same(project, tmp_path)
    assert "v2.RandomAffine(0.0, translate=(0.25, 0.25), scale=(0.9, 1.1), shear=None)" in source
    assert "NOT REPRODUCED" not in source
    # the augmentation matters: without it the app's history is a different one
    plain = nnbuilder.train(_shift(3, augment=None))
    augmented = nnbuilder.train(project)
    assert not math.isclose(plain[-1]["loss"], augmented[-1]["loss"], abs_tol=1e-6)


@pytest.mark.slow
def test_every_augmentation_type_is_reproduced(tmp_path: Path) -> None:
    source = _assert_same(_shift(2, augment=ALL_STEPS), tmp_path)
    assert '("flip", -1, 0.4)' in source and '("flip", -2, 0.3)' in source
    assert "v2.RandomCrop((28, 28), padding=2, padding_mode='reflect')" in source
    assert "v2.RandomErasing(0.5, scale=(0.02, 0.1), value=0.5)" in source


def test_projects_without_augmentation_get_no_augment_code(tmp_path: Path) -> None:
    export_script(_shift(1, augment=None), tmp_path)
    source = (tmp_path / "train.py").read_text()
    assert "make_augment" not in source and "AUGMENT_STATS" not in source and "torchvision" not in source


@pytest.mark.slow
def test_training_init_draws_the_same_weights_and_the_same_stream_after_them(tmp_path: Path) -> None:
    # kaiming by default, xavier (normal) on conv1 and a Gaussian on the head: the draws must come in the app's
    # order, and the augmentation after them must draw from the same stream
    init = {"default": {"type": "kaiming", "nonlinearity": "relu", "distribution": "uniform"},
            "per_layer": {"conv1": {"type": "xavier", "distribution": "normal", "gain": 0.8},
                          "head": {"type": "normal", "std": 0.05}}}
    project = example("augment_shift", training={"epochs": 2, "init": init})
    source = _assert_same(project, tmp_path)
    assert "('conv1', 'xavier_normal_', {'gain': 0.8})" in source and "kaiming_uniform_" in source
    assert "NOT REPRODUCED" not in source
