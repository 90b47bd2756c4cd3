"""Mini-batches of one split on the training device: indexing for in-memory tensors, DataLoader otherwise."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch
from torch.utils.data import DataLoader, Dataset

from nnbuilder.data.bundle import Split, TensorSplit
from nnbuilder.training.errors import DataError

Batch = tuple[tuple[torch.Tensor, ...], torch.Tensor]


class BatchSource:
    """Yields ``(inputs, targets)`` batches of one split, already on ``device``.

    In-memory splits are moved to the device once; each epoch draws a permutation from ``generator``
    (a seeded CPU generator, whose state a checkpoint saves) and each batch gathers its rows on the
    device. Dataset splits go
    through a DataLoader that draws its shuffling from the same generator.
    """

    def __init__(self, split: Split, name: str, device: torch.device, batch_size: int, shuffle: bool,
                 generator: torch.Generator | None = None, num_workers: int = 0,
                 augment: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        self.name = name
        self.device = device
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.augment = augment
        self._tensors: TensorSplit | None = None
        self._loader: DataLoader | None = None
        if isinstance(split, TensorSplit):
            _check_tensor_split(split, name)
            self._tensors = split.to(device)
            self.num_samples = len(split)
        elif isinstance(split, Dataset):
            self._loader = DataLoader(split, batch_size=batch_size, shuffle=shuffle, generator=generator,
                                      num_workers=num_workers, pin_memory=device.type == "cuda",
                                      persistent_workers=num_workers > 0)
            self.num_samples = len(split)  # type: ignore[arg-type]
        else:
            raise DataError(f"data.{name}: expected a TensorSplit or a torch Dataset, got {type(split).__name__}")
        if self.num_samples == 0:
            raise DataError(f"data.{name}: the split is empty")

    def __len__(self) -> int:
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        return self.iterate()

    def iterate(self, skip: int = 0, after_skip: Callable[[], None] | None = None) -> Iterator[Batch]:
        """The epoch's batches from batch ``skip`` on (the same order as a full epoch: resuming mid-epoch).

        ``after_skip`` runs once the skipped batches are drawn, before the first one is yielded (a resume
        restores the global RNG there, since loading skipped Dataset batches may consume it).
        """
        batches = self._tensor_batches(skip) if self._tensors is not None else self._loader_batches()
        if skip and self._tensors is None:
            for _ in zip(range(skip), batches):
                pass
        if after_skip is not None:
            batches = _then(after_skip, batches)
        if self.augment is None:
            return batches
        return (((self.augment(x[0]),) + x[1:], y) for x, y in batches)

    def first_batch(self, limit: int) -> Batch:
        """Up to ``limit`` samples from the start of the split, unshuffled and unaugmented (for probes)."""
        if self._tensors is not None:
            return tuple(t[:limit] for t in self._tensors.inputs), self._tensors.targets[:limit]
        x, y = next(iter(DataLoader(self._loader.dataset, batch_size=limit, shuffle=False)))
        return _as_tuple(x, self.device), y.to(self.device)

    def _tensor_batches(self, skip: int = 0) -> Iterator[Batch]:
        split, size = self._tensors, self.batch_size
        inputs, targets = split.inputs, split.targets
        if not self.shuffle:
            for start in range(skip * size, self.num_samples, size):
                stop = start + size
                yield tuple(t[start:stop] for t in inputs), targets[start:stop]
            return
        # one seeded permutation per epoch; each batch gathers its rows (no full shuffled copy of the set)
        order = torch.randperm(self.num_samples, generator=self.generator).to(self.device)
        chunks = order.split(size)[skip:] if skip else order.split(size)
        if len(inputs) == 1:
            x = inputs[0]
            for index in chunks:
                yield (x.index_select(0, index),), targets.index_select(0, index)
        else:
            for index in chunks:
                yield tuple(t.index_select(0, index) for t in inputs), targets.index_select(0, index)

    def _loader_batches(self) -> Iterator[Batch]:
        for x, y in self._loader:
            yield _as_tuple(x, self.device), y.to(self.device, non_blocking=True)


def _then(action: Callable[[], None], batches: Iterator[Batch]) -> Iterator[Batch]:
    action()
    yield from batches


def _as_tuple(x: object, device: torch.device) -> tuple[torch.Tensor, ...]:
    items = tuple(x) if isinstance(x, (list, tuple)) else (x,)
    return tuple(t.to(device, non_blocking=True) for t in items)


def _check_tensor_split(split: TensorSplit, name: str) -> None:
    n = len(split)
    for i, tensor in enumerate(split.inputs):
        if tensor.shape[0] != n:
            raise DataError(f"data.{name}.inputs[{i}]: has {tensor.shape[0]} samples but targets have {n}")
