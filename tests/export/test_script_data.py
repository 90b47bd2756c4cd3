"""``export --script`` for the user's own files and torchvision sets: train.py reads them itself.

A CSV table, an ImageFolder of generated PNGs and MNIST files written in torchvision's on-disk format
(no download): the exported train.py loads each through its usual loader, splits it as nnbuilder does
and its single-process history equals the app's; the image folder also trains under torchrun.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from takeaway_helpers import example

import nnbuilder
from nnbuilder.export.script import export_script
from nnbuilder.graph.project import Project


def _env() -> dict[str, str]:
    """No PYTHONPATH and one thread each: the script must not need nnbuilder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, "OMP_NUM_THREADS": "1"}


def _train_py(folder: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-I", str(folder / "train.py"), "--out", str(folder / "out"), *args],
                          check=False, cwd=folder.parent, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((folder / "out" / "history.json").read_text())


def _assert_same_history(app: list[dict], script: list[dict]) -> None:
    assert len(app) == len(script) > 0
    for mine, theirs in zip(app, script):
        metrics = [k for k in mine if k != "epoch" and isinstance(mine[k], float) and k in theirs]
        assert {"loss", "val_loss"} <= set(metrics)
        for key in metrics:
            assert mine[key] == pytest.approx(theirs[key], abs=1e-6), (mine["epoch"], key)


def _code(folder: Path) -> str:
    """train.py without its docstring: nnbuilder may be named there, never imported."""
    return re.sub(r'""".*?"""', "", (folder / "train.py").read_text(), count=1, flags=re.DOTALL)


def _tabular_csv(path: Path, n: int = 240) -> Path:
    """The synthetic customers table as a CSV: 3 numeric columns, 3 text columns, a text class target."""
    from nnbuilder.data.registry import get_dataset
    from nnbuilder.data.tabular import CATEGORIES

    info = get_dataset("tabular")
    raw = info.loader({**info.defaults(), "n_samples": n}, np.random.default_rng(0))
    (numeric, codes), names = raw.inputs, list(CATEGORIES)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["age,income,visits," + ",".join(names) + ",level"]
    for x, c, y in zip(numeric.tolist(), codes.tolist(), raw.targets.reshape(-1).tolist()):
        cats = [CATEGORIES[name][code] for name, code in zip(names, c)]
        lines.append(",".join(f"{v:.5f}" for v in x) + "," + ",".join(cats) + f",{raw.class_names[y]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _houses_csv(path: Path, n: int = 200) -> Path:
    rng = np.random.default_rng(0)
    rooms, area = rng.uniform(1, 5, n), rng.uniform(40, 200, n)
    price = 5e5 + 1e5 * (rooms - 3) + 2e3 * (area - 120) + rng.normal(0, 1e4, n)
    rows = ["rooms,area,price", *(f"{r:.3f},{a:.2f},{p:.1f}" for r, a, p in zip(rooms, area, price))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _image_folder(root: Path, per_class: int = 10) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    for label, colour in enumerate(((200, 30, 30), (30, 200, 30), (30, 30, 200))):
        (root / f"class_{label}").mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(rng.normal(colour, 40, (14, 12, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / f"class_{label}" / f"{i}.png")
    return root


def _fake_mnist(root: Path) -> Path:
    """MNIST's four idx files as torchvision stores them (root/MNIST/raw), with a class-dependent stroke."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 60), ("t10k", 20)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 50, (n, 28, 28))
        images[np.arange(n), labels + 5, 5:20] = 255
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
            (raw / f"{prefix}-{kind}-ubyte").write_bytes(header + array.astype(np.uint8).tobytes())
    return root


def _check(project: Project, folder: Path) -> dict:
    export = export_script(project, folder)
    assert export.notes == [] and not (folder / "data.pt").exists()  # the script reads the data itself
    code = _code(folder)
    assert "import nnbuilder" not in code and "from nnbuilder" not in code
    script = _train_py(folder)
    _assert_same_history(nnbuilder.train(project), script["history"])
    return script


@pytest.mark.slow
def test_csv_with_categorical_columns_is_read_by_train_py(tmp_path: Path) -> None:
    csv = _tabular_csv(tmp_path / "data" / "customers.csv")
    project = example("tabular_embeddings", training={"epochs": 3})
    project.data = {"dataset": "csv", "params": {"path": str(csv), "target": "level"}, "split": [0.6, 0.2, 0.2],
                    "batch_size": 32}
    folder = tmp_path / "script"
    script = _check(project, folder)
    code = _code(folder)
    assert "csv.reader" in code and "DATA = '../data/customers.csv'" in code  # relative to the script
    assert script["test_metrics"]["test_accuracy"] > 0
    moved = tmp_path / "elsewhere.csv"  # --data reads another file with the same columns
    shutil.copyfile(csv, moved)
    assert _train_py(folder, "--data", str(moved), "--epochs", "1")["history"][0]["loss"] == \
        pytest.approx(script["history"][0]["loss"], abs=1e-9)


@pytest.mark.slow
def test_csv_regression_with_large_targets(tmp_path: Path) -> None:
    project = example("seed_regression", training={"epochs": 3, "optimizer": {"type": "Adam", "lr": 0.01}})
    project.data = {"dataset": "csv", "params": {"path": str(_houses_csv(tmp_path / "houses.csv")),
                                                 "target": "price"}, "split": [0.6, 0.2, 0.2], "batch_size": 16}
    script = _check(project, tmp_path / "script")
    assert 1e3 < script["test_metrics"]["test_mae"] < 1e6  # in dollars: the model de-standardises
    done = subprocess.run([sys.executable, "-I", str(tmp_path / "script" / "train.py"), "--data",
                           str(tmp_path / "missing.csv")], check=False, env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{tmp_path / 'missing.csv'} does not exist; give the CSV file's location with --data PATH" in done.stderr


def _image_project(images: Path, epochs: int = 3) -> Project:
    project = example("mnist_mlp", training={"epochs": epochs, "optimizer": {"type": "Adam", "lr": 0.01}},
                      params={"image": {"shape": [1, 10, 10]}, "hidden": {"out_features": 16},
                              "logits": {"out_features": 3}})
    project.data = {"dataset": "image_folder", "params": {"path": str(images), "image_size": 12, "grayscale": True},
                    "split": [0.5, 0.25, 0.25], "batch_size": 4, "preprocess": {"resize": 11, "crop": 10}}
    return project


@pytest.mark.slow
def test_image_folder_is_read_by_train_py_with_the_same_transforms(tmp_path: Path) -> None:
    folder = tmp_path / "script"
    _check(_image_project(_image_folder(tmp_path / "images")), folder)
    code = _code(folder)
    assert "datasets.ImageFolder" in code and "TF.resize(x, [11]" in code and "TF.center_crop(x, [10]" in code


@pytest.mark.slow
def test_image_folder_script_under_torchrun(tmp_path: Path) -> None:
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    if torchrun is None:
        pytest.skip("torchrun is not installed beside this Python")
    folder = tmp_path / "script"
    export_script(_image_project(_image_folder(tmp_path / "images"), epochs=4), folder)
    done = subprocess.run([torchrun, "--standalone", "--nproc_per_node=2", str(folder / "train.py"), "--device", "cpu",
                           "--out", str(tmp_path / "out")], check=False, cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    history = json.loads((tmp_path / "out" / "history.json").read_text())
    assert history["world_size"] == 2
    first, second = history["rank_checksums"]
    assert first == second
    losses = [row["loss"] for row in history["history"]]
    assert losses[-1] < losses[0]


@pytest.mark.slow
def test_torchvision_mnist_files_are_read_by_train_py(tmp_path: Path) -> None:
    root = _fake_mnist(tmp_path / "vision")
    project = example("mnist_mlp", training={"epochs": 2}, params={"image": {"shape": [3, 18, 18]},
                                                                   "hidden": {"out_features": 16}})
    project.data = {"dataset": "mnist", "params": {"root": str(root), "max_samples": 50}, "split": [0.6, 0.2, 0.2],
                    "batch_size": 8, "preprocess": {"resize": 20, "crop": 18, "channels": 3}}
    folder = tmp_path / "script"
    script = _check(project, folder)
    assert "datasets.MNIST(str(path), train=train, download=True)" in _code(folder)
    assert len(script["history"]) == 2 and "test_accuracy" in script["test_metrics"]
