"""Shape inference uses torch's meta kernels without importing torch._dynamo, and leaves torch as it was."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CODE = """
import sys
from nnbuilder.analysis import analyze
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import example_path

for name in ("seed_regression", "lenet_cnn", "attention_classifier", "lstm_forecast"):
    analysis = analyze(load_project(example_path(name)).graph)
    assert analysis.valid, name
assert "torch._dynamo" not in sys.modules, "shape inference imported torch._dynamo"
print("no dynamo")
if "--compile" in sys.argv:
    import torch
    import torch._dynamo  # the real module loads afterwards, and compiling still works
    assert hasattr(torch._dynamo, "optimize")
    fn = torch.compile(lambda x: torch.nn.functional.linear(x, torch.ones(3, 2)) * 2, backend="eager")
    print(fn(torch.ones(1, 2)).tolist())
"""


def run(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, text=True, timeout=300,
                            check=False, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()


def test_analysis_does_not_import_dynamo() -> None:
    assert run() == ["no dynamo"]


@pytest.mark.slow
def test_torch_compile_still_works_after_analysis() -> None:
    assert run("--compile") == ["no dynamo", "[[4.0, 4.0, 4.0]]"]


def test_the_stand_in_is_removed_and_leaves_no_marks() -> None:
    import torch

    from nnbuilder.analysis.no_dynamo import NAME, _StandIn, dynamo_not_loaded

    if NAME in sys.modules:  # another test loaded the real compiler: the block must change nothing
        with dynamo_not_loaded():
            assert not isinstance(sys.modules[NAME], _StandIn)
        return
    with dynamo_not_loaded():
        stand_in = sys.modules[NAME]
        assert isinstance(stand_in, _StandIn)
        torch.nn.Linear(2, 3, device="meta")(torch.empty(4, 2, device="meta"))
        marked = list(stand_in.marked)
    assert NAME not in sys.modules
    assert all(getattr(fn, "__dynamo_disable", None) is not fn for fn in marked)
