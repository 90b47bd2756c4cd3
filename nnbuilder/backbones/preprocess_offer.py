"""What input preprocessing a Backbone's pretrained weights expect, and whether the project's data gives it.

The expectation comes from, in this order:

* torchvision weights (``"IMAGENET1K_V1"``, ``"DEFAULT"``...): their ``transforms()`` (resize, crop,
  interpolation, mean/std);
* shipped weights (``"resource:NAME.safetensors"``) and weight files with a JSON file of the same name
  beside them: its ``"preprocess"`` object (the ``data.preprocess`` format) when it has one; otherwise, for
  a JSON recording the pretraining ``data`` section (as ``scripts/pretrain_backbone.py`` writes), the
  per-channel statistics that pretraining standardised with, as the JSON records them (never recomputed);
* other weight files: torchvision's DEFAULT preprocessing, announced as an assumption.

:func:`preprocess_offers` gives one :class:`PreprocessOffer` per Backbone node with weights; its
:meth:`~PreprocessOffer.apply` returns the ``data`` section with the weights' ``preprocess`` written in.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnbuilder.data.preprocess import Preprocess, check_preprocess, close, section_image_shape, stats_text
from nnbuilder.fileio import JsonFileError, read_json_object
from nnbuilder.graph.project import Project
from nnbuilder.layers import is_pretrained

TORCHVISION, WEIGHTS_JSON, PRETRAINING_DATA, ASSUMED = "torchvision", "weights json", "pretraining data", "assumed"


class OfferError(ValueError):
    """The weights' preprocessing cannot be told (missing file, unreadable JSON, unknown weights)."""


@dataclass(frozen=True)
class Expected:
    """The preprocessing a set of weights expects, as a ``data.preprocess`` value."""

    model: str
    weights: str  # as shown to people: 'IMAGENET1K_V1', 'DEFAULT (IMAGENET1K_V1)', a file name
    spec: dict[str, Any]
    origin: str  # TORCHVISION, WEIGHTS_JSON, PRETRAINING_DATA or ASSUMED
    detail: str = ""  # where the numbers come from, for people

    @property
    def preprocess(self) -> Preprocess:
        pre, problems = check_preprocess(self.spec)
        assert pre is not None, problems  # specs are checked when made
        return pre

    def summary(self) -> str:
        """'resnet18 IMAGENET1K_V1 expects: resize 256 → crop 224 (bilinear), normalise with ImageNet mean/std'."""
        text = f"{self.model} {self.weights} expects: {self.preprocess.describe()}"
        return text + (f" ({self.detail})" if self.detail else "")


@dataclass
class PreprocessOffer:
    """One Backbone node's expectation compared with the project's ``data`` section."""

    node: str
    expected: Expected | None
    matches: bool = False
    differences: list[str] = field(default_factory=list)
    problem: str = ""  # why nothing can be offered (unknown preprocessing, not image data)
    spec: dict[str, Any] = field(default_factory=dict)  # the data.preprocess to write (adapted to the data)
    input_fix: str = ""  # 'set Input 'image' to [3, 224, 224]' when the spec changes the input shape

    @property
    def applicable(self) -> bool:
        return self.expected is not None and not self.problem

    @property
    def needs_attention(self) -> bool:
        """True when something should be said: a mismatch, an Input to fix, or preprocessing unknown."""
        return bool(self.problem or not self.matches or self.input_fix)

    def apply(self, data: dict[str, Any] | None) -> dict[str, Any]:
        """``data`` with ``preprocess`` set to the weights' spec (other keys kept; normalize false dropped)."""
        if not self.applicable:
            raise OfferError(self.problem or f"backbone '{self.node}' has no pretrained weights")
        new = copy.deepcopy(data) if data else {}
        current = new.get("preprocess")
        merged = dict(current) if isinstance(current, dict) else {}
        merged.update(copy.deepcopy(self.spec))
        new["preprocess"] = merged
        if "mean" in self.spec and new.get("normalize") is False:
            del new["normalize"]
        return new

    def message(self) -> str:
        """One line for ``nnbuilder validate``: what is expected, what differs and the fix."""
        head = f"backbone '{self.node}': "
        if self.expected is None:
            return head + self.problem
        if self.problem:
            return head + f"{self.expected.summary()}; {self.problem}"
        if self.matches:
            return head + f"{self.expected.summary()}; the data section matches" + (
                f", but {self.input_fix} to fit it" if self.input_fix else "")
        fix = f'set data.preprocess to {json.dumps(self.spec)}'
        if self.input_fix:
            fix += f" and {self.input_fix}"
        return (head + f"{self.expected.summary()}; but the data is {'; '.join(self.differences)}. Fix: {fix} "
                "(GUI: Training → Run setup → \"Use the weights' preprocessing\")")


