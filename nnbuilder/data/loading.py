"""``load_data``: a project's ``data`` section → a split, normalised :class:`DataBundle`."""
from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import torch

from .augment import BatchAugment
from .bundle import DataBundle, InputInfo, Split, TensorSplit
from .errors import DataError
from .info import RawData
from .lazy import LazySplit
from .normalize import feature_stats, standardize
from .preprocess import Preprocess, check_against_shape
from .registry import DataConfig, parse_data_section
from .splits import split_indices

STATS_SAMPLE = 512  # images read from disk to estimate the statistics of a file-backed training split
_PART_NAMES = ("training", "validation", "test")


def load_data(section: dict[str, Any], seed: int = 0, *, standardize_inputs: bool = True) -> DataBundle:
    """Load, split (seeded, stratified for classes), preprocess, normalise and set up augmentation.

    With ``data.preprocess`` images are converted/resized/cropped once here (file-backed splits per
    item) and standardised with its fixed mean/std instead of statistics of the training split.

    The statistics are always fitted (``meta["normalization"]``, and ``meta["target_normalization"]``
    for regression targets); ``standardize_inputs=False`` leaves the inputs raw, for a model that
    standardises them itself (what :func:`nnbuilder.pipeline.prepare` builds), and
    ``meta["inputs_standardized"]`` says which.

    Raises :class:`DataError` naming every problem of ``section`` (with JSON
    paths) or what is missing to load the data set and how to get it.
    """
    config, problems = parse_data_section(section)
    if config is None:
        name = section.get("dataset", "?") if isinstance(section, dict) else "?"
        lines = "\n".join(f"  {path}: {message}" for path, message in problems)
        raise DataError(f"invalid data section for data set {name!r}:\n{lines}", problems)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError(f"seed must be a non-negative integer, got {seed!r}")
    raw = config.info.loader(config.params, np.random.default_rng([seed, 0]))
    splits, test_source = _split(config, raw, np.random.default_rng([seed, 1]))
    meta: dict[str, Any] = {**raw.meta, "kind": config.info.kind, "params": dict(config.params), "seed": seed,
                            "batch_size": config.batch_size, "test_source": test_source,
                            "split_sizes": [0 if s is None else len(s) for s in splits]}
    info = list(raw.input_info)
    pre = config.preprocess
    if pre is not None:
        splits, info = _preprocess(splits, info, pre, config.info.name)
        meta["preprocess"] = pre.to_dict()
        meta["input_shape_before_preprocess"] = list(raw.input_info[0].shape)
    if config.normalize:
        if pre is not None and pre.mean is not None:
            normalized, meta["normalization"] = _fixed_normalize(splits, info, pre)
        else:
            normalized, meta["normalization"] = _normalize(splits, info)
        if standardize_inputs:
            splits = normalized
    meta["inputs_standardized"] = bool(config.normalize and standardize_inputs)
    if raw.task == "regression":
        meta["target_normalization"] = target_stats(splits[0])
    augment = None
    if config.augment:
        stats = meta.get("normalization", {}).get(info[0].name) if meta["inputs_standardized"] else None
        mean, std = (torch.tensor(stats["mean"]), torch.tensor(stats["std"])) if stats else (None, None)
        augment = BatchAugment(config.augment, info[0].shape, mean, std)
    binary_or_classes = raw.task in ("classification", "binary")
    return DataBundle(
        name=config.info.name, task=raw.task, inputs=info, train=splits[0], val=splits[1],
        test=splits[2], num_classes=len(raw.class_names) if binary_or_classes and raw.class_names else None,
        class_names=raw.class_names, target_shape=(1,) if raw.task == "binary" else raw.target_shape,
        description=config.info.doc, meta=meta, augment=augment)


def target_stats(train: Split | None) -> dict[str, Any] | None:
    """Mean and std of each target value over the training split (regression), or None when not in memory."""
    if not isinstance(train, TensorSplit) or not train.targets.is_floating_point():
        return None
    y = train.targets.to(torch.float64).reshape(len(train), -1)
    mean, std = y.mean(0), y.std(0, unbiased=False)
    std = torch.where(std > 1e-12 * mean.abs().clamp(min=1.0), std, torch.ones_like(std))
    return {"mean": mean.to(torch.float32).tolist(), "std": std.to(torch.float32).tolist()}


