"""Augmentation changes samples but keeps shapes; previews describe what the GUI shows."""
from __future__ import annotations

import pytest
import torch

from nnbuilder.data import DataError, load_data, preview, preview_augmented
from nnbuilder.data.augment import AUGMENTATIONS, BatchAugment, check_augment

SMALL_IMAGES = {"dataset": "shapes28", "params": {"n_samples": 200}}


def _bundle(*steps: dict, normalize: bool = True):
    return load_data({**SMALL_IMAGES, "normalize": normalize, "augment": list(steps)})


@pytest.mark.parametrize("kind", sorted(AUGMENTATIONS))
def test_each_allowed_type_keeps_shape_and_changes_something(kind: str) -> None:
    params = {"p": 1.0} if kind in ("RandomHorizontalFlip", "RandomVerticalFlip", "RandomErasing") else {}
    if kind == "RandomRotation":
        params = {"degrees": 90.0}
    bundle = _bundle({"type": kind, **params})
    batch = bundle.train.inputs[0][:16]
    torch.manual_seed(0)
    out = bundle.augment(batch)
    assert out.shape == batch.shape and out.dtype == batch.dtype
    assert not torch.allclose(out, batch)


def test_each_sample_gets_its_own_transform() -> None:
    image = torch.zeros(1, 1, 28, 28)
    image[..., 4:10, 2:8] = 1.0  # an off-centre square: flips and rotations move it
    augment = BatchAugment(check_augment([{"type": "RandomRotation", "degrees": 180.0}])[0], (1, 28, 28))
    torch.manual_seed(1)
    out = augment(image.repeat(8, 1, 1, 1))
    distinct = {tuple(sample.flatten().round(decimals=3).tolist()) for sample in out}
    assert len(distinct) == 8
    flips = BatchAugment([("RandomHorizontalFlip", {"p": 0.5})], (1, 28, 28))
    torch.manual_seed(2)
    flipped = flips(image.repeat(64, 1, 1, 1))
    moved = int((flipped[:, 0, 5, 3] == 0).sum())
    assert 10 < moved < 54  # about half of the samples were flipped


def test_colour_jitter_works_in_pixel_units_on_standardised_batches() -> None:
    bundle = _bundle({"type": "ColorJitter", "brightness": 0.5})
    batch = bundle.train.inputs[0][:32]
    torch.manual_seed(0)
    out = bundle.augment(batch)
    stats = bundle.meta["normalization"]["image"]
    pixels = out * stats["std"][0] + stats["mean"][0]
    assert float(pixels.min()) >= -1e-4 and float(pixels.max()) <= 1 + 1e-4
    assert float(out.min()) < -0.1  # still standardised (background below the mean)


def test_preview_augmented_is_seeded_and_in_pixel_units() -> None:
    bundle = _bundle({"type": "RandomAffine", "degrees": 20.0})
    a, b, c = (preview_augmented(bundle, n=6, seed=s) for s in (0, 0, 1))
    assert a.shape == (6, 1, 28, 28) and torch.equal(a, b) and not torch.equal(a, c)
    assert float(a.min()) >= 0.0 and float(a.max()) <= 1.0
    with pytest.raises(DataError, match="no augmentation"):
        preview_augmented(load_data(SMALL_IMAGES))


def test_image_preview_is_a_grid_in_pixel_units() -> None:
    result = preview(load_data(SMALL_IMAGES), 8)
    assert result["kind"] == "images" and result["images"].shape == (8, 1, 28, 28)
    assert float(result["images"].min()) >= 0.0 and result["grid"].ndim == 3
    assert set(result["labels"]) <= set(load_data(SMALL_IMAGES).class_names)


def test_scatter_preview_gives_original_points_and_labels() -> None:
    raw = load_data({"dataset": "moons", "normalize": False})
    result = preview(load_data({"dataset": "moons"}), 5)
    assert result["kind"] == "scatter" and result["points"].shape == (len(raw.train), 2)
    assert torch.allclose(result["points"], raw.train.inputs[0], atol=1e-5)  # un-standardised
    assert result["labels"].dtype == torch.int64 and result["class_names"] == raw.class_names


def test_table_preview_decodes_categories() -> None:
    result = preview(load_data({"dataset": "tabular"}), 4)
    assert result["kind"] == "table" and len(result["rows"]) == 4
    assert result["columns"][:3] == ["age", "income", "usage"] and "city" in result["columns"]
    city = result["columns"].index("city")
    assert all(isinstance(row[city], str) for row in result["rows"])
    assert preview(load_data({"dataset": "ratings"}), 2)["columns"][:2] == ["user", "item"]


def test_sequence_preview() -> None:
    result = preview(load_data({"dataset": "sequence_classification"}), 3)
    assert result["kind"] == "sequence" and result["series"].shape == (3, 50) and len(result["labels"]) == 3