# ---------------------------------------------------------------------------- what the weights expect
def expected_preprocessing(model: str, weights: str | None) -> Expected | None:
    """The preprocessing ``weights`` of ``model`` expect; None for random init; :class:`OfferError` if unknown."""
    from nnbuilder.backbones.weights import WeightsError, is_resource, resource_path
    from nnbuilder.catalogue.models import _is_path, get_info, weights_enum_entry

    if not weights:
        return None
    try:
        name = get_info(model).name
        if is_resource(weights):
            file = resource_path(weights)
            return _from_json(name, file, required=True)
        if _is_path(weights):
            file = Path(weights).expanduser()
            found = _from_json(name, file, required=False) if file.with_suffix(".json").is_file() else None
            return found or _torchvision(name, "DEFAULT", file.name, ASSUMED,
                                         "assumed: the file carries no preprocessing, torchvision's DEFAULT used")
        entry = weights_enum_entry(name, weights)
        label = weights if weights == entry.name else f"{weights} ({entry.name})"
        return _torchvision(name, weights, label, TORCHVISION)
    except (WeightsError, ValueError) as exc:
        raise OfferError(f"cannot tell what preprocessing {model} weights {weights!r} expect: {exc}") from None


def _torchvision(model: str, weights: str, label: str, origin: str, detail: str = "") -> Expected:
    from nnbuilder.catalogue.models import preprocessing

    pre = preprocessing(model, weights)
    spec = {"resize": pre.resize, "crop": pre.crop, "interpolation": pre.interpolation, "mean": list(pre.mean),
            "std": list(pre.std)}
    return Expected(model, label, spec, origin, detail)


def _from_json(model: str, file: Path, required: bool) -> Expected | None:
    """From ``file``'s JSON sidecar: its ``preprocess``, or its pretraining data's statistics."""
    meta = file.with_suffix(".json")
    if not meta.is_file():
        if required:
            raise OfferError(f"{meta.name} (the description of {file.name}) is missing")
        return None
    try:
        info = read_json_object(meta)
    except JsonFileError as exc:
        raise OfferError(str(exc)) from None
    if "preprocess" in info:
        pre, problems = check_preprocess(info["preprocess"], f"{meta.name}: preprocess")
        if pre is None:
            raise OfferError("; ".join(f"{where}: {message}" for where, message in problems))
        return Expected(model, file.name, pre.to_dict(), WEIGHTS_JSON, f"from {meta.name}")
    if isinstance(info.get("data"), dict):
        spec, shape = _recorded_stats(meta, info)
        dataset = info["data"].get("dataset", "?")
        return Expected(model, file.name, spec, PRETRAINING_DATA,
                        f"the statistics it was pretrained with on {dataset} {list(shape)}, from {meta.name}")
    if required:
        raise OfferError(f"{meta.name} records neither \"preprocess\" nor the pretraining \"data\" section")
    return None


STATS_KEY = "pretraining_statistics"  # {"input", "shape", "mean", "std"}: what scripts/pretrain_backbone.py records


def _recorded_stats(meta: Path, info: dict[str, Any]) -> tuple[dict[str, Any], tuple[int, ...]]:
    """The pretraining statistics the sidecar records, read as they are: the pretraining data is never
    regenerated (a JSON naming 200,000 images would make opening a project allocate gigabytes)."""
    stats = info.get(STATS_KEY)
    numbers = (lambda v: isinstance(v, list) and 0 < len(v) <= 64
               and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v))
    if not (isinstance(stats, dict) and numbers(stats.get("mean")) and numbers(stats.get("std"))
            and len(stats["mean"]) == len(stats["std"]) and numbers(stats.get("shape"))):
        raise OfferError(f"{meta.name} records the pretraining data section but not its statistics: add "
                         f"\"{STATS_KEY}\": {{\"shape\": [C, H, W], \"mean\": [...], \"std\": [...]}} or "
                         "\"preprocess\": {\"mean\": [...], \"std\": [...]} (the data is not regenerated to "
                         "compute them)")
    preprocess = info["data"].get("preprocess")
    spec = dict(preprocess) if isinstance(preprocess, dict) else {}
    spec.update(mean=[round(float(v), 4) for v in stats["mean"]], std=[round(float(v), 4) for v in stats["std"]])
    checked, problems = check_preprocess(spec, f"{meta.name}: {STATS_KEY}")
    if checked is None:
        raise OfferError("; ".join(f"{where}: {message}" for where, message in problems))
    return spec, tuple(int(d) for d in stats["shape"])


