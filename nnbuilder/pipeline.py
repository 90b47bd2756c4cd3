"""Project → data bundle → compiled model → trainer: the glue the CLI and the GUI share.

:func:`prepare` checks that the graph, the data set and the training section fit
together (inputs, output size, task) and reports every mismatch with a fix;
:func:`save_run` writes what a run produced so that the exported class loads it.
"""
from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnbuilder.graph.project import Project
from nnbuilder.layers import Role, is_pretrained
from nnbuilder.sections import DEFAULT_LOSS, data_batch_size, default_training, describe_default_training


class PipelineError(ValueError):
    """The project cannot be trained; ``problems`` are (where, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{where}: {message}" for where, message in problems))


@dataclass
class Prepared:
    """Everything a training run needs, checked to fit together."""

    project: Project
    compiled: Any  # nnbuilder.compile.CompiledModel
    model: Any  # torch.nn.Module
    bundle: Any  # nnbuilder.data.DataBundle
    config: Any  # nnbuilder.training.TrainingConfig
    batch_size: int
    notes: list[str] = field(default_factory=list)


def training_section(project: Project, task: str, epochs: int | None = None,
                     device: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The project's training section with CLI overrides; defaults (announced in notes) when absent."""
    notes: list[str] = []
    section = copy.deepcopy(project.training) if project.training is not None else None
    if section is None:
        section = default_training(task)
        notes.append(f"the project has no training section: using {describe_default_training(section)}")
    if epochs is not None:
        section["epochs"] = epochs
    if device is not None:
        section["device"] = device
    return section, notes


def prepare(project: Project, *, epochs: int | None = None, device: str | None = None) -> Prepared:
    """Load the data, compile the graph, build the config; raise PipelineError with every problem."""
    from nnbuilder.analysis import GraphValidationError
    from nnbuilder.compile import compile_graph
    from nnbuilder.data import DataError, load_data, validate_data_section
    from nnbuilder.training import ConfigError, TrainingConfig

    if project.data is None:
        raise PipelineError([("data", ("the project has no data section; choose a data set "
                                      "(e.g. {\"dataset\": \"spirals\"}) in the run setup or the project file"))])
    problems = [(path, msg) for path, msg in validate_data_section(project.data)]
    if problems:
        raise PipelineError(problems)
    try:
        compiled = compile_graph(project.graph, project.name)
    except GraphValidationError as exc:
        raise PipelineError([(f"graph: {i.node}" if i.node else "graph", i.message + (f" — {i.hint}" if i.hint else ""))
                             for i in exc.issues]) from None
    seed = (project.training or {}).get("seed", 0)
    from nnbuilder.data.paths import resolve_data_paths  # relative data paths are relative to the project file

    try:
        bundle = load_data(resolve_data_paths(project.data, project.folder), seed=seed if isinstance(seed, int) else 0,
                           standardize_inputs=False)
    except DataError as exc:
        raise PipelineError([("data", str(exc))]) from None
    section, notes = training_section(project, bundle.task, epochs, device)
    try:
        config = TrainingConfig.from_dict(section)
    except ConfigError as exc:
        raise PipelineError(list(exc.problems)) from None
    problems = check_fit(compiled, bundle, config) + loss_wiring_problems(project)
    if problems:
        raise PipelineError(problems)
    import torch

    from nnbuilder.recipe import fit_preprocessing

    compiled = compile_graph(project.graph, project.name, compiled.analysis,
                             model_preprocessing(project, compiled.analysis, bundle, config))
    torch.manual_seed(config.seed if config.seed is not None else 0)
    model = compiled.build()
    fit_preprocessing(model, compiled, bundle)  # the data pipeline hands raw inputs: the model standardises
    _apply_backbone_weights(project, compiled, model)
    batch = data_batch_size(project.data)
    return Prepared(project, compiled, model, bundle, config, batch, notes)


def model_preprocessing(project: Project, analysis: Any, bundle: Any, config: Any) -> Any:
    """The standardisation buffers, task and class names the project's module carries (data loaded)."""
    from nnbuilder.compile.preprocessing import plan
    from nnbuilder.training.metrics import metric_kind

    regression = bundle.task == "regression" and metric_kind(config.loss) == "regression"
    return plan(analysis, project.data, regression, task=bundle.task, classes=bundle.class_names)


