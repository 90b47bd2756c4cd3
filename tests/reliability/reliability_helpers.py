"""Small project files for the reliability tests."""
from __future__ import annotations

import itertools
import json
from pathlib import Path


def spirals_project(path: Path, *, epochs: int = 3, samples: int = 2000, batch: int = 4) -> Path:
    """An MLP with Dropout on spirals: many short steps per epoch (a signal lands mid-epoch), RNG in use."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [2]}},
             {"id": "fc1", "type": "Linear", "params": {"out_features": 32}},
             {"id": "act", "type": "ReLU", "params": {}},
             {"id": "drop", "type": "Dropout", "params": {"p": 0.2}},
             {"id": "fc2", "type": "Linear", "params": {"out_features": 2}},
             {"id": "out", "type": "Output", "params": {}}]
    ids = [n["id"] for n in nodes]
    project = {"format": "nnbuilder", "version": 1, "name": "spirals interrupt",
               "graph": {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]},
               "data": {"dataset": "spirals", "params": {"n_samples": samples}, "split": [0.7, 0.15, 0.15],
                        "batch_size": batch},
               "training": {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": epochs,
                            "scheduler": {"type": "OneCycleLR", "max_lr": 0.02}, "seed": 3}}
    path.write_text(json.dumps(project), encoding="utf-8")
    return path
