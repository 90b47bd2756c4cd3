"""The CLI never surprises: typos are usage errors, only projects open the editor, no display is one sentence."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnbuilder import __version__
from nnbuilder.cli import build_parser, main
from nnbuilder.display import XCB_LIBRARIES, display_problem
from nnbuilder.package_data import example_path

SEED = example_path("seed_regression")
NO_DISPLAY = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m nnbuilder ARGS`` without any display; prints whether PySide6 was imported (GUI or not)."""
    code = ("import sys; from nnbuilder.cli import main; rc = main(sys.argv[1:]); "
            "print('QT-LOADED' if 'PySide6' in sys.modules else 'NO-QT'); sys.exit(rc)")
    env = {**NO_DISPLAY, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120, check=False)


@pytest.mark.parametrize(("args", "hint"), [(["valdiate", "x.nnb"], "did you mean 'validate'"),
                                             (["trian"], "did you mean 'train'"),
                                             (["nothing_here"], "commands: validate")])
def test_an_unknown_command_is_a_usage_error_not_the_editor(tmp_path: Path, args: list[str], hint: str) -> None:
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert hint in result.stderr and "Traceback" not in result.stderr
    assert "NO-QT" in result.stdout  # no GUI for a typo


@pytest.mark.parametrize("args", [[str(SEED)], ["new_project.nnb"], []])
def test_without_a_display_the_editor_says_so_in_one_sentence(tmp_path: Path, args: list[str]) -> None:
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display found" in lines[0] and "nnbuilder validate" in lines[0], result.stderr
    assert "NO-QT" in result.stdout  # checked before Qt is imported: never Qt's abort


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"nnbuilder {__version__}"
    assert main(["help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("validate", "export", "train", "import"))
    assert main(["help", "train"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "weights.safetensors" in out and "runs/PROJECT-YYYYmmdd-HHMMSS" in out  # where the output goes
    assert main(["help", "trian"]) == 2 and "did you mean 'train'" in capsys.readouterr().err


def test_every_option_and_argument_has_help_text() -> None:
    parser = build_parser()
    parsers = [parser, *next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices.values()]
    missing = [f"{p.prog} {a.dest}" for p in parsers for a in p._actions
               if not isinstance(a, argparse._SubParsersAction) and not (a.help and a.help.strip())]
    assert not missing, missing


def test_an_unknown_layer_type_names_the_node_and_its_json_path(tmp_path: Path) -> None:
    data = json.loads(SEED.read_text())
    data["graph"]["nodes"][1]["type"] = "Linaer"
    path = tmp_path / "typo.nnb"
    path.write_text(json.dumps(data))
    result = cli("validate", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "$.graph.nodes[1].type: node 'fc1': unknown layer type 'Linaer' (did you mean Linear?)" in result.stderr


@pytest.mark.parametrize("weights", ["resource:missing.safetensors", "no/such/file.safetensors"])
def test_missing_backbone_weights_are_a_validation_error_naming_the_file(tmp_path: Path, weights: str) -> None:
    data = json.loads(example_path("transfer_learning").read_text())
    [node] = [n for n in data["graph"]["nodes"] if n["type"] == "Backbone"]
    node["params"]["weights"] = weights
    path = tmp_path / "tl.nnb"
    path.write_text(json.dumps(data))
    for command in (["validate", str(path)], ["train", str(path), "--epochs", "1", "--out", str(tmp_path / "r")]):
        result = cli(*command, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        text = result.stdout + result.stderr
        assert weights.split(":")[-1] in text and "internal error" not in text and "Traceback" not in text
        assert ("reinstall nnbuilder" in text) if weights.startswith("resource:") else ("does not exist" in text)
    assert not (tmp_path / "r").exists()


def test_display_problem_rules() -> None:
    everything = lambda name: True
    assert display_problem({}, "win32", everything) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", everything) is None
    assert "no display found" in display_problem({}, "linux", everything)
    assert display_problem({"DISPLAY": ":0"}, "linux", everything) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", everything) is None
    assert "WAYLAND_DISPLAY" in display_problem({"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"}, "linux", everything)
    no_cursor = display_problem({"DISPLAY": ":0"}, "linux", lambda name: name != "libxcb-cursor.so.0")
    assert "libxcb-cursor.so.0" in no_cursor and "apt-get install libxcb-cursor0" in no_cursor
    assert set(XCB_LIBRARIES.values()) >= {"libxcb-cursor0"}
