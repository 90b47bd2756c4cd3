"""Saved runs compared: status words, the settings that differ, legend labels, where runs go and listing them."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nnbuilder import run_store
from nnbuilder.run_compare import compare_rows, epoch_curve, headline, run_status, short_labels
from nnbuilder.runs import RunSummary


def summary(name: str, lr: float, losses: list[float], stop_reason: str = "completed") -> RunSummary:
    history = [{"epoch": i + 1, "loss": v, "val_loss": v, "lr": [lr]} for i, v in enumerate(losses)]
    return RunSummary(Path(name), name, stop_reason, history, {"loss": losses[-1], "val_loss": losses[-1]},
                      {"accuracy": 0.5}, {"optimizer": {"type": "SGD", "lr": lr}, "epochs": len(losses)},
                      {"dataset": "moons", "split": [0.7, 0.3]})


@pytest.mark.parametrize(("reason", "status"), [("completed", "completed"), ("early_stopping", "completed"),
                                                 ("stopped", "interrupted"), ("interrupted", "interrupted"),
                                                 ("nan", "failed"), ("oom", "failed"), ("", "failed")])
def test_status_in_a_word(reason: str, status: str) -> None:
    assert run_status(summary("a", 0.1, [1.0], reason)) == status


def test_rows_mark_only_what_differs() -> None:
    a, b = summary("a", 0.1, [1.0, 0.5]), summary("b", 0.01, [1.0, 0.8])
    rows = {r.key: r for r in compare_rows([a, b])}
    assert rows["training.optimizer.lr"].values == ["0.1", "0.01"] and rows["training.optimizer.lr"].differs
    assert rows["val_loss"].values == ["0.5", "0.8"] and rows["val_loss"].differs
    assert not rows["training.optimizer.type"].differs and not rows["data.split"].differs
    assert rows["data.split"].values == ["[0.7,0.3]", "[0.7,0.3]"]
    assert rows["test_accuracy"].values == ["0.5", "0.5"] and rows["epochs"].values == ["2", "2"]
    order = [(r.kind, r.differs) for r in compare_rows([a, b])]
    assert order[0] == ("setting", True) and order[1][0] == "metric"  # what changed, then what it did
    assert order.index(("setting", False)) > max(i for i, o in enumerate(order) if o[0] == "metric")
    assert short_labels([a, b]) == ["optimizer.lr=0.1", "optimizer.lr=0.01"]
    assert short_labels([a, summary("c", 0.1, [2.0, 1.0])]) == ["a", "c"]  # nothing differs: the names
    assert headline(a) == "val_loss 0.5, test_accuracy 0.5"


def test_epoch_curve_skips_missing_and_non_finite_values() -> None:
    run = summary("a", 0.1, [1.0, float("nan"), 0.25])
    run.history.append({"epoch": 4, "loss": 0.2})
    assert epoch_curve(run, "val_loss") == ([1.0, 3.0], [1.0, 0.25])


def _run_folder(folder: Path, age_s: float) -> None:
    folder.mkdir(parents=True)
    (folder / "history.json").write_text(json.dumps({"history": [{"epoch": 1, "loss": 1.0}],
                                                     "stop_reason": "completed"}))
    stamp = folder.stat().st_mtime - age_s
    os.utime(folder / "history.json", (stamp, stamp))


def test_runs_are_listed_newest_first_and_other_folders_are_skipped(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "seed.nnb"
    runs = tmp_path / "runs"
    _run_folder(runs / "seed-20261205-100000", age_s=100)
    _run_folder(runs / "seed-20261205-110000-2", age_s=10)
    _run_folder(runs / "seed-extra-20261205-110000", age_s=0)  # another project's ("seed-extra")
    _run_folder(runs / "seed-mine", age_s=0)  # a folder the user named
    (runs / "seed-20261205-120000").mkdir()  # no history: not a run
    assert [r.name for r in run_store.list_project_runs(project, "seed")] == ["seed-20261205-110000-2",
                                                                            "seed-20261205-100000"]
    folder = run_store.next_run_folder(project, "seed")
    assert folder.parent == runs and folder.name.startswith("seed-") and not folder.exists()
    monkeypatch.setattr(run_store, "unsaved_runs_home", lambda: tmp_path / "home-runs")
    unsaved = run_store.next_run_folder(None, "my net/v2")
    assert unsaved.parent == tmp_path / "home-runs" and unsaved.name.startswith("my_net_v2-")
    _run_folder(unsaved, age_s=0)
    assert [r.folder for r in run_store.list_project_runs(None, "my net/v2")] == [unsaved]


def test_labels_drop_the_project_stem() -> None:
    from nnbuilder.run_compare import run_label

    assert run_label(summary("vanishing_sigmoid-20261205-100200-2", 0.1, [1.0])) == "20261205-100200-2"
    assert run_label(summary("my-run", 0.1, [1.0])) == "my-run"
