"""The layering in pyproject.toml's [tool.importlinter] holds: `lint-imports` keeps every contract.

The contracts: the core never imports nnbuilder.app, PySide6 or pyqtgraph (imports inside functions
included, which the subprocess test in test_architecture.py cannot see unless they run); catalogue below
layers below graph below analysis below compile; no import cycles between nnbuilder's packages.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("importlinter") is None,
                    reason="import-linter is not installed (pip install -e '.[test]' installs it)")
def test_lint_imports_keeps_every_contract(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    result = subprocess.run([sys.executable, "-c", code, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "3 kept, 0 broken" in out, out
