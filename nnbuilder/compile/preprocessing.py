"""What the compiled module does besides the graph: the take-away preprocessing.

Training standardises float inputs with statistics of the training split (or the fixed mean/std of
``data.preprocess``) and, for regression, the targets.  Like Keras' ``Normalization.adapt``, those
statistics live in the module as buffers: the generated ``forward`` standardises its raw inputs at
the top and returns predictions in the data's own units, and the fitted values travel in the state
dict, so the in-app model, the export, checkpoints and resume all agree.  Classifiers carry their
class names and the task as class attributes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from nnbuilder.analysis import Analysis


@dataclass(frozen=True)
class InputScaling:
    """Standardisation of one Input node: ``(x - mean) / std`` per feature (per channel for images)."""

    node: str
    shape: tuple[int, ...]  # the buffer shape: (C, 1, 1) for images, (F,) otherwise
    source: str = "training split"  # or "data.preprocess"


@dataclass(frozen=True)
class ModelPreprocessing:
    """The extras a project's data and training sections add to its generated module."""

    inputs: tuple[InputScaling, ...] = ()
    target_shape: tuple[int, ...] | None = None  # per-sample output shape when regression targets are standardised
    task: str | None = None
    classes: tuple[str, ...] | None = None
    geometry: tuple[str, dict[str, Any], tuple[int, ...]] | None = None  # (Input node, data.preprocess, model shape)

    @property
    def empty(self) -> bool:
        return not self.inputs and self.target_shape is None and self.task is None


def stat_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Buffer shape for per-feature statistics of a per-sample ``shape`` (channels first for images)."""
    if len(shape) == 3:
        return (shape[0], 1, 1)
    return (shape[-1],) if shape else (1,)


def plan(analysis: Analysis, data: dict[str, Any] | None, regression: bool, *, task: str | None = None,
         classes: list[str] | tuple[str, ...] | None = None) -> ModelPreprocessing:
    """The preprocessing a project's module carries, from its graph and ``data`` section alone.

    Float Inputs are standardised unless ``data.normalize`` is false; ``regression`` (the loss
    compares values) adds the target buffers.  No data is read: the values are fitted by
    :func:`fit` (or loaded with the weights).
    """
    if data is None:
        return ModelPreprocessing(task=task, classes=tuple(str(c) for c in classes) if classes else None)
    st = analysis.structure
    inputs = [n for n in st.specs if st.specs[n].type == "Input"]  # document order
    scaled = []
    fixed = isinstance(data.get("preprocess"), dict) and data["preprocess"].get("mean") is not None
    if data.get("normalize", True) is not False:
        for index, node in enumerate(inputs):
            info = analysis.nodes[node]
            if str(info.dtype).startswith("float") and info.output_shape is not None:
                source = "data.preprocess" if fixed and index == 0 else "training split"
                scaled.append(InputScaling(node, stat_shape(tuple(info.output_shape)), source))
    target = None
    if regression:
        outputs = [n for n in st.specs if st.specs[n].type == "Output"]
        if len(outputs) == 1 and analysis.nodes[outputs[0]].output_shape:
            target = tuple(analysis.nodes[outputs[0]].output_shape)
    geometry = None
    spec = data.get("preprocess")
    if isinstance(spec, dict) and any(spec.get(k) for k in ("resize", "crop", "channels")) and inputs:
        shape = analysis.nodes[inputs[0]].output_shape
        if shape is not None and len(shape) == 3:
            geometry = (inputs[0], {k: spec[k] for k in ("resize", "crop", "channels", "interpolation") if k in spec},
                        tuple(shape))
    return ModelPreprocessing(tuple(scaled), target, task,
                              tuple(str(c) for c in classes) if classes and task != "regression" else None, geometry)


def buffer_names(pre: ModelPreprocessing, attr: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Node id (or "target") → the (mean, std) buffer names in the generated module (set by codegen)."""
    names = {s.node: (f"{attr[s.node]}_mean", f"{attr[s.node]}_std") for s in pre.inputs}
    if pre.target_shape is not None:
        names["target"] = ("target_mean", "target_std")
    return names


def fit(model: torch.nn.Module, names: dict[str, tuple[str, str]], input_names: dict[str, str],
        meta: dict[str, Any]) -> dict[str, Any]:
    """Copy the statistics the data pipeline fitted (``bundle.meta``) into ``model``'s buffers.

    ``input_names`` maps Input node id → the data set's input name.  Returns the statistics as
    written (for run.json).  A buffer without statistics (e.g. a file-backed regression) keeps
    the identity (mean 0, std 1).
    """
    written: dict[str, Any] = {"inputs": {}, "target": None}
    stats = meta.get("normalization", {})
    with torch.no_grad():
        for node, (mean_name, std_name) in names.items():
            if node == "target":
                values = meta.get("target_normalization")
            else:
                values = stats.get(input_names.get(node, ""))
            if not values:
                continue
            mean_buf, std_buf = getattr(model, mean_name), getattr(model, std_name)
            mean_buf.copy_(torch.tensor(values["mean"], dtype=mean_buf.dtype).reshape(mean_buf.shape))
            std_buf.copy_(torch.tensor(values["std"], dtype=std_buf.dtype).reshape(std_buf.shape))
            entry = {"mean": list(values["mean"]), "std": list(values["std"]),
                     "buffers": [mean_name, std_name]}
            if node == "target":
                written["target"] = entry
            else:
                written["inputs"][node] = {**entry, "input": input_names.get(node),
                                           "source": values.get("source", "training split")}
    return written
