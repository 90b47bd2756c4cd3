"""``data.preprocess``: fixed resize/crop/channels/mean/std, exactly as torchvision's weights transforms."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torchvision

from nnbuilder.backbones.catalog import preprocessing
from nnbuilder.data import DataError, load_data, preview, validate_data_section
from nnbuilder.data import preprocess as preprocess_module
from nnbuilder.data.lazy import LazySplit
from nnbuilder.data.normalize import standardize
from nnbuilder.data.preprocess import Preprocess, check_preprocess
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project
from nnbuilder.pipeline import PipelineError, prepare

IMAGENET = {"resize": 256, "crop": 224, "interpolation": "bilinear", "mean": [0.485, 0.456, 0.406],
            "std": [0.229, 0.224, 0.225]}


def _spec(model: str, weights: str) -> Preprocess:
    pre, problems = check_preprocess(preprocessing(model, weights).to_dict())
    assert pre is not None, problems
    return pre


@pytest.mark.parametrize(("model", "weights"), [("resnet18", "IMAGENET1K_V1"), ("resnet50", "IMAGENET1K_V2"),
                                                ("efficientnet_b0", "IMAGENET1K_V1")])
def test_transform_and_normalisation_equal_torchvision_weights_transforms(model: str, weights: str) -> None:
    generator = torch.Generator().manual_seed(0)
    batch = torch.rand(5, 3, 40, 57, generator=generator)  # not square: the shorter side is resized
    pre = _spec(model, weights)
    ours = standardize(pre.transform_batch(batch), *pre.stats(3))
    reference = torchvision.models.get_model_weights(model)[weights].transforms()(batch)
    assert ours.shape == reference.shape == (5, 3, 224, 224)
    assert torch.equal(ours, reference)
    assert pre.output_shape((3, 40, 57)) == tuple(reference.shape[1:])


def test_loaded_shapes28_equals_torchvision_transforms_of_the_grey_images_repeated_to_rgb() -> None:
    section = {"dataset": "shapes28", "params": {"n_samples": 40}, "split": [0.5, 0.25, 0.25]}
    raw = load_data({**section, "normalize": False}, seed=3)
    bundle = load_data({**section, "preprocess": {**IMAGENET, "channels": 3}}, seed=3)
    reference = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.transforms()
    for part in ("train", "val", "test"):
        grey = getattr(raw, part).inputs[0]
        expected = reference(grey.expand(-1, 3, -1, -1))
        assert torch.equal(getattr(bundle, part).inputs[0], expected), part
        assert torch.equal(getattr(bundle, part).targets, getattr(raw, part).targets)
    assert bundle.inputs[0].shape == (3, 224, 224)
    assert bundle.meta["input_shape_before_preprocess"] == [1, 28, 28]
    stats = bundle.meta["normalization"]["image"]
    assert stats["source"] == "data.preprocess"
    assert stats["mean"] == pytest.approx(IMAGENET["mean"]) and stats["std"] == pytest.approx(IMAGENET["std"])


def test_one_mean_value_serves_every_channel_and_replaces_training_statistics() -> None:
    section = {"dataset": "shapes28", "params": {"n_samples": 40}, "split": [0.5, 0.25, 0.25],
               "preprocess": {"mean": [0.5], "std": [0.25]}}
    raw = load_data({**section, "preprocess": None, "normalize": False})
    bundle = load_data(section)
    assert bundle.inputs[0].shape == (1, 28, 28)
    assert torch.equal(bundle.train.inputs[0], (raw.train.inputs[0] - 0.5) / 0.25)
    own = load_data({"dataset": "shapes28", "params": {"n_samples": 40}, "split": [0.5, 0.25, 0.25]})
    assert not torch.allclose(own.train.inputs[0], bundle.train.inputs[0])  # training-split stats differ


def test_augmentation_and_previews_use_the_fixed_statistics() -> None:
    section = {"dataset": "shapes28", "params": {"n_samples": 40}, "split": [0.5, 0.25, 0.25],
               "preprocess": {"resize": 32, "crop": 30, "mean": [0.3], "std": [0.2]},
               "augment": [{"type": "RandomCrop", "padding": 2}]}
    bundle = load_data(section)
    assert torch.equal(bundle.augment.mean, torch.tensor([0.3])) and torch.equal(bundle.augment.std, torch.tensor([0.2]))
    batch = bundle.train.inputs[0][:6]
    augmented = bundle.augment(batch)
    assert augmented.shape == batch.shape == (6, 1, 30, 30)
    raw = load_data({**section, "augment": None, "preprocess": {"resize": 32, "crop": 30}, "normalize": False})
    shown = preview(bundle, 4)["images"]
    assert torch.allclose(shown, raw.train.inputs[0][:4].clamp(0, 1), atol=1e-6)  # back in pixel units


@pytest.mark.parametrize(("preprocess", "path", "words"), [
    ({"resize": 0}, "data.preprocess.resize", "1 to 4096"),
    ({"crop": [224, 224, 3]}, "data.preprocess.crop", "[height, width]"),
    ({"interpolation": "bilinar"}, "data.preprocess.interpolation", "did you mean 'bilinear'"),
    ({"channels": 2}, "data.preprocess.channels", "expected 1"),
    ({"mean": [0.5]}, "data.preprocess.std", "required with mean"),
    ({"mean": [0.5, 0.5, 0.5], "std": [0.2]}, "data.preprocess.std", "has 1 values but mean has 3"),
    ({"mean": [0.5], "std": [0]}, "data.preprocess.std", "greater than 0"),
    ({"mean": ["a"], "std": [1]}, "data.preprocess.mean", "finite numbers"),
    ({"size": 3}, "data.preprocess.size", "unknown key"),
    ({"mean": [0.5] * 3, "std": [0.2] * 3}, "data.preprocess.mean", '"channels": 3'),
    ({"crop": 64}, "data.preprocess.crop", "larger than the images (28×28)"),
    ([224], "data.preprocess", "expected an object"),
])
def test_invalid_specs_name_their_json_path(preprocess: object, path: str, words: str) -> None:
    problems = validate_data_section({"dataset": "shapes28", "preprocess": preprocess})
    assert any(where == path and words in message for where, message in problems), problems
    with pytest.raises(DataError, match=words.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        load_data({"dataset": "shapes28", "preprocess": preprocess})


def test_preprocess_needs_image_data_and_normalisation_to_apply_mean_std() -> None:
    problems = dict(validate_data_section({"dataset": "spirals", "preprocess": {"resize": 32}}))
    assert "image data sets only" in problems["data.preprocess"]
    problems = dict(validate_data_section({"dataset": "shapes28", "normalize": False,
                                           "preprocess": {"mean": [0.5], "std": [0.2]}}))
    assert "remove mean/std" in problems["data.normalize"]
    assert validate_data_section({"dataset": "shapes28", "normalize": False, "preprocess": {"resize": 32}}) == []


def test_in_memory_preprocessing_refuses_results_that_do_not_fit_in_memory(monkeypatch) -> None:
    monkeypatch.setattr(preprocess_module, "MEMORY_LIMIT", 1024 * 1024)
    with pytest.raises(DataError, match=r"GiB in memory after preprocessing .* smaller resize"):
        load_data({"dataset": "shapes28", "params": {"n_samples": 60}, "preprocess": {"resize": 96}})


def test_file_backed_images_are_preprocessed_per_item(tmp_path: Path) -> None:
    from PIL import Image

    generator = torch.Generator().manual_seed(1)
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(4):
            pixels = torch.randint(0, 256, (20, 30, 3), dtype=torch.uint8, generator=generator)
            Image.fromarray(pixels.numpy()).save(tmp_path / label / f"{i}.png")
    section = {"dataset": "image_folder", "params": {"path": str(tmp_path), "image_size": 24, "grayscale": True},
               "split": [0.5, 0.5], "preprocess": {"resize": 40, "crop": 32, "channels": 3, "mean": [0.5, 0.4, 0.3],
                                                   "std": [0.2, 0.2, 0.2]}}
    bundle = load_data(section)
    assert isinstance(bundle.train, LazySplit) and bundle.inputs[0].shape == (3, 32, 32)
    (x,), _y = bundle.train[0]
    raw = bundle.train.base[bundle.train.indices[0]][0]
    expected = Preprocess((40,), (32,), "bilinear", 3).transform(raw)
    mean, std = torch.tensor([0.5, 0.4, 0.3]).view(3, 1, 1), torch.tensor([0.2, 0.2, 0.2]).view(3, 1, 1)
    assert x.shape == (3, 32, 32) and torch.allclose(x, (expected - mean) / std)
    with pytest.raises(DataError, match=r"data.preprocess.mean: has 3 values .* \"channels\": 3"):
        load_data({**section, "preprocess": {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.2, 0.2]}})


def _flat_project(shape: list[int], preprocess: dict) -> Project:
    nodes = [Node("image", "Input", {"shape": shape}), Node("flat", "Flatten", {}),
             Node("fc", "Linear", {"out_features": 10}), Node("out", "Output", {})]
    edges = [Edge("image", "flat"), Edge("flat", "fc"), Edge("fc", "out")]
    data = {"dataset": "shapes28", "params": {"n_samples": 40}, "split": [0.5, 0.25, 0.25],
            "preprocess": preprocess}
    return Project("p", GraphDocument(nodes, edges), data, {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 1e-3},
                                                         "epochs": 1})


def test_fit_check_names_the_preprocessing_when_the_input_shape_differs() -> None:
    spec = {"resize": 32, "crop": 30, "channels": 3}
    with pytest.raises(PipelineError) as caught:
        prepare(_flat_project([1, 28, 28], spec))
    where, message = caught.value.problems[0]
    assert where == "graph: image"
    assert "data.preprocess turns its [1, 28, 28] images into [3, 30, 30]" in message
    assert "set its shape to [3, 30, 30]" in message and "change data.preprocess" in message
    prepared = prepare(_flat_project([3, 30, 30], spec))  # the Input node agrees with the bundle
    assert prepared.bundle.inputs[0].shape == (3, 30, 30)
