"""Tiny data bundles and models for the training tests (no dependency on nnbuilder.data loaders)."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.utils.data import Dataset

from nnbuilder.data.bundle import DataBundle, InputInfo, TensorSplit
from nnbuilder.training import TrainingConfig


def spiral_split(n: int, seed: int, noise: float = 0.02) -> TensorSplit:
    """Two interleaved spirals in [-1, 1]²; label = which arm."""
    g = torch.Generator().manual_seed(seed)
    t = torch.rand(n, generator=g) * 3 * math.pi + 0.5
    label = torch.randint(0, 2, (n,), generator=g)
    angle = t + label * math.pi
    x = torch.stack([t * torch.cos(angle), t * torch.sin(angle)], 1) / 10
    return TensorSplit((x + noise * torch.randn(n, 2, generator=g),), label)


def spiral_bundle(n_train: int = 600, n_val: int = 200, n_test: int = 200) -> DataBundle:
    return DataBundle("spiral", "classification", [InputInfo((2,))], spiral_split(n_train, 0),
                      spiral_split(n_val, 1), spiral_split(n_test, 2) if n_test else None, num_classes=2)


def regression_split(n: int, seed: int) -> TensorSplit:
    """The course's y = 2·x0³ + 0.5·x1² + noise."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g) * 2 - 1
    y = 2 * x[:, 0] ** 3 + 0.5 * x[:, 1] ** 2 + 0.05 * torch.randn(n, generator=g)
    return TensorSplit((x,), y.unsqueeze(1))


def regression_bundle(n: int = 128) -> DataBundle:
    return DataBundle("cubic", "regression", [InputInfo((2,))], regression_split(n, 0), regression_split(64, 1),
                      regression_split(64, 2), target_shape=(1,))


def classes_bundle(n: int = 128, classes: int = 3) -> DataBundle:
    """Gaussian blobs, one per class."""
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(classes, 2, generator=g) * 2

    def split(m: int) -> TensorSplit:
        label = torch.randint(0, classes, (m,), generator=g)
        return TensorSplit((centres[label] + 0.5 * torch.randn(m, 2, generator=g),), label)
    return DataBundle("blobs", "classification", [InputInfo((2,))], split(n), split(64), split(64), num_classes=classes)


def binary_bundle(n: int = 128) -> DataBundle:
    g = torch.Generator().manual_seed(0)

    def split(m: int) -> TensorSplit:
        x = torch.randn(m, 2, generator=g)
        return TensorSplit((x,), (x[:, 0] + x[:, 1] > 0).float())
    return DataBundle("halfplane", "binary", [InputInfo((2,))], split(n), split(64), None, num_classes=2)


class PairDataset(Dataset):
    """A torch Dataset view of a TensorSplit, yielding ``(input, target)``."""

    def __init__(self, split: TensorSplit) -> None:
        self.split = split

    def __len__(self) -> int:
        return len(self.split)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.split.inputs[0][i], self.split.targets[i]


def mlp(out: int = 1, hidden: int = 16, seed: int = 0, act: type[nn.Module] | None = nn.ReLU) -> nn.Module:
    torch.manual_seed(seed)
    layers: list[nn.Module] = [nn.Linear(2, hidden)]
    if act is not None:
        layers.append(act())
    layers.append(nn.Linear(hidden, hidden))
    if act is not None:
        layers.append(act())
    layers.append(nn.Linear(hidden, out))
    return nn.Sequential(*layers)


class TwoPart(nn.Module):
    """A model with named top-level parts, like the compiler generates: ``forward(x)`` positional."""

    def __init__(self, out: int = 1) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.backbone = nn.Sequential(nn.Linear(2, 16), nn.ReLU())
        self.head = nn.Linear(16, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def config(**section: object) -> TrainingConfig:
    """A CPU config for MSE + SGD, overridden by ``section`` keys."""
    base: dict = {"loss": "MSELoss", "optimizer": {"type": "SGD", "lr": 0.05}, "epochs": 5, "batch_size": 16,
                  "device": "cpu", "seed": 0}
    base.update(section)
    return TrainingConfig.from_dict(base)


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
