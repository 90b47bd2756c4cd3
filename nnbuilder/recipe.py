"""run.json as a complete recipe, and fitting the module's preprocessing buffers.

A run folder written by this version holds everything needed to use or redo the run: the data set
and its parameters, the split seed and sizes, the fitted preprocessing statistics, the class names,
the resolved training configuration and the versions of nnbuilder and torch.  ``RUN_FORMAT``
numbers that content; folders without it come from an older nnbuilder (:func:`read_run` says so).
"""
from __future__ import annotations

import copy
import platform
from pathlib import Path
from typing import Any

from nnbuilder.fileio import JsonFileError, read_json_object

RUN_FORMAT = 2  # run.json with "run_format": inputs are raw, the module standardises them


class RunFolderError(ValueError):
    """A run folder that cannot be used as asked; the message names the folder and what to do."""


def fit_preprocessing(model: Any, compiled: Any, bundle: Any) -> dict[str, Any]:
    """Fill ``model``'s standardisation buffers with the statistics ``bundle`` fitted on its training split.

    Also tells the loss to work on the standardised target scale when the module returns
    de-standardised regression predictions (``bundle.meta["loss_target_scale"]``).
    """
    import torch

    from nnbuilder.compile.preprocessing import fit

    st = compiled.analysis.structure
    inputs = [n for n in st.specs if st.specs[n].type == "Input"]
    input_names = {node: info.name for node, info in zip(inputs, bundle.inputs)}
    written = fit(model, compiled.code.buffers, input_names, bundle.meta)
    target = bundle.meta.get("target_normalization")
    if "target" in compiled.code.buffers and target:
        bundle.meta["loss_target_scale"] = (torch.tensor(target["mean"]), torch.tensor(target["std"]))
    bundle.meta["fitted_preprocessing"] = written
    return written


def recipe_of(prepared: Any) -> dict[str, Any]:
    """The recipe part of run.json for a prepared run (plain JSON values)."""
    import torch

    from nnbuilder import __version__

    bundle, project, config = prepared.bundle, prepared.project, prepared.config
    meta = bundle.meta
    data = copy.deepcopy(project.data) or {}
    st = prepared.compiled.analysis.structure
    nodes = [n for n in st.specs if st.specs[n].type == "Input"]
    fitted = meta.get("fitted_preprocessing") or {"inputs": {}, "target": None}
    return {
        "run_format": RUN_FORMAT,
        "versions": {"nnbuilder": __version__, "torch": torch.__version__, "python": platform.python_version()},
        "data": {"dataset": bundle.name, "params": _jsonable(meta.get("params", {})),
                 "split": data.get("split"), "split_seed": meta.get("seed"), "split_sizes": meta.get("split_sizes"),
                 "test_source": meta.get("test_source"), "batch_size": prepared.batch_size,
                 "normalize": data.get("normalize", True), "preprocess": meta.get("preprocess"),
                 "augment": data.get("augment"), "section": _jsonable(data)},
        "inputs": [{"node": node, "argument": prepared.compiled.code.attr_of[node], "name": info.name,
                    "shape": list(info.shape), "dtype": info.dtype}
                   for node, info in zip(nodes, bundle.inputs)],
        "preprocessing": {"inputs_are": "raw (the module standardises them)", **_jsonable(fitted)},
        "classes": list(bundle.class_names) if bundle.class_names and bundle.task != "regression" else None,
        "training": _jsonable(config.to_dict()),
        "training_resolved": {"epochs": config.epochs, "batch_size": config.batch_size or prepared.batch_size,
                              "seed": config.seed, "device": config.device, "precision": config.precision,
                              "loss": config.loss.type, "optimizer": config.optimizer.type,
                              "lr": config.optimizer.lr},
    }


def read_run(folder: str | Path) -> dict[str, Any]:
    """run.json of ``folder``; :class:`RunFolderError` when it is missing, unreadable or from an older nnbuilder."""
    folder = Path(folder)
    path = folder / "run.json"
    for needed in ("run.json", "model.py", "weights.safetensors"):
        if not (folder / needed).is_file():
            raise RunFolderError(f"{folder}: no {needed} — not a run folder written by nnbuilder train or "
                                 "File ▸ Save run")
    try:
        info = read_json_object(path)
    except JsonFileError as exc:
        raise RunFolderError(str(exc)) from None
    version = info.get("run_format")
    if version is None:
        how = ("train the project again with this version, or continue this interrupted run with "
               f"'nnbuilder train PROJECT --resume {folder}' (its checkpoint is migrated)"
               if (folder / "checkpoint").is_dir() else "train the project again with this version")
        raise RunFolderError(
            f"{folder} was written by an older nnbuilder: run.json has no preprocessing statistics, and its "
            "model.py expects inputs already standardised with the training split's statistics, which were not "
            "saved. Its files are unchanged and still load as before (see run.json's 'load'); to get a predictor "
            f"that takes raw inputs, {how}.")
    if not isinstance(version, int) or version > RUN_FORMAT:
        raise RunFolderError(f"{path}: run format {version!r} is newer than this nnbuilder understands "
                             f"({RUN_FORMAT}); update nnbuilder")
    return info


def run_format_note(folder: str | Path) -> tuple[str, str]:
    """(tag, note) for a run list: ``("older version", why and what to do)`` for a folder whose run.json
    predates :data:`RUN_FORMAT` (:func:`read_run` refuses it), ``("newer version", ...)`` for one past it,
    ``("", "")`` otherwise (a folder of this version, or one without a readable run.json object)."""
    folder = Path(folder)
    try:
        info = read_json_object(folder / "run.json")
    except JsonFileError:
        return "", ""
    version = info.get("run_format")
    if version is None:
        how = ("Resume it to continue with this version (its checkpoint is migrated)"
               if (folder / "checkpoint").is_dir() else "train the project again to get one")
        return "older version", (f"Saved by an older nnbuilder without the preprocessing statistics: its curves and "
                                 f"settings show here, but it cannot be exported or loaded as a predictor; {how}.")
    if not isinstance(version, int) or version > RUN_FORMAT:
        return "newer version", (f"Saved by a newer nnbuilder (run format {version!r}, this one reads up to "
                                 f"{RUN_FORMAT}): update nnbuilder to export, load or resume it.")
    return "", ""


def _jsonable(value: Any) -> Any:
    """``value`` with tensors, paths and tuples turned into JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
