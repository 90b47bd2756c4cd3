"""The Python API for notebooks: ``load_model``, ``train`` and ``load_run(...).predict``.

    import nnbuilder
    history = nnbuilder.train("nnbuilder/examples/spirals_mlp.nnb", epochs=20, out="runs/spirals")
    run = nnbuilder.load_run("runs/spirals")
    run.predict([[0.1, -0.4]])          # class indices; run.classes names them

Predictors take raw inputs, as the data set holds them: the module standardises them itself.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnbuilder.graph.project import Project, load_project
from nnbuilder.recipe import RunFolderError, read_run

PathLike = str | os.PathLike[str]


def _project(project: PathLike | Project) -> Project:
    return project if isinstance(project, Project) else load_project(project)


def load_model(project: PathLike | Project) -> nn.Module:
    """The project's compiled module, untrained, with its preprocessing fitted to the training split.

    Raises :class:`nnbuilder.pipeline.PipelineError` naming every problem of the project.
    """
    from nnbuilder.pipeline import prepare

    return prepare(_project(project)).model


def train(project: PathLike | Project, *, epochs: int | None = None, device: str | None = None,
          out: PathLike | None = None, callbacks: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Train the project as ``nnbuilder train`` does and return its history (one dict per epoch).

    With ``out`` the run folder (model.py, weights.safetensors, history.json, run.json) is
    written there; :func:`load_run` opens it.
    """
    from nnbuilder.pipeline import prepare, save_run
    from nnbuilder.training import Trainer

    prepared = prepare(_project(project), epochs=epochs, device=device)
    result = Trainer(prepared.model, prepared.bundle, prepared.config, list(callbacks),
                     batch_size=prepared.batch_size).run()
    if out is not None:
        save_run(prepared, result, out)
    return result.history


class Predictor:
    """A trained module from a run folder: ``predict`` takes raw inputs; ``classes`` names class indices."""

    def __init__(self, model: nn.Module, info: dict[str, Any], folder: Path) -> None:
        self.model = model.eval()
        self.info = info
        self.folder = folder
        self.task: str = info.get("task", "")
        self.classes: tuple[str, ...] | None = tuple(info["classes"]) if info.get("classes") else None
        self.test_metrics: dict[str, float] = info.get("test_metrics") or {}

    def __repr__(self) -> str:
        return f"Predictor({self.info.get('class')}, {self.task}, from {self.folder})"

    def _tensors(self, raw: Any) -> list[torch.Tensor]:
        specs = self.info.get("inputs") or [{"dtype": "float32"}]
        values = list(raw) if len(specs) > 1 else [raw]
        if len(values) != len(specs):
            names = ", ".join(s.get("name", "?") for s in specs)
            raise ValueError(f"this model takes {len(specs)} inputs ({names}); pass a list of {len(specs)} arrays")
        out = []
        for value, spec in zip(values, specs):
            dtype = torch.long if spec.get("dtype") == "int64" else torch.float32
            tensor = torch.as_tensor(value).to(dtype)
            shape = tuple(spec.get("shape", ()))
            if shape and tuple(tensor.shape) == shape:  # one sample: add the batch dimension
                tensor = tensor.unsqueeze(0)
            out.append(tensor)
        return out

    @torch.no_grad()
    def outputs(self, raw: Any) -> torch.Tensor:
        """The module's output for raw inputs (logits for classifiers, values in the data's units otherwise)."""
        return self.model(*self._tensors(raw))

    def predict(self, raw: Any) -> torch.Tensor:
        """Predictions for raw inputs: class indices (classification, binary) or values (regression)."""
        out = self.outputs(raw)
        if self.task == "classification":
            return out.argmax(dim=1)
        if self.task == "binary":
            return (out.reshape(len(out), -1)[:, 0] > 0).long()
        return out

    def predict_proba(self, raw: Any) -> torch.Tensor:
        """Class probabilities (N, classes) for raw inputs."""
        out = self.outputs(raw).float()
        if self.task == "binary":
            p = torch.sigmoid(out.reshape(len(out), -1)[:, :1])
            return torch.cat([1 - p, p], 1)
        if self.task != "classification":
            raise ValueError(f"predict_proba needs a classifier; this run's task is {self.task!r}")
        return torch.softmax(out, 1)


def load_run(folder: PathLike) -> Predictor:
    """The trained predictor of a run folder (model.py + weights.safetensors + run.json).

    Raises :class:`RunFolderError` for a folder that is not a run, or one from an older nnbuilder
    (whose model expects standardised inputs); nothing in the folder is changed.
    """
    from safetensors.torch import load_file

    from nnbuilder.compile.build import exec_source

    folder = Path(folder)
    info = read_run(folder)
    source = (folder / "model.py").read_text(encoding="utf-8")
    try:
        module_class, _ = exec_source(source, info["class"])
        model = module_class()
        model.load_state_dict(load_file(str(folder / "weights.safetensors")), strict=True)
    except (KeyError, RuntimeError, SyntaxError) as exc:
        raise RunFolderError(f"{folder}: model.py and weights.safetensors do not fit together ({exc})") from None
    return Predictor(model, info, folder)