# ---------------------------------------------------------------------------- comparing with the data
def compare(expected: Preprocess, data: dict[str, Any] | None) -> list[str]:
    """How the ``data`` section's images differ from what ``expected`` describes (empty: they match)."""
    if not isinstance(data, dict):
        return ["missing (the project has no data section)"]
    given, problems = check_preprocess(data.get("preprocess"))
    if problems:
        return [f"given an invalid data.preprocess ({problems[0][0]}: {problems[0][1]})"]
    have = given or Preprocess()
    differences: list[str] = []
    for what, want, got in (("resized", expected.resize, have.resize), ("cropped", expected.crop, have.crop)):
        if want is not None and want != got:
            shown = "not " + what if got is None else f"{what} to {_size(got)}"
            differences.append(f"{shown} (the weights expect {_size(want)})")
    if expected.resize is not None and have.resize == expected.resize and have.interpolation != expected.interpolation:
        differences.append(f"resized with {have.interpolation} interpolation instead of {expected.interpolation}")
    shape = section_image_shape(data)
    if expected.mean is not None and shape is not None:
        channels = have.channels or shape[0]
        if len(expected.mean) == 3 and channels != 3:
            differences.append(f"{channels}-channel (the weights expect 3 RGB channels)")
    if expected.mean is not None and expected.std is not None:
        want_stats = stats_text(expected.mean, expected.std)
        if have.mean is None:
            how = ("not normalised (data.normalize is false)" if data.get("normalize") is False
                   else "normalised with its own training-split statistics")
            differences.append(f"{how} instead of {want_stats}")
        elif not (_same_stats(have.mean, expected.mean) and _same_stats(have.std, expected.std)):
            differences.append(f"normalised with {stats_text(have.mean, have.std or ())} instead of {want_stats}")
    return differences


def _same_stats(have: tuple[float, ...], want: tuple[float, ...]) -> bool:
    if len(have) != len(want) and 1 in (len(have), len(want)):  # one value stands for every channel
        have, want = (have * len(want), want) if len(have) == 1 else (have, want * len(have))
    return close(have, want)


def _size(size: tuple[int, ...]) -> str:
    return str(size[0]) if len(size) == 1 else f"{size[0]}×{size[1]}"


def adapted_spec(expected: Expected, data: dict[str, Any] | None) -> dict[str, Any]:
    """The expected spec, plus ``"channels": 3`` when grey data meets RGB statistics."""
    spec = copy.deepcopy(expected.spec)
    shape = section_image_shape(data)
    if shape is not None and shape[0] == 1 and len(spec.get("mean") or ()) == 3:
        spec["channels"] = 3
    return spec


def preprocess_offers(project: Project) -> list[PreprocessOffer]:
    """One offer per Backbone node with pretrained weights, in document order."""
    offers = []
    for node in project.graph.nodes:
        if not is_pretrained(node.type) or not node.params.get("weights"):
            continue
        model = str(node.params.get("model", "resnet18"))
        try:
            expected = expected_preprocessing(model, str(node.params["weights"]))
        except OfferError as exc:
            offers.append(PreprocessOffer(node.id, None, problem=str(exc)))
            continue
        assert expected is not None
        offers.append(_offer(project, node.id, expected))
    return offers


def _offer(project: Project, node_id: str, expected: Expected) -> PreprocessOffer:
    from nnbuilder.data import get_dataset

    data = project.data
    name = data.get("dataset") if isinstance(data, dict) else None
    if isinstance(name, str):
        try:
            kind = get_dataset(name).kind
        except ValueError:
            kind = None
        if kind is not None and kind != "images":
            return PreprocessOffer(node_id, expected, problem=f"data set '{name}' does not hold images")
    differences = compare(expected.preprocess, data)
    spec = adapted_spec(expected, data)
    return PreprocessOffer(node_id, expected, not differences, differences, spec=spec,
                           input_fix=_input_fix(project, data, spec))


def _input_fix(project: Project, data: dict[str, Any] | None, spec: dict[str, Any]) -> str:
    """'set Input 'image' shape to [3, 224, 224]' when the spec gives another shape than the Input node has."""
    shape = section_image_shape(data)
    inputs = [n for n in project.graph.nodes if n.type == "Input"]
    pre, _problems = check_preprocess(spec)
    if shape is None or len(inputs) != 1 or pre is None:
        return ""
    after = list(pre.output_shape(shape))
    if list(inputs[0].params.get("shape") or []) == after:
        return ""
    return f"set Input '{inputs[0].id}' shape to {after}"
