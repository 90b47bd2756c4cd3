"""`nnbuilder train` under SIGINT/SIGTERM: a complete run folder marked "interrupted", exit 130/143, and
`--resume` ends with the uninterrupted run's weights bit for bit (subprocesses, CPU)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import spirals_project
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}


def train(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnbuilder", "train", *args], capture_output=True, text=True,
                          env=ENV, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The project and the weights of its uninterrupted run."""
    folder = tmp_path_factory.mktemp("reference")
    project = spirals_project(folder / "p.nnb")
    done = train(str(project), "--out", str(folder / "run"))
    assert done.returncode == 0, done.stderr
    assert not (folder / "run" / "checkpoint").exists()  # a finished run keeps no checkpoint
    return project, load_file(folder / "run" / "weights.safetensors")


def interrupt(project: Path, out: Path, signum: int) -> subprocess.CompletedProcess:
    """Start training, send ``signum`` once the second epoch is under way, wait for the exit."""
    proc = subprocess.Popen([sys.executable, "-m", "nnbuilder", "train", str(project), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    lines = []
    deadline = time.monotonic() + 240
    for line in proc.stderr:  # the progress bar: one line per epoch
        lines.append(line)
        if line.startswith("epoch 1/"):
            time.sleep(0.3)  # into epoch 2's steps (about 350 of them)
            proc.send_signal(signum)
            break
        assert time.monotonic() < deadline, "".join(lines)
    stdout, stderr = proc.communicate(timeout=240)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, "".join(lines) + stderr)


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_epoch_leaves_a_run_that_resume_completes_bit_exactly(tmp_path: Path, reference, signum: int,
                                                                        code: int) -> None:
    project, expected = reference
    run = tmp_path / "run"
    stopped = interrupt(project, run, signum)
    assert stopped.returncode == code, stopped.stderr
    assert "Traceback" not in stopped.stderr and "internal error" not in stopped.stderr
    info = json.loads((run / "run.json").read_text())
    assert info["stop_reason"] == "interrupted"
    assert {"model.py", "weights.safetensors", "history.json", "run.json", "checkpoint"} <= {p.name for p in run.iterdir()}
    latest = json.loads((run / "checkpoint" / "latest.json").read_text())["latest"]
    assert "-batch-" in latest, latest  # stopped mid-epoch, not at an epoch's end
    assert f"--resume {run}" in stopped.stderr

    resumed = train(str(project), "--resume", str(run))
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((run / "run.json").read_text())["stop_reason"] == "completed"
    weights = load_file(run / "weights.safetensors")
    assert weights.keys() == expected.keys()
    assert all((weights[k] == expected[k]).all() for k in expected)  # bit for bit
    assert not (run / "checkpoint").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
