"""``image_folder``: the user's own images, one sub-folder per class (torchvision ImageFolder)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .errors import DataError
from .info import IMAGES, DatasetInfo, RawData
from .params import BOOL, INT, PATH, DataParam


def image_folder(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Index the folder (images are read lazily, resized to image_size × image_size)."""
    from torchvision import datasets
    from torchvision.transforms import v2

    path = Path(params["path"]).expanduser()
    if not path.is_dir():
        raise DataError(f"data set 'image_folder': folder {path} does not exist; set data.params.path to a folder "
                        "with one sub-folder of images per class")
    size, grey = params["image_size"], params["grayscale"]
    steps: list[Any] = [v2.ToImage()]
    if grey:
        steps.append(v2.Grayscale())
    steps += [v2.Resize((size, size), antialias=True), v2.ToDtype(torch.float32, scale=True)]
    try:
        folder = datasets.ImageFolder(str(path), transform=v2.Compose(steps))
    except (FileNotFoundError, OSError) as exc:
        raise DataError(f"data set 'image_folder': no images found in {path} ({exc}); put each class's images "
                        "(.png, .jpg, ...) in its own sub-folder, e.g. path/cats/1.jpg and path/dogs/2.jpg") from exc
    if len(folder.classes) < 2:
        raise DataError(f"data set 'image_folder': {path} holds {len(folder.classes)} class folder(s); "
                        "classification needs at least two sub-folders, one per class")
    channels = 1 if grey else 3
    return RawData("classification", [InputInfo((channels, size, size), "float32", "image")],
                   torch.tensor(folder.targets, dtype=torch.int64), dataset=folder,
                   class_names=list(folder.classes), meta={"path": str(path)})


DATASETS = (
    DatasetInfo("image_folder", "classification",
                "Your own images: a folder with one sub-folder per class (read lazily from disk).",
                (DataParam("path", PATH, "", "folder with one sub-folder of images per class", required=True),
                 DataParam("image_size", INT, 64, "images are resized to this many pixels square",
                           minimum=8, maximum=1024),
                 DataParam("grayscale", BOOL, False, "convert to one grey channel")),
                IMAGES, image_folder, (), None, "own files"),
)
