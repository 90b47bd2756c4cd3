"""A JSON beside a weights file is read, never acted on: validate does not regenerate its pretraining data."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

import nnbuilder.data
from nnbuilder.backbones.weights import resource_path
from nnbuilder.cli import main
from nnbuilder.package_data import examples_dir

SHIPPED = resource_path("resource:shapes28_shufflenet_v2_x0_5.safetensors")
HUGE_DATA = {"dataset": "shapes28", "params": {"n_samples": 200_000}, "split": [0.8, 0.1, 0.1]}


@pytest.fixture
def no_data_loading(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("validate regenerated a data set")
    monkeypatch.setattr(nnbuilder.data, "load_data", refuse)


def _project(tmp_path: Path, sidecar: dict) -> Path:
    weights = tmp_path / "mine.safetensors"
    shutil.copyfile(SHIPPED, weights)
    weights.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    data = json.loads((examples_dir() / "transfer_learning.nnb").read_text(encoding="utf-8"))
    next(n for n in data["graph"]["nodes"] if n["id"] == "backbone")["params"]["weights"] = str(weights)
    project = tmp_path / "mine.nnb"
    project.write_text(json.dumps(data), encoding="utf-8")
    return project


def _validate(capsys, project: Path) -> tuple[int, str, float]:
    """rc, output and seconds of ``validate`` (timed on a second call: the first imports torch and torchvision)."""
    main(["validate", str(project)])
    capsys.readouterr()
    started = time.perf_counter()
    code = main(["validate", str(project)])
    seconds = time.perf_counter() - started
    captured = capsys.readouterr()
    return code, captured.out + captured.err, seconds


def test_recorded_statistics_are_read_as_they_are(tmp_path: Path, capsys, no_data_loading) -> None:
    sidecar = {"data": HUGE_DATA, "pretraining_statistics": {"shape": [1, 28, 28], "mean": [0.5], "std": [0.25]}}
    code, text, seconds = _validate(capsys, _project(tmp_path, sidecar))
    assert code == 0 and "\nvalid\n" in text and seconds < 10
    assert '{"mean": [0.5], "std": [0.25]}' in text  # the offer to use the recorded statistics
    from nnbuilder.backbones.preprocess_offer import expected_preprocessing

    expected = expected_preprocessing("shufflenet_v2_x0_5", str(tmp_path / "mine.safetensors"))
    assert expected.spec["mean"] == [0.5] and expected.spec["std"] == [0.25]
    assert "shapes28 [1, 28, 28]" in expected.detail


def test_a_data_section_without_statistics_is_named_not_regenerated(tmp_path: Path, capsys, no_data_loading) -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, text, seconds = _validate(capsys, _project(tmp_path, {"data": HUGE_DATA}))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1_000_000  # KiB: under 1 GB more
    assert seconds < 10 and "internal error" not in text and "Traceback" not in text
    assert "mine.json records the pretraining data section but not its statistics" in text
    assert code in (0, 1)


def test_the_shipped_weights_validate_without_loading_data(tmp_path: Path, capsys, no_data_loading) -> None:
    code, text, seconds = _validate(capsys, examples_dir() / "transfer_learning.nnb")
    assert code == 0 and "\nvalid\n" in text and seconds < 10
