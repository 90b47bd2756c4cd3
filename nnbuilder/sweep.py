"""A grid of headless runs over project settings: ``summary.csv`` and ``curves.png``.

``--set training.optimizer.lr=0.001,0.01,0.1`` varies one setting; several ``--set``
make the grid their product.  Keys are dotted paths into the project's ``training``
or ``data`` section, or ``graph.<node id>.<param>`` for a layer parameter.
"""
from __future__ import annotations

import copy
import csv
import itertools
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnbuilder.graph.project import Project


class SweepError(ValueError):
    """A ``--set`` that cannot be applied; the message names it."""


@dataclass(frozen=True)
class Setting:
    key: str
    values: tuple[Any, ...]


def parse_setting(text: str) -> Setting:
    """``KEY=V1,V2,...``; each value is read as JSON (numbers, true/false, null) or kept as a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise SweepError(f"--set {text!r}: expected KEY=V1,V2,... (e.g. training.optimizer.lr=0.001,0.01)")
    if key.split(".")[0] not in ("training", "data", "graph") or key.count(".") < 1:
        raise SweepError(f"--set {key}: the key must start with training., data. or graph.<node id>.")
    values = []
    for item in raw.split(","):
        item = item.strip()
        try:
            values.append(json.loads(item))
        except json.JSONDecodeError:
            values.append(item)
    return Setting(key, tuple(values))


def apply_setting(project: Project, key: str, value: Any) -> Project:
    """A copy of ``project`` with ``key`` set to ``value``."""
    project = copy.deepcopy(project)
    parts = key.split(".")
    if parts[0] == "graph":
        if len(parts) != 3:
            raise SweepError(f"--set {key}: use graph.<node id>.<parameter>")
        nodes = {n.id: n for n in project.graph.nodes}
        if parts[1] not in nodes:
            raise SweepError(f"--set {key}: no node {parts[1]!r}; nodes: {', '.join(nodes)}")
        nodes[parts[1]].params[parts[2]] = value
        return project
    section = getattr(project, parts[0])
    if section is None:
        section = {}
        setattr(project, parts[0], section)
    target = section
    for i, part in enumerate(parts[1:-1], start=1):
        if isinstance(target.get(part), str):  # "loss": "MSELoss" → {"type": "MSELoss"}
            target[part] = {"type": target[part]}
        elif not isinstance(target.get(part), dict):
            if part in target and target[part] is not None:
                raise SweepError(f"--set {key}: {'.'.join(parts[:i + 1])} is {target[part]!r}, not a section")
            target[part] = {}
        target = target[part]
    target[parts[-1]] = value
    return project


def grid(settings: Sequence[Setting]) -> list[dict[str, Any]]:
    """Every combination of the settings' values, in order."""
    keys = [s.key for s in settings]
    return [dict(zip(keys, combo)) for combo in itertools.product(*(s.values for s in settings))]


@dataclass
class SweepRun:
    settings: dict[str, Any]
    folder: Path
    stop_reason: str
    history: list[dict[str, Any]]
    test_metrics: dict[str, float]
    seconds: float
    error: str = ""

    def row(self) -> dict[str, Any]:
        final = {k: v for k, v in (self.history[-1] if self.history else {}).items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ("epoch", "time")}
        return {"run": self.folder.name, **self.settings, "stop_reason": self.stop_reason or "error",
                "epochs": len(self.history), **{f"final_{k}": v for k, v in final.items()},
                **{f"test_{k}" if not k.startswith("test_") else k: v for k, v in self.test_metrics.items()},
                "seconds": round(self.seconds, 2), "error": self.error}


def run_sweep(project: Project, settings: Sequence[Setting], out: str | Path,
              callbacks: Callable[[Any], list] | None = None,
              report: Callable[[str], None] = lambda line: None) -> list[SweepRun]:
    """Train every grid point (each in ``out/run-NN``) and write ``summary.csv`` and ``curves.png``."""
    from nnbuilder.pipeline import PipelineError, prepare, save_run
    from nnbuilder.runs import save_project_copy, standard_callbacks
    from nnbuilder.training import Trainer, TrainingError

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    points = grid(settings)
    runs: list[SweepRun] = []
    for i, point in enumerate(points, start=1):
        variant = project
        for key, value in point.items():
            variant = apply_setting(variant, key, value)
        folder = out / f"run-{i:02d}"
        label = ", ".join(f"{k}={v}" for k, v in point.items())
        report(f"[{i}/{len(points)}] {label}")
        started = time.perf_counter()
        try:
            prepared = prepare(variant)
            extra = (callbacks or standard_callbacks)(prepared)
            result = Trainer(prepared.model, prepared.bundle, prepared.config, extra,
                             batch_size=prepared.batch_size).run()
        except PipelineError as exc:
            runs.append(SweepRun(point, folder, "", [], {}, time.perf_counter() - started,
                                 "; ".join(f"{w}: {m}" for w, m in exc.problems)))
            report(f"  cannot train: {runs[-1].error}")
            continue
        except TrainingError as exc:
            runs.append(SweepRun(point, folder, "", [], {}, time.perf_counter() - started, str(exc)))
            report(f"  training failed: {exc}")
            continue
        save_run(prepared, result, folder)
        save_project_copy(variant, folder)
        runs.append(SweepRun(point, folder, result.stop_reason, result.history, result.test_metrics,
                             time.perf_counter() - started, result.message if result.stop_reason == "nan" else ""))
        last = result.history[-1] if result.history else {}
        report(f"  {result.stop_reason}: val_loss {last.get('val_loss', float('nan')):.4g}")
    write_summary(runs, out / "summary.csv")
    write_curves(runs, out / "curves.png")
    return runs


def write_summary(runs: Sequence[SweepRun], path: Path) -> Path:
    """One CSV row per run: its settings, final metrics, test metrics, time and any error."""
    rows = [r.row() for r in runs]
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_curves(runs: Sequence[SweepRun], path: Path, metric: str = "val_loss") -> Path:
    """Validation loss per epoch, one line per run (matplotlib, headless Agg backend)."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        from matplotlib import pyplot as plt
    except ImportError as exc:
        raise SweepError(f"curves.png needs matplotlib ({exc}); install it with pip install matplotlib "
                         "(summary.csv was written)") from None
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    plotted = 0
    for run in runs:
        values = [float(h.get(metric, math.nan)) for h in run.history]
        if not any(math.isfinite(v) for v in values):
            continue
        label = ", ".join(f"{k.split('.')[-1]}={v}" for k, v in run.settings.items()) or run.folder.name
        ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=label)
        plotted += 1
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} per epoch ({plotted} of {len(runs)} runs)")
    finite = [v for r in runs for h in r.history if math.isfinite(v := float(h.get(metric, math.nan)))]
    if finite and min(finite) > 0 and max(finite) / min(finite) > 50:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if plotted:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
