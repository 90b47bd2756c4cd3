"""read_json_object: one wording, naming the file, for every JSON file that must hold an object."""
from __future__ import annotations

from pathlib import Path

import pytest

from nnbuilder.backbones.preprocess_offer import OfferError, expected_preprocessing
from nnbuilder.fileio import JsonFileError, read_json_object
from nnbuilder.recipe import RunFolderError
from nnbuilder.recipe import read_run as read_recipe
from nnbuilder.run_resume import stop_reason_of
from nnbuilder.runs import list_runs, read_run


@pytest.mark.parametrize(("text", "says"), [
    (b"{not json", "unreadable (Expecting property name"),
    (b"\xff{}", "unreadable ('utf-8' codec can't decode"),
    (b"[1, 2]", "expected a JSON object, found an array"),
    (b'"text"', "expected a JSON object, found a string"),
    (b"null", "expected a JSON object, found null"),
])
def test_anything_but_an_object_is_named_with_the_file(tmp_path: Path, text: bytes, says: str) -> None:
    path = tmp_path / "meta.json"
    path.write_bytes(text)
    with pytest.raises(JsonFileError) as caught:
        read_json_object(path)
    assert str(caught.value).startswith(f"{path}: {says}")
    assert isinstance(caught.value, ValueError)  # callers that caught ValueError still do


def test_a_missing_file_and_an_object(tmp_path: Path) -> None:
    with pytest.raises(JsonFileError, match=f"^{tmp_path / 'gone.json'}: unreadable \\(No such file"):
        read_json_object(tmp_path / "gone.json")
    (tmp_path / "ok.json").write_text('{"a": [1]}')
    assert read_json_object(tmp_path / "ok.json") == {"a": [1]}


def test_the_readers_that_share_it_name_the_file_in_their_own_error(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "p-20261205-100000"
    run.mkdir(parents=True)
    for name in ("model.py", "weights.safetensors"):
        (run / name).write_text("")
    (run / "run.json").write_text("[]")
    with pytest.raises(RunFolderError, match=f"{run / 'run.json'}: expected a JSON object"):
        read_recipe(run)
    assert stop_reason_of(run) is None
    (run / "history.json").write_text("[]")  # a list used to escape as AttributeError and break the run list
    with pytest.raises(ValueError, match=f"not a run history: {run / 'history.json'}: expected a JSON object"):
        read_run(run)
    assert list_runs(tmp_path / "p.nnb") == []
    (run / "history.json").write_text('{"history": [{"epoch": 1, "loss": 0.5}], "stop_reason": "completed"}')
    (run / "project.nnb").write_text("[]")  # an odd project copy: the run is listed without its settings
    assert [(r.name, r.training) for r in list_runs(tmp_path / "p.nnb")] == [(run.name, {})]
    weights = tmp_path / "w.safetensors"
    weights.write_text("")
    weights.with_suffix(".json").write_text("[1, 2]")
    with pytest.raises(OfferError, match=f"{weights.with_suffix('.json')}: expected a JSON object, found an array"):
        expected_preprocessing("resnet18", str(weights))
