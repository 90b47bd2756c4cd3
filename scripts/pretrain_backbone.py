"""Pretrain the small backbone shipped in ``nnbuilder/resources/`` for the offline transfer-learning example.

Run ``python scripts/pretrain_backbone.py`` (about a minute on two CPU cores).  It trains a
``shufflenet_v2_x0_5`` from random init on the *pretext* task — the embedded ``shapes28`` data
restricted to five shapes (disc, ring, square, frame, triangle) — through the same pipeline the
app uses (project → ``prepare`` → ``Trainer``), then saves the backbone's weights (headless, keys as
the ``Backbone`` node expects) to ``nnbuilder/resources/shapes28_shufflenet_v2_x0_5.safetensors`` and the
provenance (seed, data, epochs, accuracy) next to it as JSON.

``nnbuilder/examples/transfer_learning.nnb`` then fine-tunes it on the *other* five shapes (plus, cross,
star, crescent, bars) with a handful of samples per class: ``weights`` is
``"resource:shapes28_shufflenet_v2_x0_5.safetensors"``, resolved inside the resources folder.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project

ROOT = Path(__file__).resolve().parents[1]
MODEL = "shufflenet_v2_x0_5"
RESOURCE = f"shapes28_{MODEL}.safetensors"
PRETEXT_CLASSES = ["disc", "ring", "square", "frame", "triangle"]
TARGET_CLASSES = ["plus", "cross", "star", "crescent", "bars"]
SEED = 0
N_SAMPLES = 4000
EPOCHS = 8
LR = 3e-3
NOISE = 0.1
MAX_ROTATION = 15.0


def transfer_project(name: str, classes: list[str], *, weights: str | None, freeze: Any, n_samples: int,
                     split: list[float], epochs: int, lr: float, seed: int = SEED, batch_size: int = 32,
                     extra: dict[str, Any] | None = None, noise: float = NOISE, max_rotation: float = MAX_ROTATION,
                     **training: Any) -> Project:
    """Input [1, 28, 28] → grey to RGB (Concat ×3) → Backbone (features) → Linear head → Output."""
    nodes = [Node("image", "Input", {"shape": [1, 28, 28]}, (0.0, 0.0)),
             Node("rgb", "Concat", {"inputs": 3, "dim": 1}, (280.0, 0.0)),
             Node("backbone", "Backbone", {"model": MODEL, "weights": weights, "output": "features",
                                           "freeze": freeze}, (560.0, 0.0)),
             Node("head", "Linear", {"out_features": len(classes)}, (840.0, 0.0)),
             Node("out", "Output", {}, (1120.0, 0.0))]
    edges = [Edge("image", "rgb", 0, port) for port in range(3)]
    edges += [Edge("rgb", "backbone"), Edge("backbone", "head"), Edge("head", "out")]
    data = {"dataset": "shapes28", "params": {"n_samples": n_samples, "noise": noise, "max_rotation": max_rotation,
                                                 "classes": list(classes)},
            "split": list(split), "batch_size": batch_size}
    section = {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": lr}, "epochs": epochs,
               "seed": seed, **training}
    return Project(name, GraphDocument(nodes, edges), data, section, dict(extra or {}))


def train(project: Project) -> tuple[Any, Any]:
    """Prepare and train ``project``; returns (prepared, result)."""
    from nnbuilder.pipeline import prepare
    from nnbuilder.training import Trainer

    prepared = prepare(project)
    result = Trainer(prepared.model, prepared.bundle, prepared.config, batch_size=prepared.batch_size).run()
    return prepared, result


def backbone_state(prepared: Any) -> dict[str, torch.Tensor]:
    """The Backbone node's state dict (headless, float32, contiguous)."""
    module = getattr(prepared.model, prepared.compiled.code.attr_of["backbone"])
    return {k: v.detach().to(torch.float32).contiguous().clone() for k, v in module.state_dict().items()}


def tensors_sha256(state: dict[str, torch.Tensor]) -> str:
    """A digest of the tensors (names, shapes, float32 bytes): stable across runs, unlike the file header."""
    digest = hashlib.sha256()
    for key in sorted(state):
        digest.update(f"{key}{list(state[key].shape)}".encode())
        digest.update(state[key].numpy().tobytes())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "nnbuilder" / "resources", help="folder for the weights and JSON")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--noise", type=float, default=NOISE)
    parser.add_argument("--rotation", type=float, default=MAX_ROTATION, help="largest rotation in the pretext data")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # small convolutions: one thread is fastest on a shared CPU
    started = time.perf_counter()
    project = transfer_project("shapes28 pretext", PRETEXT_CLASSES, weights=None, freeze="none",
                               n_samples=N_SAMPLES, split=[0.8, 0.1, 0.1], epochs=args.epochs, lr=LR,
                               noise=args.noise, max_rotation=args.rotation,
                               scheduler={"type": "CosineAnnealingLR", "T_max": args.epochs})
    prepared, result = train(project)
    seconds = time.perf_counter() - started
    state = backbone_state(prepared)
    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / RESOURCE
    accuracy = {k: round(float(v), 4) for k, v in result.test_metrics.items()}
    save_file(state, str(weights), metadata={"model": MODEL, "output": "features", "script": "scripts/pretrain_backbone.py"})
    info = {
        "file": RESOURCE, "model": MODEL, "output": "features", "format": "safetensors float32",
        "tensors_sha256": tensors_sha256(state),
        "script": "scripts/pretrain_backbone.py", "seed": SEED, "torch": torch.__version__,
        "data": project.data, "training": project.training,
        # read by nnbuilder (backbones/preprocess_offer.py) instead of regenerating the pretraining data
        "pretraining_statistics": {"input": prepared.bundle.inputs[0].name,
                                   "shape": list(prepared.bundle.inputs[0].shape),
                                   **{k: prepared.bundle.meta["normalization"][prepared.bundle.inputs[0].name][k]
                                      for k in ("mean", "std")}},
        "epochs_run": len(result.history),
        "pretext_test_metrics": accuracy,
        "pretext_val_accuracy": round(float(result.history[-1].get("val_accuracy", float("nan"))), 4),
        "train_seconds": round(seconds, 1),
        "use": "nnbuilder/examples/transfer_learning.nnb fine-tunes it on shapes " + ", ".join(TARGET_CLASSES),
    }
    (args.out / RESOURCE.replace(".safetensors", ".json")).write_text(json.dumps(info, indent=2) + "\n",
                                                                    encoding="utf-8")
    print(json.dumps({"weights": str(weights), "bytes": weights.stat().st_size, "test": accuracy,
                      "seconds": round(seconds, 1)}))


if __name__ == "__main__":
    main()
