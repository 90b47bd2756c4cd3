"""Helpers for the take-away tests: small projects per task type, raw held-out data, a standalone evaluator."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import torch

from nnbuilder.data import load_data
from nnbuilder.graph.project import Project, load_project

EXAMPLES = Path(__file__).resolve().parents[2] / "nnbuilder" / "examples"

# Loads model.py by path with nnbuilder made unimportable, loads the weights, evaluates raw data.
STANDALONE_EVAL = r'''
import importlib.util, json, sys
sys.modules["nnbuilder"] = None  # the take-away must not need nnbuilder
import torch
from safetensors.torch import load_file
run, data = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("takeaway_model", f"{run}/model.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
classes = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, torch.nn.Module)]
model = classes[0]()
model.load_state_dict(load_file(f"{run}/weights.safetensors"), strict=True)
model.eval()
d = torch.load(data)
with torch.no_grad():
    out = model(*d["inputs"])
y = d["targets"]
if model.TASK == "classification":
    metrics = {"test_accuracy": (out.argmax(1) == y.reshape(-1)).double().mean().item()}
elif model.TASK == "binary":
    metrics = {"test_accuracy": ((out.reshape(-1) > 0) == (y.reshape(-1) > 0.5)).double().mean().item()}
else:
    o, t = out.double().reshape(-1), y.double().reshape(-1)
    metrics = {"test_mae": (o - t).abs().mean().item(),
               "test_r2": (1 - ((o - t) ** 2).sum() / ((t - t.mean()) ** 2).sum()).item()}
print(json.dumps({"metrics": metrics, "task": model.TASK, "classes": list(getattr(model, "CLASSES", ()))}))
'''


def example(name: str, *, data: dict[str, Any] | None = None, training: dict[str, Any] | None = None,
            params: dict[str, dict[str, Any]] | None = None) -> Project:
    """An example project with its data/training sections and node parameters updated."""
    project = load_project(EXAMPLES / f"{name}.nnb")
    if data:
        project.data = {**project.data, **data}
    if training:
        project.training = {**project.training, **training}
    for node in project.graph.nodes:
        node.params.update((params or {}).get(node.id, {}))
    return project


def raw_test_data(project: Project, path: Path) -> Path:
    """The project's held-out test split as the data set holds it (not standardised, not resized), for a subprocess."""
    seed = (project.training or {}).get("seed", 0)
    raw = {**project.data, "preprocess": None}  # images as stored: no resize/crop/channels, no mean/std
    test = load_data(raw, seed=seed, standardize_inputs=False).test
    torch.save({"inputs": list(test.inputs), "targets": test.targets}, path)
    return path


def standalone_metrics(run: Path, data: Path) -> dict[str, Any]:
    """Run :data:`STANDALONE_EVAL` in a fresh interpreter (no nnbuilder on its path)."""
    done = subprocess.run([sys.executable, "-I", "-c", STANDALONE_EVAL, str(run), str(data)], check=False,
                          capture_output=True, text=True, timeout=300, cwd=run)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
