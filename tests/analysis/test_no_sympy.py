"""Shape inference runs torch's meta kernels without importing sympy, gives the same results, and leaves
torch and sympy as they were (see nnbuilder/analysis/no_sympy.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

ANALYSE = """
import json, sys
from nnbuilder.analysis import analyze
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import example_path
if sys.argv[1] == "real":  # the real modules loaded first: the stand-ins stay out
    import sympy, torch.fx.experimental.symbolic_shapes
names = sys.argv[2].split(",")
out = {n: analyze(load_project(example_path(n)).graph).to_json() for n in names}
out["loaded"] = sorted(m for m in ("sympy", "torch.fx.experimental.symbolic_shapes") if m in sys.modules)
print(json.dumps(out, sort_keys=True, default=repr))
"""


def analyse(mode: str, names: list[str]) -> dict:
    result = subprocess.run([sys.executable, "-c", ANALYSE, mode, ",".join(names)], capture_output=True,
                            text=True, timeout=600, check=False, env=ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_shape_inference_does_not_import_sympy() -> None:
    out = analyse("stand-in", ["seed_regression", "lenet_cnn", "attention_classifier", "lstm_forecast"])
    assert out["loaded"] == []
    assert all(out[n]["valid"] for n in ("seed_regression", "lenet_cnn", "attention_classifier", "lstm_forecast"))


@pytest.mark.slow
def test_every_example_analyses_the_same_with_the_real_modules() -> None:
    from nnbuilder.package_data import example_files

    names = [p.stem for p in example_files()]
    stand_in, real = analyse("stand-in", names), analyse("real", names)
    assert real.pop("loaded") == ["sympy", "torch.fx.experimental.symbolic_shapes"]
    stand_in.pop("loaded")
    assert stand_in == real


AFTER = """
import sys, torch
from nnbuilder.analysis.no_sympy import SHAPES, SYMPY, symbolic_shapes_not_loaded
with symbolic_shapes_not_loaded():
    kept = sys.modules[SYMPY]
    assert sys.modules[SHAPES].guard_or_false(True) is True
    try:  # a value the plain branch does not take goes to torch's own function, which refuses an int here
        sys.modules[SHAPES].guard_or_false(5)
    except AssertionError as e:
        print("real:", e)
    assert SYMPY not in sys.modules or sys.modules[SYMPY] is not kept  # the real ones are loaded now
import sympy
assert kept.Basic is sympy.Basic  # a reference kept to a stand-in forwards to the real module
print(sympy.Integer(2) + 3)
"""


def test_anything_else_loads_the_real_modules_and_a_kept_stand_in_forwards() -> None:
    result = subprocess.run([sys.executable, "-c", AFTER], capture_output=True, text=True, timeout=300,
                            check=False, env=ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == ["real: Expected bool, got <class 'int'>", "5"]


GUARD = """
import sys, torch
from nnbuilder.analysis.no_sympy import SYMPY, symbolic_shapes_not_loaded
with symbolic_shapes_not_loaded():
    assert type(sys.modules[SYMPY]).__name__ == "_StandIn"
    import colorsys  # a module imported for real during the block retires the stand-ins first
    assert SYMPY not in sys.modules
print("retired")
"""


def test_a_real_import_during_the_block_retires_the_stand_ins() -> None:
    result = subprocess.run([sys.executable, "-c", GUARD], capture_output=True, text=True, timeout=300,
                            check=False, env=ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "retired"
