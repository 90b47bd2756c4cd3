"""Every example with a documented result reaches it, as saved, within its documented time (2 CPU cores).

Each project's ``expect`` says which metric, which bound and how many seconds; its ``description``
says the same in words.  The expectations were measured with scripts/make_examples.py's projects.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir
from nnbuilder.pipeline import prepare
from nnbuilder.training import Trainer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(examples_dir().glob("*.nnb"))
FAST_SECONDS = 10  # examples documented to take longer are marked slow


def _expected() -> list:
    cases = []
    for path in EXAMPLES:
        expect = load_project(path).extra.get("expect")
        if not isinstance(expect, dict):
            continue
        seconds = expect.get("seconds", 3600)
        # the documented time is what the test asserts; pytest-timeout's default (300 s) must not cut it shorter
        marks = [pytest.mark.timeout(max(300, seconds + 120))]
        marks += [pytest.mark.slow] if seconds > FAST_SECONDS else []
        cases.append(pytest.param(path, expect, id=path.stem, marks=marks))
    return cases


def test_every_lesson_example_documents_its_expected_result() -> None:
    for path in EXAMPLES:
        project = load_project(path)
        if "lesson" in project.extra and project.extra.get("expect") is not None:
            expect = project.extra["expect"]
            assert {"metric", "seconds"} <= set(expect) and ({"at_least", "at_most"} & set(expect)), path.stem
    assert len(_expected()) >= 42


@pytest.mark.parametrize(("path", "expect"), _expected())
def test_example_reaches_its_documented_result(path: Path, expect: dict) -> None:
    project = load_project(path)
    started = time.perf_counter()
    prepared = prepare(project)
    result = Trainer(prepared.model, prepared.bundle, prepared.config, batch_size=prepared.batch_size).run()
    seconds = time.perf_counter() - started
    metric = expect["metric"]
    value = result.test_metrics.get(metric) if metric.startswith("test_") else result.history[-1].get(metric)
    stopping = prepared.config.early_stopping
    if stopping is not None and stopping.restore_best and metric == stopping.monitor:
        value = result.best_metric  # the weights the run keeps, not its last epoch's
    if value is None or not math.isfinite(value):
        assert "at_most" in expect and result.stop_reason == "nan", f"{metric} missing: {result.message}"
    elif "at_least" in expect:
        assert value >= expect["at_least"], f"{path.stem}: {metric} {value:.4f} < {expect['at_least']}"
    else:
        assert value <= expect["at_most"], f"{path.stem}: {metric} {value:.4f} > {expect['at_most']}"
    assert seconds <= expect["seconds"], f"{path.stem} took {seconds:.0f} s, documented {expect['seconds']} s"
