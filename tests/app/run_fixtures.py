"""Run folders as ``nnbuilder train`` writes them (history.json and the project copy), without training."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_run(folder: Path, lr: float, losses: list[float], stop_reason: str = "completed", age_s: float = 0.0,
              grad_norm: dict[str, list[float]] | None = None, checkpoint: bool = False) -> Path:
    """A run folder with one history entry per loss (val_loss = loss, val_r2 = 1 - loss) and its project copy."""
    folder.mkdir(parents=True)
    history = [{"epoch": i + 1, "loss": loss, "val_loss": loss, "r2": 1 - loss, "val_r2": 1 - loss, "lr": [lr],
                "time": 0.1} for i, loss in enumerate(losses)]
    saved: dict[str, Any] = {"history": history, "stop_reason": stop_reason, "test_metrics": {},
                             "epochs_run": len(losses), "steps": 3 * len(losses)}
    if grad_norm is not None:
        saved["grad_norm"] = grad_norm
    (folder / "history.json").write_text(json.dumps(saved), encoding="utf-8")
    project = {"format": "nnbuilder", "version": 1, "name": "seed",
               "graph": {"nodes": [], "edges": []},
               "data": {"dataset": "seed_regression", "params": {}, "split": [0.7, 0.3], "batch_size": 32},
               "training": {"loss": "MSELoss", "optimizer": {"type": "SGD", "lr": lr}, "epochs": len(losses)}}
    (folder / "project.nnb").write_text(json.dumps(project), encoding="utf-8")
    if checkpoint:
        (folder / "checkpoint").mkdir()
    stamp = (folder / "history.json").stat().st_mtime - age_s
    os.utime(folder / "history.json", (stamp, stamp))
    return folder
