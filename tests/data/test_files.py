"""Own files (CSV, image folders) and torchvision sets, using files the tests write into tmp_path."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from nnbuilder.data import DataError, load_data, preview
from nnbuilder.data.lazy import LazySplit


def _write_csv(path: Path, rows: int = 60) -> Path:
    rng = np.random.default_rng(0)
    lines = ["age,city,income,label"]
    for i in range(rows):
        city = ["Rome", "Oslo", "Lima"][i % 3]
        lines.append(f"{rng.integers(18, 80)},{city},{rng.normal(40, 5):.2f},{'yes' if i % 2 else 'no'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_numbers_then_category_codes(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "people.csv")
    bundle = load_data({"dataset": "csv", "params": {"path": str(path), "target": "label"}, "split": [0.5, 0.5]})
    assert bundle.task == "classification" and bundle.class_names == ["no", "yes"]
    assert [(i.name, i.shape, i.dtype) for i in bundle.inputs] == [("numeric", (2,), "float32"),
                                                                   ("categorical", (1,), "int64")]
    assert bundle.meta["numeric_columns"] == ["age", "income"] and bundle.meta["cardinalities"] == [3]
    assert bundle.meta["categories"]["city"] == ["Lima", "Oslo", "Rome"]
    assert torch.bincount(bundle.train.targets).tolist() == [15, 15]  # stratified
    table = preview(bundle, 3)
    assert table["kind"] == "table" and table["columns"] == ["age", "income", "city", "label"]
    assert table["rows"][0][2] in ("Lima", "Oslo", "Rome") and table["rows"][0][3] in ("no", "yes")


def test_csv_regression_and_explicit_categories(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "people.csv")
    bundle = load_data({"dataset": "csv", "params": {"path": str(path), "target": "income",
                                                     "categorical": ["age", "city", "label"]}})
    assert bundle.task == "regression" and bundle.train.targets.shape[1:] == (1,)
    assert [i.name for i in bundle.inputs] == ["categorical"] and bundle.inputs[0].shape == (3,)


def test_csv_errors_name_the_problem(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "people.csv")
    with pytest.raises(DataError, match="does not exist"):
        load_data({"dataset": "csv", "params": {"path": str(tmp_path / "nope.csv"), "target": "label"}})
    with pytest.raises(DataError, match="'labl' is not a column.*label"):
        load_data({"dataset": "csv", "params": {"path": str(path), "target": "labl"}})
    with pytest.raises(DataError, match="column 'city'.*categorical"):
        load_data({"dataset": "csv", "params": {"path": str(path), "target": "label", "categorical": []}})
    gap = tmp_path / "gap.csv"
    gap.write_text("a,b\n" + "1,2\n,3\n" * 10, encoding="utf-8")
    with pytest.raises(DataError, match="line 3, column 'a' is empty"):
        load_data({"dataset": "csv", "params": {"path": str(gap), "target": "b"}})


def _write_images(root: Path, per_class: int = 6) -> None:
    from PIL import Image

    for name, value in (("dark", 30), ("light", 220)):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", (20 + i, 16), (value, value // 2, 255 - value)).save(root / name / f"{i}.png")


def test_image_folder_loads_lazily_with_train_stats(tmp_path: Path) -> None:
    _write_images(tmp_path / "pics")
    section = {"dataset": "image_folder", "params": {"path": str(tmp_path / "pics"), "image_size": 12},
               "split": [0.5, 0.5], "augment": [{"type": "RandomHorizontalFlip"}]}
    bundle = load_data(section)
    assert bundle.class_names == ["dark", "light"] and bundle.inputs[0].shape == (3, 12, 12)
    assert isinstance(bundle.train, LazySplit) and len(bundle.train) == len(bundle.val) == 6
    (x,), y = bundle.train[0]
    assert x.shape == (3, 12, 12) and y.dtype == torch.int64
    assert len(bundle.meta["normalization"]["image"]["mean"]) == 3
    batch = torch.stack([bundle.train[i][0][0] for i in range(4)])
    assert bundle.augment(batch).shape == batch.shape
    assert preview(bundle, 4)["images"].shape == (4, 3, 12, 12)
    grey = load_data({**section, "params": {**section["params"], "grayscale": True}})
    assert grey.inputs[0].shape == (1, 12, 12) and grey.train[0][0][0].shape == (1, 12, 12)


def test_image_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_data({"dataset": "image_folder", "params": {"path": str(tmp_path / "missing")}})
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="sub-folder"):
        load_data({"dataset": "image_folder", "params": {"path": str(tmp_path / "empty")}})


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST"),
                                          ("cifar10", "cifar-10-batches-py")])
def test_torchvision_sets_without_files_say_where_and_how(tmp_path: Path, name: str, folder: str) -> None:
    with pytest.raises(DataError) as info:
        load_data({"dataset": name, "params": {"root": str(tmp_path), "download": False}})
    message = str(info.value)
    assert name in message and str(tmp_path / folder) in message and "download" in message


def _idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_fake_mnist_in_torchvision_format_loads(tmp_path: Path) -> None:
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 40), ("t10k", 10)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 50, (n, 28, 28))
        images[np.arange(n), labels + 5, 5:20] = 255  # a class-dependent stroke
        _idx(raw / f"{prefix}-images-idx3-ubyte", images)
        _idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    bundle = load_data({"dataset": "mnist", "params": {"root": str(tmp_path)}, "split": [0.75, 0.25, 0.0],
                        "normalize": False})
    assert bundle.meta["test_source"] == "official" and len(bundle.test) == 10
    assert len(bundle.train) == 30 and len(bundle.val) == 10
    x = bundle.train.inputs[0]
    assert x.shape[1:] == (1, 28, 28) and x.dtype == torch.float32 and float(x.max()) == 1.0
    assert bundle.class_names == [str(i) for i in range(10)]
    row = 5 + int(bundle.test.targets[0])
    assert float(bundle.test.inputs[0][0, 0, row, 10]) == 1.0  # pixels and labels stay paired