def _split(config: DataConfig, raw: RawData, rng: np.random.Generator) -> tuple[list[Split | None], str | None]:
    """Train/val/test splits; an official test set replaces the third ratio."""
    ratios = list(config.split)
    official = raw.test is not None and len(ratios) == 3
    if official:
        ratios = [ratios[0] / (ratios[0] + ratios[1]), ratios[1] / (ratios[0] + ratios[1])]
    n = int(raw.targets.shape[0])
    labels = raw.targets if raw.task in ("classification", "binary") else None
    parts = split_indices(n, ratios, rng, labels)
    splits: list[Split | None] = []
    for i, (ratio, index) in enumerate(zip(ratios, parts)):
        if ratio == 0:
            splits.append(None)
            continue
        if len(index) == 0:
            raise DataError(f"data set '{config.info.name}': the {_PART_NAMES[i]} split is empty ({n} samples × "
                            f"{ratio:g}); use more samples or a larger ratio in data.split")
        if raw.dataset is not None:
            splits.append(LazySplit(raw.dataset, index.tolist()))
        else:
            take = torch.from_numpy(index)
            splits.append(TensorSplit(tuple(t[take] for t in raw.inputs), raw.targets[take]))
    if official:
        splits.append(TensorSplit(*raw.test))
        return splits, "official"
    splits += [None] * (3 - len(splits))
    return splits, ("split" if splits[2] is not None else None)


def _preprocess(splits: list[Split | None], info: list[InputInfo], pre: Preprocess,
                name: str) -> tuple[list[Split | None], list[InputInfo]]:
    """Channels/resize/crop of the image input: once for in-memory splits, per item for file-backed ones."""
    problems = check_against_shape(pre, tuple(info[0].shape), name)
    if problems:
        lines = "\n".join(f"  {path}: {message}" for path, message in problems)
        raise DataError(f"data.preprocess does not fit data set {name!r}:\n{lines}", problems)
    _check_memory(splits, pre.output_shape(tuple(info[0].shape)), name)
    out: list[Split | None] = []
    for part, split in zip(_PART_NAMES, splits):
        if split is None:
            out.append(None)
        elif isinstance(split, LazySplit):
            out.append(LazySplit(split.base, split.indices, transform=pre.transform if pre.geometric else None))
        else:
            assert isinstance(split, TensorSplit)
            image = pre.transform_batch(split.inputs[0], f"the {part} split of '{name}'")
            out.append(TensorSplit((image, *split.inputs[1:]), split.targets))
    first = info[0]
    return out, [InputInfo(pre.output_shape(tuple(first.shape)), first.dtype, first.name), *info[1:]]


def _check_memory(splits: list[Split | None], shape: tuple[int, ...], name: str) -> None:
    """Refuse preprocessing whose in-memory result cannot fit this machine (named, before allocating it)."""
    samples = sum(len(s) for s in splits if isinstance(s, TensorSplit))
    needed = samples * math.prod(shape) * 4  # float32
    total = physical_memory()
    if total and needed > 0.8 * total:
        raise DataError(f"data.preprocess turns the {samples:,} in-memory images of '{name}' into {list(shape)} "
                        f"float32 tensors: {needed / 2**30:.1f} GiB, more than this machine's memory "
                        f"({total / 2**30:.1f} GiB); use fewer samples (data.params.n_samples) or a smaller "
                        "data.preprocess size", [("data.preprocess", "needs more memory than this machine has")])


def physical_memory() -> int:
    """Bytes of RAM, or 0 where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _fixed_normalize(splits: list[Split | None], info: list[InputInfo],
                     pre: Preprocess) -> tuple[list[Split | None], dict[str, Any]]:
    """Standardise the image input with the fixed mean/std of ``data.preprocess``."""
    mean, std = pre.stats(info[0].shape[0])
    stats = {info[0].name: {"mean": mean.tolist(), "std": std.tolist(), "source": "data.preprocess"}}

    def apply(split: Split | None) -> Split | None:
        if split is None:
            return None
        if isinstance(split, LazySplit):
            return split.normalized(mean, std)
        assert isinstance(split, TensorSplit)
        return TensorSplit((standardize(split.inputs[0], mean, std), *split.inputs[1:]), split.targets)

    return [apply(s) for s in splits], stats


def _normalize(splits: list[Split | None], info: list[InputInfo]) -> tuple[list[Split | None], dict[str, Any]]:
    """Standardise every float input with statistics of the training split only."""
    train = splits[0]
    stats: dict[str, Any] = {}
    if isinstance(train, LazySplit):
        count = min(len(train), STATS_SAMPLE)
        sample = torch.stack([train.raw(i) for i in range(0, len(train), max(1, len(train) // count))[:count]])
        mean, std = feature_stats(sample)
        stats[info[0].name] = {"mean": mean.tolist(), "std": std.tolist()}
        return [None if s is None else s.normalized(mean, std) for s in splits], stats
    assert isinstance(train, TensorSplit)
    per_input: list[tuple[torch.Tensor, torch.Tensor] | None] = []
    for spec, tensor in zip(info, train.inputs):
        if spec.dtype.startswith("float"):
            mean, std = feature_stats(tensor)
            stats[spec.name] = {"mean": mean.tolist(), "std": std.tolist()}
            per_input.append((mean, std))
        else:
            per_input.append(None)

    def apply(split: Split | None) -> Split | None:
        if split is None:
            return None
        assert isinstance(split, TensorSplit)
        inputs = tuple(t if s is None else standardize(t, *s) for t, s in zip(split.inputs, per_input))
        return TensorSplit(inputs, split.targets)

    return [apply(s) for s in splits], stats
