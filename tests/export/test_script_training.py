"""``export --script`` reproduces penalties, gradient clipping, per-step schedulers and staged unfreezing to 1e-6."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from takeaway_helpers import example

import nnbuilder
from nnbuilder.export.script import ScriptExportError, export_script


def _script_history(project: Any, folder: Path) -> list[dict]:
    """Export ``project``, run its train.py in a fresh interpreter that cannot import nnbuilder, return its history."""
    export = export_script(project, folder / "script")
    assert export.notes == []
    blocker = ("import runpy, sys; sys.modules['nnbuilder'] = None; sys.argv = sys.argv[1:]; "
               "runpy.run_path(sys.argv[0], run_name='__main__')")
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-I", "-c", blocker, str(folder / "script" / "train.py"),
                           "--device", "cpu", "--out", str(folder / "out")], check=False, cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((folder / "out" / "history.json").read_text())["history"]


def _assert_same(project: Any, folder: Path) -> str:
    """The script's history equals the app's to 1e-6 (every metric and every group's LR); returns train.py."""
    script = _script_history(project, folder)
    app = nnbuilder.train(project)
    assert len(script) == len(app) == project.training["epochs"]
    for mine, theirs in zip(app, script):
        for key, value in theirs.items():
            if isinstance(value, float) and not math.isnan(value):
                assert mine[key] == pytest.approx(value, abs=1e-6), (mine["epoch"], key)
        assert mine["lr"] == pytest.approx(theirs["lr"], abs=1e-9)
    return (folder / "script" / "train.py").read_text()


def _regression(**training: Any) -> Any:
    return example("seed_regression", data={"split": [0.6, 0.2, 0.2]},
                   training={"epochs": 4, "optimizer": {"type": "Adam", "lr": 0.01}, **training})


@pytest.mark.slow  # a fresh interpreter imports torch: ~10 s on 2 shared cores
def test_elastic_net_penalty_is_trained_on_but_not_logged(tmp_path: Path) -> None:
    reg = {"l1": 0.002, "l2": 0.001, "elastic_net": {"alpha": 0.01, "l1_ratio": 0.3}}
    source = _assert_same(_regression(regularization=reg), tmp_path)
    assert "PENALTY_L1, PENALTY_L2 = 0.005, 0.0045" in source and "NOT REPRODUCED" not in source
    assert "clip_gradients" not in source and "UNFREEZE" not in source  # only what the project uses


@pytest.mark.slow  # a fresh interpreter imports torch: ~10 s on 2 shared cores
def test_gradient_clipping_by_value_and_norm(tmp_path: Path) -> None:
    source = _assert_same(_regression(grad_clip={"value": 0.05, "max_norm": 0.1}), tmp_path)
    assert "clip_grad_value_" in source and "clip_grad_norm_" in source and "def penalty" not in source


@pytest.mark.slow
@pytest.mark.parametrize("scheduler", [
    {"type": "OneCycleLR", "max_lr": 0.05, "pct_start": 0.4},
    {"type": "LinearWarmup", "warmup_epochs": 2, "cosine": True, "min_lr_ratio": 0.1},
    {"type": "LinearWarmup", "warmup_steps": 5}])
def test_per_step_schedulers_with_lr_multipliers(tmp_path: Path, scheduler: dict) -> None:
    project = _regression(scheduler=scheduler, lr_multipliers={"fc1": 0.5},
                          optimizer={"type": "SGD", "lr": 0.01, "momentum": 0.9})
    source = _assert_same(project, tmp_path)
    assert '"step"' in source


def test_cosine_annealing_follows_the_epochs_the_script_runs(tmp_path: Path) -> None:
    project = _regression(scheduler={"type": "CosineAnnealingLR"})
    export_script(project, tmp_path)
    assert "CosineAnnealingLR(optimizer, T_max=epochs," in (tmp_path / "train.py").read_text()


def _transfer(**training: Any) -> Any:
    """A frozen ShuffleNet backbone (weights from the package) on 50 training images."""
    return example("transfer_frozen", training={"epochs": 3, **training})


@pytest.mark.slow  # a fresh interpreter imports torch: ~10 s on 2 shared cores
def test_staged_unfreezing_of_a_frozen_backbone(tmp_path: Path) -> None:
    project = _transfer(unfreeze=[{"epoch": 2, "module": "backbone", "blocks": ["stage4"]},
                                  {"epoch": 3, "module": "backbone", "blocks": ["conv5"]}],
                        lr_multipliers={"backbone": 0.1}, regularization={"l2": 0.001},
                        grad_clip={"max_norm": 1.0})
    source = _assert_same(project, tmp_path)
    assert "UNFREEZE = [(2, 'backbone.stage4'), (3, 'backbone.conv5')]" in source


def test_a_wrong_unfreeze_block_is_named(tmp_path: Path) -> None:
    with pytest.raises(ScriptExportError, match=r"training\.unfreeze\[0\]\.blocks.*layer9"):
        export_script(_transfer(unfreeze=[{"epoch": 2, "module": "backbone", "blocks": ["layer9"]}]), tmp_path)


@pytest.mark.slow
def test_torchrun_unfreezing_rewraps_ddp_so_every_rank_keeps_the_same_weights(tmp_path: Path) -> None:
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    if torchrun is None:
        pytest.skip("torchrun is not installed beside this Python")
    project = _transfer(unfreeze=[{"epoch": 2, "module": "backbone", "blocks": ["stage4"]}],
                        regularization={"l2": 0.001}, grad_clip={"max_norm": 1.0})
    export_script(project, tmp_path / "script")
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([torchrun, "--standalone", "--nproc_per_node=2", str(tmp_path / "script" / "train.py"),
                           "--device", "cpu", "--out", str(tmp_path / "out")], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    history = json.loads((tmp_path / "out" / "history.json").read_text())
    first, second = history["rank_checksums"]  # the sum of every weight and BatchNorm statistic on each rank
    assert history["world_size"] == 2 and first == second
    losses = [row["loss"] for row in history["history"]]
    assert losses[-1] < losses[0]


def test_notebook_cells_carry_the_same_training_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat

    from nnbuilder.export.notebook import export_notebook

    project = _regression(epochs=2, regularization={"l1": 0.003}, grad_clip={"max_norm": 0.2},
                          scheduler={"type": "LinearWarmup", "warmup_steps": 4})
    export_notebook(project, tmp_path / "train.ipynb")
    nb = nbformat.read(str(tmp_path / "train.ipynb"), as_version=4)
    cells = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert any(c.startswith("def penalty(model):") for c in cells)
    assert any(c.startswith("def clip_gradients(optimizer):") for c in cells)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "model", raising=False)  # the notebook imports its own model.py
    namespace: dict = {"__name__": "__notebook__"}
    for cell in cells:
        exec(compile(cell, "train.ipynb", "exec"), namespace)  # noqa: S102 - our own export
    monkeypatch.delitem(sys.modules, "model", raising=False)
    notebook = json.loads((tmp_path / "train_files" / "run" / "history.json").read_text())["history"]
    for mine, theirs in zip(nnbuilder.train(project), notebook, strict=True):
        assert mine["loss"] == pytest.approx(theirs["loss"], abs=1e-6)
        assert mine["lr"] == pytest.approx(theirs["lr"], abs=1e-9)
