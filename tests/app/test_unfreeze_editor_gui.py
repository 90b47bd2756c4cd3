"""Staged unfreezing in the inspector: the epoch a frozen Backbone block unfreezes at, one undoable edit."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnbuilder.app.window import MainWindow
from nnbuilder.finetune_edits import unfreeze_epochs, with_unfreeze
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir
from nnbuilder.training.config import TrainingConfig

EXAMPLE = examples_dir() / "transfer_learning.nnb"


@pytest.fixture
def win(make_window) -> MainWindow:
    return make_window(load_project(EXAMPLE))

def test_setting_an_epoch_writes_one_undoable_step(win: MainWindow) -> None:
    win.select_node("backbone")
    editor = win.inspector.unfreeze
    assert editor is not None and editor.isVisible()
    assert [block for block, _ in editor.rows] == ["conv1", "stage2"]  # frozen blocks only
    assert editor.spins["stage2"].text() == "never" and editor.spins["stage2"].maximum() == 15
    assert "start of that epoch" in editor.spins["stage2"].toolTip()
    before = win.stack.count()
    editor.spins["stage2"].setValue(3)
    assert win.stack.count() == before + 1
    assert win.project.training["unfreeze"] == [{"epoch": 3, "module": "backbone", "blocks": ["stage2"]}]
    config = TrainingConfig.from_dict(win.project.training)
    assert [(s.epoch, s.module, s.blocks) for s in config.unfreeze] == [(3, "backbone", ("stage2",))]
    win.inspector.unfreeze.spins["conv1"].setValue(3)  # same epoch: merged into the step
    assert win.project.training["unfreeze"] == [{"epoch": 3, "module": "backbone", "blocks": ["stage2", "conv1"]}]
    win.inspector.unfreeze.spins["conv1"].setValue(5)  # moved, never duplicated
    assert win.project.training["unfreeze"] == [{"epoch": 3, "module": "backbone", "blocks": ["stage2"]},
                                                {"epoch": 5, "module": "backbone", "blocks": ["conv1"]}]
    assert win.inspector.unfreeze.spins["conv1"].value() == 5
    win.stack.undo()
    win.stack.undo()
    assert win.project.training["unfreeze"] == [{"epoch": 3, "module": "backbone", "blocks": ["stage2"]}]
    assert win.inspector.unfreeze.spins["conv1"].text() == "never"
    win.stack.undo()
    assert "unfreeze" not in win.project.training
    assert win.inspector.unfreeze.spins["stage2"].text() == "never"
    win.stack.redo()
    assert win.inspector.unfreeze.spins["stage2"].value() == 3
    win.inspector.unfreeze.spins["stage2"].setValue(0)  # never: the step goes
    assert "unfreeze" not in win.project.training
    assert win.project.training["lr_multipliers"] == {"backbone": 0.3}  # the rest of the section is kept


def test_freeze_all_offers_the_whole_backbone(win: MainWindow) -> None:
    win.select_node("backbone")
    win.inspector.rows["freeze"].editor.freeze_all.click()
    editor = win.inspector.unfreeze
    assert editor.rows[0] == (None, "whole backbone")
    assert {block for block, _ in editor.rows[1:]} == set(win.inspector.rows["freeze"].editor.blocks)
    before = win.stack.count()
    editor.spins[None].setValue(4)
    assert win.stack.count() == before + 1
    assert win.project.training["unfreeze"] == [{"epoch": 4, "module": "backbone"}]
    assert TrainingConfig.from_dict(win.project.training).unfreeze[0].blocks == ()
    win.inspector.unfreeze.spins[None].setValue(0)
    assert "unfreeze" not in win.project.training


def test_unfrozen_blocks_are_not_listed(win: MainWindow) -> None:
    win.select_node("backbone")
    win.inspector.rows["freeze"].editor.unfreeze_all.click()
    assert win.inspector.unfreeze.rows == () and not win.inspector.unfreeze.isVisible()
    win.select_node("head")
    assert win.inspector.unfreeze is None


def test_screenshot(win: MainWindow, qtbot, tmp_path: Path) -> None:
    win.select_node("backbone")
    win.inspector.unfreeze.spins["stage2"].setValue(2)
    qtbot.wait(100)  # new grid widgets are shown by a queued call
    assert all(spin.isVisible() for spin in win.inspector.unfreeze.spins.values())
    target = Path(os.environ.get("NNB_SHOT_DIR", tmp_path)) / "unfreeze_inspector.png"
    assert win.inspector.grab().save(str(target))


def test_helpers_keep_other_modules_and_whole_steps() -> None:
    training = {"unfreeze": [{"epoch": 2, "module": "other", "blocks": ["a"]}, {"epoch": 6, "module": "bb"}]}
    out = with_unfreeze(training, "bb", "layer4", 2, {})
    assert out["unfreeze"] == training["unfreeze"] + [{"epoch": 2, "module": "bb", "blocks": ["layer4"]}]
    assert unfreeze_epochs(out, "bb") == ({"layer4": 2}, 6)
    assert with_unfreeze(out, "bb", None, None, {})["unfreeze"] == [training["unfreeze"][0], out["unfreeze"][2]]
    assert "unfreeze" not in with_unfreeze({"unfreeze": [{"epoch": 1, "module": "bb", "blocks": ["x"]}]},
                                           "bb", "x", None, {})
