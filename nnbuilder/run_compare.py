"""Comparing saved runs: their status in a word, the curves to overlay, and a settings-and-metrics table."""
from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from nnbuilder.runs import RunSummary

STATUS = {"completed": "completed", "early_stopping": "completed", "stopped": "interrupted",
          "interrupted": "interrupted"}  # anything else (nan, oom, unknown) is "failed"
SKIPPED_METRICS = ("epoch", "time", "seconds")


def run_status(run: RunSummary) -> str:
    """``completed``, ``interrupted`` (stopped or killed: it may be resumed) or ``failed``."""
    return STATUS.get(run.stop_reason, "failed")


def run_label(run: RunSummary) -> str:
    """The run's folder name without the project's stem (``seed-20261205-100200`` → ``20261205-100200``)."""
    match = re.search(r"\d{8}-\d{6}(-\d+)?$", run.name)
    return match.group(0) if match else run.name


def run_date(run: RunSummary) -> str:
    """When the run was written, as ``mm-dd HH:MM`` local time (the folder's name has the year)."""
    return time.strftime("%m-%d %H:%M", time.localtime(run.modified))


def loss_key(run: RunSummary) -> str:
    """``val_loss`` when the run validated, else the training ``loss``."""
    return "val_loss" if any("val_loss" in h for h in run.history) else "loss"


def epoch_curve(run: RunSummary, key: str) -> tuple[list[float], list[float]]:
    """``key`` per epoch as (epochs, values), epochs 1-based; epochs without a finite value are left out."""
    xs, ys = [], []
    for i, entry in enumerate(run.history):
        value = entry.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            xs.append(float(entry.get("epoch", i + 1)))
            ys.append(float(value))
    return xs, ys


def headline(run: RunSummary) -> str:
    """The final validation loss and metrics (then the test metrics) in one short line."""
    final = {k: v for k, v in run.final.items() if k.startswith("val_")} or dict(run.final)
    parts = [f"{k} {format_value(v)}" for k, v in final.items() if k not in SKIPPED_METRICS]
    parts += [f"test_{k} {format_value(v)}" for k, v in run.test_metrics.items()
              if isinstance(v, (int, float)) and not str(k).startswith("test_")]
    parts += [f"{k} {format_value(v)}" for k, v in run.test_metrics.items() if str(k).startswith("test_")]
    return ", ".join(parts)


def format_value(value: Any) -> str:
    """Numbers to 4 significant digits, everything else as compact JSON."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def flatten(prefix: str, value: Any, into: dict[str, Any]) -> dict[str, Any]:
    """``{"optimizer": {"lr": 0.1}}`` under ``training`` → ``{"training.optimizer.lr": 0.1}`` (lists stay whole)."""
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            flatten(f"{prefix}.{key}" if prefix else str(key), inner, into)
    else:
        into[prefix] = value
    return into


def settings_of(run: RunSummary) -> dict[str, Any]:
    """The run's data and training settings as flat dotted keys (from its project copy)."""
    return flatten("training", run.training, flatten("data", run.data, {}))


def metrics_of(run: RunSummary) -> dict[str, Any]:
    """Final (last-epoch) metrics, test metrics and the number of epochs run."""
    out: dict[str, Any] = {"epochs": len(run.history), "status": run_status(run)}
    out.update({k: v for k, v in run.final.items() if k not in SKIPPED_METRICS})
    out.update({(k if str(k).startswith("test_") else f"test_{k}"): v for k, v in run.test_metrics.items()})
    return out


@dataclass
class CompareRow:
    """One line of the comparison table: a metric or setting, its value in each run, and whether they differ."""

    key: str
    kind: str  # "metric" or "setting"
    values: list[str]
    differs: bool


def compare_rows(runs: list[RunSummary]) -> list[CompareRow]:
    """The settings that differ (what was changed), the metrics (what it did), then the settings all runs share.

    A value a run lacks shows as ``—``; ``differs`` marks rows whose values differ."""
    rows: list[CompareRow] = []
    for kind, extract in (("metric", metrics_of), ("setting", settings_of)):
        tables = [extract(run) for run in runs]
        keys: list[str] = []
        for table in tables:
            keys += [k for k in table if k not in keys]
        if kind == "setting":
            keys.sort()
        for key in keys:
            values = [format_value(t[key]) if key in t else "—" for t in tables]
            rows.append(CompareRow(key, kind, values, len(set(values)) > 1))
    changed = [r for r in rows if r.kind == "setting" and r.differs]
    return changed + [r for r in rows if r not in changed]


def short_labels(runs: list[RunSummary], most: int = 2) -> list[str]:
    """A legend label per run: the settings that differ between ``runs`` (``optimizer.lr=0.1``), else its name."""
    tables = [settings_of(run) for run in runs]
    keys = sorted({k for t in tables for k in t})
    differing = [k for k in keys if len({format_value(t.get(k, "—")) for t in tables}) > 1]
    labels = []
    for run, table in zip(runs, tables):
        parts = [f"{k.split('.', 1)[-1]}={format_value(table.get(k, '—'))}" for k in differing[:most]]
        labels.append(", ".join(parts) if parts else run_label(run))
    if differing and len(set(labels)) < len(labels):  # the same settings twice: the names tell them apart
        labels = [f"{label} ({run_label(run)})" for label, run in zip(labels, runs)]
    return labels
