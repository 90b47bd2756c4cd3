"""A project's validation has a time and estimated-memory budget; what exceeds it is refused, naming the node."""
from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest

from nnbuilder.analysis import budget
from nnbuilder.cli import main


def _chain(tmp_path: Path, widths: list[int], name: str = "p") -> Path:
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [8]}}]
    nodes += [{"id": f"fc{i}", "type": "Linear", "params": {"out_features": w}} for i, w in enumerate(widths, 1)]
    nodes.append({"id": "out", "type": "Output", "params": {}})
    ids = [n["id"] for n in nodes]
    project = {"format": "nnbuilder", "version": 1, "name": name,
               "graph": {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]}}
    path = tmp_path / f"{name}.nnb"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


def _validate(capsys, path: Path, *extra: str) -> tuple[int, str]:
    code = main(["validate", str(path), *extra])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "internal error" not in text and "Traceback" not in text
    return code, text


def test_layers_that_together_need_too_much_memory_are_refused_at_the_node_that_crosses(tmp_path, capsys) -> None:
    # each Linear 2**16 x 2**17 = 2**33 weights (32 GiB) is under the per-node limit; together they are not
    path = _chain(tmp_path, [2**16, 2**17, 2**16, 2**17])
    code, text = _validate(capsys, path, "--json")
    assert code == 1
    report = json.loads(text[text.index("{"):])
    [error] = [e for e in report["errors"] if "project budget" in e["message"]]
    assert error["node"] == "fc3" and "GiB" in error["message"] and "once Linear 'fc3' is added" in error["message"]


def test_a_project_over_its_time_budget_is_refused_naming_the_node(tmp_path, capsys, monkeypatch) -> None:
    ticks = itertools.count()
    monkeypatch.setattr(budget, "CLOCK", lambda: float(next(ticks)))  # each node costs 1 s
    monkeypatch.setattr(budget, "VALIDATION_SECONDS", 2.5)
    code, text = _validate(capsys, _chain(tmp_path, [16, 16, 16, 16, 16]), "--json")
    assert code == 1
    report = json.loads(text[text.index("{"):])
    [error] = report["errors"]
    assert error["node"] == "fc3" and "validation stopped at Linear 'fc3'" in error["message"]
    assert "over the project budget of 2.5 s" in error["message"]


def test_the_time_budget_counts_the_validating_threads_cpu_not_the_wall_clock(tmp_path, capsys, monkeypatch) -> None:
    # a loaded machine stretches the wall clock; validating there must not refuse a valid project
    monkeypatch.setattr(budget, "VALIDATION_SECONDS", 0.5)
    charge = budget.ProjectBudget.charge

    def charge_after_a_wait(self, *args):  # 0.2 s of wall time per node, as if other processes had the CPU
        time.sleep(0.2)
        return charge(self, *args)

    monkeypatch.setattr(budget.ProjectBudget, "charge", charge_after_a_wait)
    code, text = _validate(capsys, _chain(tmp_path, [16, 16, 16, 16, 16]))  # ≥ 1.4 s of wall time
    assert code == 0 and text.rstrip().endswith("valid")


@pytest.mark.parametrize("widths", [[64, 64, 10], [2**12] * 6])
def test_ordinary_projects_stay_well_inside_the_budget(tmp_path, capsys, widths) -> None:
    code, text = _validate(capsys, _chain(tmp_path, widths))
    assert code == 0 and text.rstrip().endswith("valid")
