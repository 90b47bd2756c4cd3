"""``export --script``: plain PyTorch that reproduces the app's history and runs under torchrun (DDP, gloo)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nnbuilder
from nnbuilder.cli import main
from nnbuilder.export.script import export_script
from nnbuilder.graph.project import load_project

EXAMPLES = Path(__file__).resolve().parents[2] / "nnbuilder" / "examples"


def _env() -> dict[str, str]:
    """No PYTHONPATH and one thread each: the script must not need nnbuilder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, "OMP_NUM_THREADS": "1"}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", *args], check=False, cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=300)


def _project():
    project = load_project(EXAMPLES / "seed_regression.nnb")
    project.data = {**project.data, "split": [0.6, 0.2, 0.2]}
    project.training = {**project.training, "epochs": 6, "scheduler": {"type": "StepLR", "step_size": 2, "gamma": 0.5},
                        "early_stopping": {"patience": 10}}
    return project


@pytest.mark.slow
def test_train_py_reproduces_the_apps_history(tmp_path: Path) -> None:
    project = _project()
    export = export_script(project, tmp_path / "script")
    assert export.notes == []
    source = (tmp_path / "script" / "train.py").read_text()
    assert "nnbuilder" not in re.sub(r'""".*?"""', "", source, count=1, flags=re.DOTALL).replace("nnbuilder's", "")
    done = _run([str(tmp_path / "script" / "train.py"), "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 0, done.stderr
    script = json.loads((tmp_path / "out" / "history.json").read_text())
    app = nnbuilder.train(project)
    assert len(script["history"]) == len(app) == 6
    for mine, theirs in zip(app, script["history"]):
        for key in ("loss", "val_loss", "mae", "val_r2"):
            assert mine[key] == pytest.approx(theirs[key], abs=1e-6), key
        assert mine["lr"] == pytest.approx(theirs["lr"])


@pytest.mark.slow
def test_torchrun_with_two_cpu_processes_gives_identical_weights_and_the_loss_falls(tmp_path: Path) -> None:
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    if torchrun is None:
        pytest.skip("torchrun is not installed beside this Python")
    export_script(_project(), tmp_path / "script", epochs=8)
    done = subprocess.run([torchrun, "--standalone", "--nproc_per_node=2", str(tmp_path / "script" / "train.py"),
                           "--device", "cpu", "--out", str(tmp_path / "out")], check=False, cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    history = json.loads((tmp_path / "out" / "history.json").read_text())
    assert history["world_size"] == 2
    first, second = history["rank_checksums"]  # the sum of every weight, gathered from each rank
    assert first == second
    losses = [row["loss"] for row in history["history"]]
    assert losses[-1] < losses[0]


def test_cli_script_export_notes_only_what_the_script_cannot_reproduce(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from nnbuilder.graph.project import save_project

    project = load_project(EXAMPLES / "spirals_mlp.nnb")
    project.training["regularization"] = {"l1": 1e-4}  # reproduced: no note
    project.training["init"] = {"default": "kaiming"}  # redrawn by train.py after seeding: no note
    path = tmp_path / "p.nnb"
    save_project(project, path)
    assert main(["export", str(path), "--script", str(tmp_path / "s")]) == 0
    captured = capsys.readouterr()
    assert "does not reproduce" not in captured.err
    train_py = (tmp_path / "s" / "train.py").read_text()
    assert "NOT REPRODUCED" not in train_py and "def penalty(model)" in train_py and "init_weights(model)" in train_py
    augmented = load_project(EXAMPLES / "mnist_mlp.nnb")  # augmentation is reproduced; bf16 is not: said twice
    augmented.data = {**augmented.data, "params": {"n_samples": 60}, "augment": [{"type": "RandomHorizontalFlip"}]}
    augmented.training["precision"] = "bf16"
    save_project(augmented, tmp_path / "a.nnb")
    assert main(["export", str(tmp_path / "a.nnb"), "--script", str(tmp_path / "s2")]) == 0
    assert "does not reproduce precision bf16 (train.py trains in fp32)" in capsys.readouterr().err
    train_py = (tmp_path / "s2" / "train.py").read_text()
    assert "NOT REPRODUCED: precision bf16 (train.py trains in fp32)" in train_py
    assert "NOT_REPRODUCED = ['precision bf16 (train.py trains in fp32)']" in train_py  # printed when it runs
    assert '("flip", -1, 0.5)' in train_py


@pytest.mark.slow
def test_notebook_cells_run_in_order_and_train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat

    notebook = tmp_path / "train.ipynb"
    assert main(["export", str(EXAMPLES / "spirals_mlp.nnb"), "--notebook", str(notebook), "--epochs", "2"]) == 0
    nb = nbformat.read(str(notebook), as_version=4)
    nbformat.validate(nb)
    monkeypatch.chdir(tmp_path)  # Jupyter runs a notebook in its folder
    namespace: dict = {"__name__": "__notebook__"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, str(notebook), "exec"), namespace)  # noqa: S102 - our own export
    history = json.loads((tmp_path / "train_files" / "run" / "history.json").read_text())
    assert len(history["history"]) == 2 and history["test_metrics"]["test_accuracy"] > 0
