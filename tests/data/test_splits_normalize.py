"""Splits are seeded, disjoint and stratified; standardisation uses training statistics only."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnbuilder.data import DataError, load_data
from nnbuilder.data.normalize import feature_stats
from nnbuilder.data.splits import split_indices


def _split(seed: int, labels: torch.Tensor | None = None, n: int = 300) -> list[np.ndarray]:
    return split_indices(n, [0.6, 0.2, 0.2], np.random.default_rng(seed), labels)


def test_parts_are_disjoint_and_cover_everything() -> None:
    parts = _split(0)
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(300))
    assert [len(p) for p in parts] == [180, 60, 60]


def test_same_seed_same_split_other_seed_other_split() -> None:
    a, b, c = _split(5), _split(5), _split(6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(np.sort(a[1]), np.sort(c[1]))


def test_stratified_parts_keep_class_proportions() -> None:
    labels = torch.tensor([0] * 200 + [1] * 70 + [2] * 30)  # imbalanced
    for part, ratio in zip(_split(1, labels), (0.6, 0.2, 0.2)):
        counts = torch.bincount(labels[torch.from_numpy(part)], minlength=3)
        assert counts.tolist() == [round(200 * ratio), round(70 * ratio), round(30 * ratio)]


def test_two_ratios_mean_no_test_split() -> None:
    bundle = load_data({"dataset": "moons", "params": {"n_samples": 200}, "split": [0.7, 0.3]})
    assert bundle.test is None and len(bundle.train) == 140 and len(bundle.val) == 60
    assert bundle.meta["test_source"] is None


def test_bundle_splits_are_disjoint_and_stratified() -> None:
    bundle = load_data({"dataset": "blobs", "params": {"n_samples": 600, "classes": 3}, "split": [0.6, 0.2, 0.2],
                        "normalize": False})
    rows = [set(map(tuple, s.inputs[0].tolist())) for s in (bundle.train, bundle.val, bundle.test)]
    assert not (rows[0] & rows[1]) and not (rows[0] & rows[2]) and not (rows[1] & rows[2])
    for split in (bundle.train, bundle.val, bundle.test):
        counts = torch.bincount(split.targets, minlength=3)
        assert counts.max() - counts.min() <= 1


def test_empty_split_is_refused_with_a_hint() -> None:
    with pytest.raises(DataError, match="validation split is empty"):
        load_data({"dataset": "seed_regression", "params": {"n_samples": 8}, "split": [0.95, 0.05]})


def test_standardisation_uses_training_statistics_only() -> None:
    section = {"dataset": "seed_regression", "params": {"n_samples": 400}}
    raw, normed = load_data({**section, "normalize": False}, seed=2), load_data(section, seed=2)
    mean, std = feature_stats(raw.train.inputs[0])
    stats = normed.meta["normalization"]["x"]
    assert torch.allclose(torch.tensor(stats["mean"]), mean) and torch.allclose(torch.tensor(stats["std"]), std)
    assert torch.allclose(normed.train.inputs[0].mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(normed.train.inputs[0].std(0, unbiased=False), torch.ones(2), atol=1e-4)
    assert torch.allclose(normed.val.inputs[0], (raw.val.inputs[0] - mean) / std, atol=1e-5)
    val_mean, _ = feature_stats(torch.cat([raw.val.inputs[0], raw.test.inputs[0]]))
    assert not torch.allclose(val_mean, mean, atol=1e-3)  # so using val/test stats would have shown
    assert torch.equal(normed.train.targets, raw.train.targets)  # targets are left alone


def test_images_are_standardised_per_channel() -> None:
    bundle = load_data({"dataset": "shapes28", "params": {"n_samples": 200}})
    stats = bundle.meta["normalization"]["image"]
    assert len(stats["mean"]) == 1 and 0.0 < stats["mean"][0] < 0.5
    assert abs(float(bundle.train.inputs[0].mean())) < 1e-4
