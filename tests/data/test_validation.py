"""The data section is checked with JSON paths; bad input raises DataError naming the problem."""
from __future__ import annotations

import pytest

from nnbuilder.data import DataError, load_data, validate_data_section


def _paths(section: object) -> dict[str, str]:
    return dict(validate_data_section(section))


def test_valid_sections_have_no_problems() -> None:
    assert validate_data_section({"dataset": "spirals"}) == []
    assert validate_data_section({"dataset": "shapes28", "params": {"noise": 0.2}, "split": [0.6, 0.2, 0.2],
                                  "batch_size": 64, "normalize": False,
                                  "augment": [{"type": "RandomCrop", "padding": 2}]}) == []


def test_unknown_dataset_suggests_close_names() -> None:
    problems = _paths({"dataset": "spiral"})
    assert "spirals" in problems["data.dataset"]
    with pytest.raises(DataError, match="did you mean 'spirals'"):
        load_data({"dataset": "spiral"})


def test_every_problem_is_reported_with_its_path() -> None:
    problems = _paths({"dataset": "moons", "params": {"noise": "lots", "n_sample": 10}, "split": [0.7, 0.2],
                       "batch_size": 0, "normalize": "yes"})
    assert "number" in problems["data.params.noise"]
    assert "n_samples" in problems["data.params.n_sample"]  # suggestion for the typo
    assert "sum to 0.9" in problems["data.split"]
    assert "data.batch_size" in problems and "data.normalize" in problems


def test_range_and_type_errors() -> None:
    assert "≥" in _paths({"dataset": "spirals", "params": {"noise": -1}})["data.params.noise"]
    assert "integer" in _paths({"dataset": "spirals", "params": {"n_samples": 10.5}})["data.params.n_samples"]
    assert "data.split" in _paths({"dataset": "spirals", "split": "70/30"})
    assert "data.split[1]" in _paths({"dataset": "spirals", "split": [0.5, 1.5, -1.0]})
    assert "data" in _paths(["not", "an", "object"])
    assert "required" in _paths({"params": {}})["data.dataset"]


def test_required_params_of_own_files() -> None:
    problems = _paths({"dataset": "csv", "params": {"path": "x.csv"}})
    assert "data.params.target" in problems and "data.params.path" not in problems


def test_augmentation_allow_list_and_params() -> None:
    problems = _paths({"dataset": "shapes28", "augment": [
        {"type": "RandomHorizntalFlip"}, {"type": "__import__"}, {"type": "GaussianBlur", "kernel_size": 4},
        {"type": "RandomRotation", "degrees": "big"}, "flip"]})
    assert "RandomHorizontalFlip" in problems["data.augment[0].type"]
    assert "unknown augmentation" in problems["data.augment[1].type"]
    assert "odd" in problems["data.augment[2].kernel_size"]
    assert "number" in problems["data.augment[3].degrees"]
    assert "type" in problems["data.augment[4]"]


def test_augmentation_only_for_images() -> None:
    problems = _paths({"dataset": "moons", "augment": [{"type": "RandomHorizontalFlip"}]})
    assert "image" in problems["data.augment"]


def test_load_data_lists_problems_on_the_error() -> None:
    with pytest.raises(DataError) as info:
        load_data({"dataset": "moons", "params": {"noise": None}, "split": [1.2, -0.2]})
    paths = [path for path, _ in info.value.problems]
    assert "data.params.noise" in paths and any(p.startswith("data.split") for p in paths)
    assert "data.params.noise" in str(info.value)


def test_bad_seed_is_refused() -> None:
    with pytest.raises(DataError, match="seed"):
        load_data({"dataset": "moons"}, seed=-1)
