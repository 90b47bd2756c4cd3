"""An imported model whose code uses float("-inf") / float("inf") / float("nan") validates and exports."""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

from nnbuilder.cli import main

MASKED = textwrap.dedent('''
    import torch
    from torch import nn

    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 6)

        def forward(self, x):
            h = self.fc(x)
            scores = h.masked_fill(h > 0.5, float("-inf"))
            capped = torch.clamp(h, max=float("inf")).nan_to_num(nan=0.0, posinf=float("nan"))
            return torch.softmax(scores, dim=-1) + capped
''')


def test_an_imported_masked_fill_with_minus_infinity_validates(tmp_path: Path, capsys) -> None:
    source = tmp_path / "masked.py"
    source.write_text(MASKED, encoding="utf-8")
    project = tmp_path / "masked.nnb"
    assert main(["import", f"{source}:Masked", "-o", str(project), "--shape", "6"]) == 0
    assert '"-inf"' in project.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(project)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("valid")
    exported = tmp_path / "model.py"
    assert main(["export", str(project), "-o", str(exported)]) == 0
    assert "float('-inf')" in exported.read_text(encoding="utf-8")


def test_the_evaluation_namespace_offers_no_builtin_but_float() -> None:
    from nnbuilder.analysis.shapes import _EVAL_NS

    assert _EVAL_NS["__builtins__"] == {"float": float}
    for name in ("open", "__import__", "eval", "getattr"):
        try:
            eval(f"{name}", _EVAL_NS, {})
        except NameError:
            continue
        raise AssertionError(f"{name} is reachable in the shape-inference namespace")
    filled = eval("torch.zeros(2, device='meta').masked_fill(torch.ones(2, dtype=torch.bool, device='meta'), "
                  "float('-inf'))", _EVAL_NS, {})
    assert filled.shape == (2,) and eval("float('-inf')", _EVAL_NS, {}) == -math.inf
