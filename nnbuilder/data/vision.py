"""torchvision image sets (MNIST, FashionMNIST, CIFAR-10), loaded into memory as tensors.

The files are read from ``root`` (default ``~/.cache/nnbuilder/data``); with
``download`` true torchvision fetches them when a network allows.  The official
test set becomes the test split; train and validation come from the training set.
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .errors import DataError
from .info import IMAGES, DatasetInfo, RawData
from .params import BOOL, INT, PATH, DataParam

DEFAULT_ROOT = "~/.cache/nnbuilder/data"

_CLASSES = {
    "mnist": [str(i) for i in range(10)],
    "fashion_mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
}
_SHAPES = {"mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28), "cifar10": (3, 32, 32)}
_FOLDERS = {"mnist": "MNIST/raw", "fashion_mnist": "FashionMNIST/raw", "cifar10": "cifar-10-batches-py"}


def _torchvision_class(name: str) -> Callable[..., Any]:
    from torchvision import datasets

    return {"mnist": datasets.MNIST, "fashion_mnist": datasets.FashionMNIST, "cifar10": datasets.CIFAR10}[name]


def _open(name: str, root: Path, train: bool, download: bool) -> Any:
    """Open one official part, turning torchvision's errors into a :class:`DataError`."""
    where = root / _FOLDERS[name]
    how = ("set data.params.download to true on a machine with internet access, or copy the files "
           f"of torchvision's {_torchvision_class(name).__name__} into {where}")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # torchvision prints download progress
            return _torchvision_class(name)(str(root), train=train, download=download)
    except RuntimeError as exc:
        if download:
            raise DataError(f"data set '{name}': download into {root} failed ({exc}); {how}") from exc
        raise DataError(f"data set '{name}': files not found in {where}; {how}") from exc
    except OSError as exc:  # URLError, permission problems, truncated files
        raise DataError(f"data set '{name}': cannot read or download files in {where} ({exc}); {how}") from exc


def _tensors(name: str, part: Any, limit: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    data = part.data
    images = torch.as_tensor(data)
    images = images.permute(0, 3, 1, 2) if images.ndim == 4 else images.unsqueeze(1)  # CIFAR is NHWC
    labels = torch.as_tensor(part.targets, dtype=torch.int64)
    if 0 < limit < len(labels):
        keep = torch.from_numpy(np.sort(rng.choice(len(labels), size=limit, replace=False)))
        images, labels = images[keep], labels[keep]
    return images.to(torch.float32).div_(255.0), labels


def _loader(name: str) -> Callable[[dict[str, Any], np.random.Generator], RawData]:
    def load(params: dict[str, Any], rng: np.random.Generator) -> RawData:
        root = Path(params["root"]).expanduser()
        train = _open(name, root, True, params["download"])
        test = _open(name, root, False, params["download"])
        x, y = _tensors(name, train, params["max_samples"], rng)
        tx, ty = _tensors(name, test, params["max_samples"], rng)
        return RawData("classification", [InputInfo(_SHAPES[name], "float32", "image")], y, (x,),
                       test=((tx,), ty), class_names=list(_CLASSES[name]), meta={"root": str(root)})

    return load


def _params() -> tuple[DataParam, ...]:
    return (DataParam("root", PATH, DEFAULT_ROOT, "folder holding (or receiving) the files"),
            DataParam("download", BOOL, False, "download the files when they are missing (needs internet)"),
            DataParam("max_samples", INT, 0, "keep at most this many images per official part (0 = all)",
                      minimum=0, maximum=10_000_000))


_DOCS = {"mnist": "MNIST handwritten digits, 28×28 grey (torchvision; local files or download).",
         "fashion_mnist": "Fashion-MNIST clothing, 28×28 grey (torchvision; local files or download).",
         "cifar10": "CIFAR-10 photos, 32×32 colour, ten classes (torchvision; local files or download)."}

DATASETS = tuple(
    DatasetInfo(name, "classification", _DOCS[name], _params(), IMAGES, _loader(name),
                (InputInfo(_SHAPES[name], "float32", "image"),), tuple(_CLASSES[name]), "torchvision", offline=False)
    for name in ("mnist", "fashion_mnist", "cifar10")
)
