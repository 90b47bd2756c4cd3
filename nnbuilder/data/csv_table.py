"""``csv``: the user's own table.  Numeric columns → float input, text columns → int codes (second input)."""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .errors import DataError
from .info import TABLE, DatasetInfo, RawData
from .params import CHOICE, COLUMNS, PATH, STR, DataParam

MISSING = "(missing)"  # the category an empty categorical cell gets


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        raise DataError(f"data set 'csv': file {path} does not exist; set data.params.path to a .csv file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"data set 'csv': cannot read {path} ({exc}); save it as UTF-8 comma-separated text") from exc
    if len(rows) < 2:
        raise DataError(f"data set 'csv': {path} needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataError(f"data set 'csv': {path} line {number} has {len(row)} cells, the header has {len(header)}")
    return header, [[cell.strip() for cell in row] for row in rows[1:]]


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _numeric_column(cells: list[str]) -> bool:
    """Numeric when every non-empty cell is a number (empty cells are then reported, not guessed)."""
    filled = [c for c in cells if c]
    return bool(filled) and all(_is_number(c) for c in filled)


def _numbers(path: Path, name: str, cells: list[str]) -> np.ndarray:
    for number, cell in enumerate(cells, start=2):
        if not _is_number(cell):
            what = "is empty" if not cell else f"holds {cell!r}"
            raise DataError(f"data set 'csv': {path} line {number}, column '{name}' {what}, expected a number; "
                            f"fill or drop that row, or list '{name}' in data.params.categorical")
    return np.array([float(c) for c in cells])


def _check_mostly_numeric_target(path: Path, name: str, cells: list[str], task: str) -> None:
    """A target of numbers with a few text or empty cells is a data error there, not hundreds of classes."""
    if task != "classification":
        return
    numbers = sum(_is_number(c) for c in cells)
    if numbers * 2 <= len(cells):
        return
    number, cell = next((i, c) for i, c in enumerate(cells, start=2) if not _is_number(c))
    what = "is empty" if not cell else f"holds the text {_short(cell)!r}"
    raise DataError(f"data set 'csv': {path} line {number}, target column '{name}' {what}, while "
                    f"{numbers} of its {len(cells)} cells are numbers; fix or drop that row, or set "
                    "data.params.task to 'classification' if the numbers are class labels")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _codes(cells: list[str]) -> tuple[np.ndarray, list[str]]:
    values = [c if c else MISSING for c in cells]
    names = sorted(set(values))
    lookup = {v: i for i, v in enumerate(names)}
    return np.array([lookup[v] for v in values], dtype=np.int64), names


def load_csv(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Read the file, pick feature kinds per column and build the target."""
    path = Path(params["path"]).expanduser()
    header, rows = _read(path)
    target = params["target"]
    if target not in header:
        raise DataError(f"data set 'csv': data.params.target '{target}' is not a column of {path}; "
                        f"columns: {', '.join(header)}")
    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    features = [h for h in header if h != target]
    chosen = params["categorical"]
    if chosen == "auto":
        categorical = [h for h in features if not _numeric_column(columns[h])]
    else:
        unknown = [c for c in chosen if c not in features]
        if unknown:
            raise DataError(f"data set 'csv': data.params.categorical names {unknown}, which are not feature "
                            f"columns of {path}; feature columns: {', '.join(features)}")
        categorical = [h for h in features if h in chosen]
    numeric = [h for h in features if h not in categorical]
    if not features:
        raise DataError(f"data set 'csv': {path} has no feature column besides the target '{target}'")

    info: list[InputInfo] = []
    inputs: list[torch.Tensor] = []
    meta: dict[str, Any] = {"path": str(path), "numeric_columns": numeric, "categorical_columns": categorical}
    if numeric:
        table = np.stack([_numbers(path, h, columns[h]) for h in numeric], axis=1)
        info.append(InputInfo((len(numeric),), "float32", "numeric"))
        inputs.append(torch.from_numpy(table.astype(np.float32)))
    if categorical:
        coded = [_codes(columns[h]) for h in categorical]
        info.append(InputInfo((len(categorical),), "int64", "categorical"))
        inputs.append(torch.from_numpy(np.stack([c for c, _ in coded], axis=1)))
        meta["categories"] = {h: names for h, (_, names) in zip(categorical, coded)}
        meta["cardinalities"] = [len(names) for _, names in coded]

    cells = columns[target]
    task = params["task"]
    if task == "auto":
        task = "regression" if _numeric_column(cells) else "classification"
        _check_mostly_numeric_target(path, target, cells, task)
    if task == "regression":
        y = _numbers(path, target, cells)
        return RawData("regression", info, torch.from_numpy(y.astype(np.float32)).reshape(-1, 1), tuple(inputs),
                       target_shape=(1,), meta={**meta, "target_names": [target]})
    labels, names = _codes(cells)
    if len(names) < 2:
        raise DataError(f"data set 'csv': target column '{target}' has only one value; classification needs two")
    return RawData("classification", info, torch.from_numpy(labels), tuple(inputs), class_names=names,
                   meta={**meta, "target_names": [target]})


DATASETS = (
    DatasetInfo("csv", "auto",
                "Your own CSV table: numeric columns → float input, text columns → category codes (second input).",
                (DataParam("path", PATH, "", "the .csv file (header row first)", required=True),
                 DataParam("target", STR, "", "name of the column to predict", required=True),
                 DataParam("categorical", COLUMNS, "auto", 'columns to treat as categories, or "auto" (non-numeric)'),
                 DataParam("task", CHOICE, "auto", "auto: classification when the target is not numeric",
                           choices=("auto", "classification", "regression"))),
                TABLE, load_csv, (), None, "own files"),
)
