"""What the fitted-curve and embedding views show for a saved run folder, computed without Qt.

The run's model is opened as :func:`nnbuilder.load_run` opens it for predict and export (its
model.py with its weights; older folders are refused with load_run's message). The data set is
loaded again from run.json's recipe (the same section and split seed) only when a view needs it:
the training points and input range of a 1-D regression, the category names of Embedding rows.
The existing core functions then compute the curve (:mod:`nnbuilder.training.fitted_curve`) and
the projection (:mod:`nnbuilder.training.embedding_map`), as the live run does.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnbuilder.runs import PROJECT_COPY


class RunViewError(ValueError):
    """A run whose model cannot be opened; the message names the folder and why."""


@dataclass
class SavedRunViews:
    """The fitted curve and the embedding projections of one saved run, or why each is missing."""

    folder: Path
    fit: Any = None  # CurveData: the training points and the grid, or None
    curve: Any = None  # FittedCurve: the run's prediction on that grid, or None
    fit_problem: str = ""  # why the fitted curve does not apply (one clause, as curve_problem says it)
    embeddings: list[Any] = field(default_factory=list)  # EmbeddingProjection per Embedding layer
    data_problem: str = ""  # why the data set could not be loaded again (the curve and labels need it)
    label_note: str = ""  # how the Embedding rows are labelled when not by category names
    seconds: float = 0.0  # how long opening the run and computing both took

    @property
    def name(self) -> str:
        return self.folder.name


def open_run_views(folder: str | Path, project_folder: str | Path | None = None) -> SavedRunViews:
    """The fitted curve and embedding projections of the run in ``folder``.

    ``project_folder`` resolves relative data paths (default: the folder ``runs/`` lies in).
    Raises :class:`RunViewError` when the run's model cannot be opened (not a run, an older run
    folder, missing or mismatched weights).
    """
    from safetensors import SafetensorError

    from nnbuilder.api import load_run
    from nnbuilder.recipe import RunFolderError

    started = time.perf_counter()
    folder = Path(folder)
    try:
        run = load_run(folder)
    except RunFolderError as exc:
        raise RunViewError(str(exc)) from None
    except (OSError, SafetensorError) as exc:  # unreadable or not a safetensors file
        raise RunViewError(f"{folder}: weights.safetensors cannot be read ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - model.py that fails when executed (NameError, ImportError...)
        raise RunViewError(f"{folder}: the model cannot be loaded ({type(exc).__name__}: {exc})") from None
    out = SavedRunViews(folder)
    when = weights_when(folder, run.info)
    out.fit_problem = fit_problem(run.info) or ""
    layers, graph = _embedding_layers(run.model, folder)
    bundle = None
    if not out.fit_problem or layers:  # the data set is loaded again only for a view that needs it
        bundle, out.data_problem = _load_bundle(run.info, Path(project_folder) if project_folder else folder.parent.parent)
    if not out.fit_problem and bundle is not None:
        _fit(out, run.model, bundle, when)
    if layers:
        _project(out, run.model, layers, graph, bundle, when)
    out.seconds = time.perf_counter() - started
    return out


def fit_problem(info: dict[str, Any]) -> str | None:
    """Why the fitted curve does not apply to the run described by run.json ``info`` (before loading data)."""
    name, task, inputs = info.get("dataset", "?"), info.get("task", "?"), info.get("inputs") or []
    if task != "regression":
        return f"the data set '{name}' is {task}, not regression"
    if len(inputs) != 1:
        return f"the data set '{name}' has {len(inputs)} inputs, not one"
    shape, dtype = list(inputs[0].get("shape") or []), str(inputs[0].get("dtype", ""))
    if shape != [1] or not dtype.startswith("float"):
        return f"the data set '{name}' has input shape {shape} ({dtype}), not one float feature"
    return None


def weights_when(folder: Path, info: dict[str, Any]) -> tuple[int, int]:
    """(step, 1-based epoch) of the weights saved in ``folder``: the best epoch's when early stopping restored them."""
    from nnbuilder.fileio import JsonFileError, read_json_object

    try:
        saved = read_json_object(folder / "history.json")
    except JsonFileError:
        return 0, 0
    steps, epochs = int(saved.get("steps") or 0), int(saved.get("epochs_run") or len(saved.get("history") or []))
    early = (info.get("training") or {}).get("early_stopping")
    best = saved.get("best_epoch")
    if saved.get("stop_reason") in ("completed", "early_stopping") and isinstance(early, dict) \
            and early.get("restore_best", True) and isinstance(best, int) and epochs:
        return best * steps // epochs, best
    return steps, epochs


def _load_bundle(info: dict[str, Any], project_folder: Path) -> tuple[Any, str]:
    """The run's data set loaded as its run did (raw inputs), or (None, why not)."""
    from nnbuilder.data import DataError, load_data
    from nnbuilder.data.paths import resolve_data_paths

    data = info.get("data") or {}
    section, seed = data.get("section"), data.get("split_seed", 0)
    if not isinstance(section, dict):
        return None, "run.json records no data section"
    try:
        return load_data(resolve_data_paths(section, project_folder), seed=seed if isinstance(seed, int) else 0,
                         standardize_inputs=False), ""
    except DataError as exc:
        return None, f"the data set '{section.get('dataset', '?')}' could not be loaded again: {exc}"
    except OSError as exc:
        return None, f"the data set '{section.get('dataset', '?')}' could not be read: {exc.strerror or exc}"


def _fit(out: SavedRunViews, model: Any, bundle: Any, when: tuple[int, int]) -> None:
    from nnbuilder.training.fitted_curve import FittedCurve, curve_data, curve_problem, model_grid, predict_curve

    problem = curve_problem(bundle)
    if problem is not None:
        out.fit_problem = problem
        return
    out.fit = curve_data(bundle)
    out.curve = FittedCurve(out.fit.grid_x, predict_curve(model, model_grid(bundle, out.fit.grid_x)), *when)


def _embedding_layers(model: Any, folder: Path) -> tuple[list[tuple[str, Any]], Any]:
    """(layer name, nn.Embedding) of the model, named by node id when the project copy compiles; and its graph."""
    from nnbuilder.training.embedding_map import embedding_modules

    if not embedding_modules(model):
        return [], None
    from nnbuilder.analysis import GraphValidationError
    from nnbuilder.compile import compile_graph
    from nnbuilder.graph.project import ProjectFileError, load_project

    try:  # node ids name the layers; without a project copy that compiles, module paths do (label_note says)
        project = load_project(folder / PROJECT_COPY)
        attr_of = compile_graph(project.graph, project.name).code.attr_of
    except (ProjectFileError, GraphValidationError):
        return embedding_modules(model), None
    graph = project.graph
    return embedding_modules(model, attr_of), graph


def _project(out: SavedRunViews, model: Any, layers: list[tuple[str, Any]], graph: Any, bundle: Any,
             when: tuple[int, int]) -> None:
    from nnbuilder.training.embedding_map import project_embeddings, row_labels

    labels = row_labels(layers, graph, bundle)
    if graph is None:
        out.label_note = f"rows are numbered: the run's {PROJECT_COPY} is missing or cannot be compiled"
    elif bundle is None:
        out.label_note = f"rows are numbered: {out.data_problem}"
    out.embeddings = project_embeddings(model, layers, labels, *when)