def check_fit(compiled: Any, bundle: Any, config: Any) -> list[tuple[str, str]]:
    """Mismatches between the model's inputs/output and the data set, each with a fix."""
    analysis = compiled.analysis
    st = analysis.structure
    inputs = [n for n in st.order if st.specs[n].role is Role.INPUT]
    outputs = [n for n in st.order if st.specs[n].role is Role.OUTPUT]
    doc_order = list(st.specs)
    inputs.sort(key=doc_order.index)
    problems: list[tuple[str, str]] = []
    name = bundle.name
    if len(inputs) != len(bundle.inputs):
        wanted = ", ".join(f"{i.name} {list(i.shape)} {i.dtype}" for i in bundle.inputs)
        problems.append(("graph", (f"the model has {len(inputs)} Input node(s) but '{name}' provides "
                                  f"{len(bundle.inputs)} input(s): {wanted}")))
        return problems
    before = bundle.meta.get("input_shape_before_preprocess")
    for index, (node_id, info) in enumerate(zip(inputs, bundle.inputs)):
        shape, dtype = analysis.nodes[node_id].output_shape, analysis.nodes[node_id].dtype
        if tuple(shape) != tuple(info.shape) or dtype != info.dtype:
            preprocessed = index == 0 and before is not None and list(before) != list(info.shape)
            how = f" (data.preprocess turns its {list(before)} images into {list(info.shape)})" if preprocessed else ""
            alternative = (f", or change data.preprocess so that it gives {list(shape)}"
                           if preprocessed and dtype == info.dtype else "")
            problems.append((f"graph: {node_id}", (f"Input '{node_id}' is {list(shape)} {dtype} but '{name}' gives "
                                                  f"'{info.name}' as {list(info.shape)} {info.dtype}{how} — set its "
                                                  f"shape to {list(info.shape)} and dtype to {info.dtype}"
                                                  f"{alternative}")))
    if len(outputs) != 1:
        problems.append(("graph", f"training needs exactly one Output node, the graph has {len(outputs)}"))
        return problems
    out = tuple(analysis.nodes[outputs[0]].output_shape or ())
    loss = config.loss.type
    if bundle.task == "classification" and loss in ("CrossEntropyLoss", "NLLLoss"):
        if out != (bundle.num_classes,):
            problems.append(("graph: output", (f"the model outputs {list(out)} per sample but '{name}' has "
                                              f"{bundle.num_classes} classes — set the last layer's out_features "
                                              f"to {bundle.num_classes}")))
    elif bundle.task == "binary" and loss == "CrossEntropyLoss":
        problems.append(("training.loss", (f"'{name}' is a binary task with 0/1 targets — use BCEWithLogitsLoss "
                                          "with one output unit")))
    elif bundle.task == "classification":
        problems.append(("training.loss", (f"'{name}' has class labels — use CrossEntropyLoss (or NLLLoss after "
                                          f"LogSoftmax), not {loss}")))
    elif bundle.task == "regression" and loss in ("CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss"):
        problems.append(("training.loss", (f"'{name}' has real-valued targets — use {DEFAULT_LOSS['regression']} "
                                          f"(or L1Loss, HuberLoss), not {loss}")))
    else:
        target = tuple(bundle.target_shape) or (1,)
        if out != target:
            problems.append(("graph: output", (f"the model outputs {list(out)} per sample but the targets of "
                                              f"'{name}' are {list(target)} — set the last layer's out_features "
                                              f"to {math.prod(target)}")))
    return problems


def loss_wiring_problems(project: Project) -> list[tuple[str, str]]:
    """Loss/output pairings that cannot train (BCELoss without a Sigmoid), as (where, message) pairs."""
    from nnbuilder.analysis.warnings import wiring_warnings

    return [(f"graph: {w.issue.node}", w.issue.message + f" — {w.issue.hint}")
            for w in wiring_warnings(project.graph, project.training) if w.issue.is_error]


def _apply_backbone_weights(project: Project, compiled: Any, model: Any) -> None:
    for node in project.graph.nodes:
        if is_pretrained(node.type) and node.params.get("weights"):
            from nnbuilder.backbones import apply_backbone_weights

            apply_backbone_weights(getattr(model, compiled.code.attr_of[node.id]), node.params)


@dataclass
class TrainedModel:
    """What :func:`save_run` writes, detached from the run: the source, its class and the trained weights."""

    project_name: str
    class_name: str
    source: str
    dataset: str
    task: str
    state: dict[str, Any]  # the model's state_dict as contiguous CPU tensors
    recipe: dict[str, Any] = field(default_factory=dict)  # run.json's recipe (nnbuilder.recipe)

    @classmethod
    def of(cls, prepared: Prepared) -> TrainedModel:
        """A copy of ``prepared``'s model state (CPU) with what describes it."""
        from nnbuilder.recipe import recipe_of

        state = {k: v.detach().cpu().clone().contiguous() for k, v in prepared.model.state_dict().items()}
        return cls(prepared.project.name, prepared.compiled.class_name, prepared.compiled.source,
                   prepared.bundle.name, prepared.bundle.task, state, recipe_of(prepared))

    def build(self) -> Any:
        """The generated class instantiated with the trained weights loaded strictly."""
        from nnbuilder.compile.build import exec_source

        module_class, _ = exec_source(self.source, self.class_name)
        model = module_class()
        model.load_state_dict(self.state, strict=True)
        return model


def save_run(run: Prepared | TrainedModel, result: Any, out: str | Path) -> Path:
    """Write weights.safetensors, model.py (the trained source), history.json and run.json into ``out``.

    The folder appears whole, by one rename (:mod:`nnbuilder.runfolder`); a previous version stays valid until then.
    """
    from nnbuilder.runfolder import write_run_folder

    return write_run_folder(out, lambda folder: _write_run_files(run, result, folder))


def _write_run_files(run: Prepared | TrainedModel, result: Any, out: Path) -> Path:
    from safetensors.torch import save_file

    from nnbuilder.compile import write_source
    from nnbuilder.fileio import atomic_write_text

    trained = run if isinstance(run, TrainedModel) else TrainedModel.of(run)
    save_file(trained.state, str(out / "weights.safetensors"),
              metadata={"class": trained.class_name, "project": trained.project_name})
    write_source(trained.source, out / "model.py")
    atomic_write_text(out / "history.json", json.dumps(result.to_dict(), indent=2, default=_plain) + "\n")
    run_info = {"project": trained.project_name, "class": trained.class_name, "dataset": trained.dataset,
                "task": trained.task, "stop_reason": result.stop_reason, "message": result.message,
                "best_epoch": result.best_epoch, "test_metrics": result.test_metrics,
                "load": f"import safetensors.torch; from model import {trained.class_name}; m = {trained.class_name}(); "
                        "m.load_state_dict(safetensors.torch.load_file('weights.safetensors'), strict=True)",
                **trained.recipe}
    atomic_write_text(out / "run.json", json.dumps(run_info, indent=2, default=_plain) + "\n")
    return out


def _plain(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
