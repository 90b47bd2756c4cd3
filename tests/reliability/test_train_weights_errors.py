"""``nnbuilder train`` (a real subprocess) names Backbone weights problems: rc 1, never "internal error"."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "nnbuilder" / "examples" / "transfer_learning.nnb"


def _project(tmp_path: Path, weights: str) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    next(n for n in data["graph"]["nodes"] if n["id"] == "backbone")["params"]["weights"] = weights
    data["training"]["epochs"] = 1
    out = tmp_path / "transfer.nnb"
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def _train(project: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TORCH_HOME": str(tmp_path / "empty-torch-home"),
           # no network: every download goes to a proxy port nobody listens on and fails at once
           "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "no_proxy": "", "NO_PROXY": ""}
    return subprocess.run([sys.executable, "-m", "nnbuilder", "train", str(project), "--out", str(tmp_path / "run")],
                          check=False, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)


@pytest.mark.slow
def test_offline_default_weights_name_the_weights_and_how_to_get_them(tmp_path: Path) -> None:
    done = _train(_project(tmp_path, "DEFAULT"), tmp_path)
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert "internal error" not in text and "Traceback" not in text
    assert "could not download shufflenet_v2_x0_5 weights IMAGENET1K_V1 from https://" in text
    assert "Connect to the network once, or put the file in" in text
    assert str(tmp_path / "empty-torch-home" / "hub" / "checkpoints") in text
    assert not (tmp_path / "run" / "weights.safetensors").exists()


@pytest.mark.slow
def test_weights_whose_keys_do_not_fit_name_the_file(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import save_file

    foreign = tmp_path / "foreign.safetensors"
    save_file({"conv1.0.weight": torch.zeros(3, 3, 3, 3), "classifier.weight": torch.zeros(2, 2)}, str(foreign))
    done = _train(_project(tmp_path, str(foreign)), tmp_path)
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert "internal error" not in text and "Traceback" not in text
    assert f"weights from {foreign} do not fit this model" in text
    assert "missing keys" in text and "shape mismatches" in text
