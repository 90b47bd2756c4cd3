"""The CLI contract: validate/export, exit codes 0/1/2, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnbuilder.cli import main
from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[1]
SEED = examples_dir() / "seed_regression.nnb"


def test_validate_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert "fc1" in out and "[20]" in out and "total params: 281" in out


def test_validate_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SEED), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True and report["errors"] == []
    assert report["nodes"]["fc1"] == {"type": "Linear", "output_shape": [20], "params": 60, "trainable": 60,
                                      "macs": 40}
    assert report["total_params"] == 281 and report["trainable_params"] == 281


def test_validate_invalid_graph_exits_1_with_errors_naming_nodes(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(SEED.read_text())
    data["graph"]["edges"].append({"source": "fc3", "target": "fc1"})  # a cycle + duplicate input
    bad = tmp_path / "bad.nnb"
    bad.write_text(json.dumps(data))
    assert main(["validate", str(bad), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert {"fc1"} <= {e["node"] for e in report["errors"]}


@pytest.mark.parametrize("content", [b"", b"{", b"\x00\xff garbage", b'{"format": "nnbuilder", "version": 99}',
                                     b'{"format": "nnbuilder", "graph": {"nodes": [{"id": "a", "type": "Nope"}]}}'])
def test_bad_files_exit_1_without_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.nnb"
    path.write_bytes(content)
    for args in (["validate", str(path)], ["export", str(path), "-o", str(tmp_path / "m.py")]):
        result = subprocess.run(check=False, args=[sys.executable, "-m", "nnbuilder", *args], capture_output=True, text=True)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr + result.stdout
        assert "p.nnb" in result.stderr
    assert not (tmp_path / "m.py").exists()


def test_missing_file_and_usage_errors(tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "missing.nnb")]) == 1
    with pytest.raises(SystemExit) as exc:
        main(["export", str(SEED)])  # -o is required
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["validate"])
    assert exc.value.code == 2


def test_export_writes_the_compiled_source(tmp_path: Path) -> None:
    out = tmp_path / "model.py"
    assert main(["export", str(SEED), "-o", str(out)]) == 0
    text = out.read_text()
    assert "class SeedRegression(nn.Module):" in text
    result = subprocess.run(check=False, args=[sys.executable, str(out)], capture_output=True, text=True)
    assert result.returncode == 0 and "torch.Size([4, 1])" in result.stdout


def test_import_torchvision_model_gives_a_valid_editable_project(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r18.nnb"
    assert main(["import", "resnet18", "-o", str(out), "--shape", "3", "32", "32"]) == 0
    capsys.readouterr()
    assert main(["validate", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total_params"] == 11_689_512  # torchvision's resnet18


def test_import_user_module_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "net.py"
    source.write_text(
        "import torch\nfrom torch import nn\n\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc1 = nn.Linear(4, 4)\n"
        "        self.fc2 = nn.Linear(4, 2)\n\n"
        "    def forward(self, x):\n"
        "        return self.fc2(torch.relu(self.fc1(x)) + x)\n")
    out = tmp_path / "net.nnb"
    assert main(["import", f"{source}:Net", "-o", str(out), "--shape", "4"]) == 0
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0
    assert "total params: 30" in capsys.readouterr().out


def test_import_unknown_model_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "resnet99", "-o", str(tmp_path / "x.nnb")]) == 1
    assert "resnet18" in capsys.readouterr().err
    assert not (tmp_path / "x.nnb").exists()
