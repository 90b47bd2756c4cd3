"""Run setup offers the Backbone weights' preprocessing and writes it as one undoable step (pytest-qt, offscreen)."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack

from nnbuilder.app.dashboard.commands import SetSections
from nnbuilder.app.dashboard.setup_panel import USE_WEIGHTS_TEXT, SetupPanel
from nnbuilder.app.undo import push
from nnbuilder.app.window import MainWindow
from nnbuilder.graph.commands import SetParam
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = examples_dir() / "transfer_learning.nnb"


def _imagenet_project():
    project = load_project(EXAMPLE)
    project.data.pop("preprocess", None)
    backbone = next(n for n in project.graph.nodes if n.type == "Backbone")
    backbone.params.update(model="resnet18", weights="IMAGENET1K_V1")
    return project


def test_button_writes_the_preprocess_spec_as_one_undoable_step(qtbot) -> None:
    project = _imagenet_project()
    before = copy.deepcopy(project.data)
    stack = QUndoStack()
    panel = SetupPanel()
    qtbot.addWidget(panel)

    def refresh() -> None:
        panel.load(project.data, project.training)

    panel.edited.connect(lambda d, t, what: stack.push(SetSections(project, (d, t), f"Change {what}", refresh)))
    panel.set_project(project)
    panel.load(project.data, project.training)
    panel.show()
    assert panel.offer_button.isVisible() and panel.offer_button.isEnabled()
    assert panel.offer_button.text() == USE_WEIGHTS_TEXT
    text = panel.offer_label.text()
    assert "resnet18 IMAGENET1K_V1</b> expects: resize 256 → crop 224 (bilinear), normalise with ImageNet" in text
    assert "not resized" in text and "set Input 'image' shape to [3, 224, 224]" in text

    panel.offer_button.click()
    assert stack.count() == 1 and stack.undoText() == "Change data preprocessing"
    assert project.data["preprocess"] == {"resize": 256, "crop": 224, "interpolation": "bilinear",
                                          "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "channels": 3}
    assert {k: v for k, v in project.data.items() if k != "preprocess"} == before
    assert not panel.offer_button.isEnabled() and "already uses it" in panel.offer_label.text()
    assert panel.preprocess_label.text().startswith("grey → 3 channels, resize 256 → crop 224")

    stack.undo()
    assert project.data == before
    assert panel.offer_button.isEnabled() and "not resized" in panel.offer_label.text()
    assert panel.preprocess_label.text() == "standardised with the training split's statistics (no fixed preprocessing)"
    stack.redo()
    assert project.data["preprocess"]["crop"] == 224 and not panel.offer_button.isEnabled()
    panel.dataset.setCurrentIndex(panel.dataset.findData("spirals"))  # image preprocessing does not apply there
    assert project.data["dataset"] == "spirals" and "preprocess" not in project.data
    assert "does not hold images" in panel.offer_label.text() and not panel.offer_button.isEnabled()


def test_no_backbone_with_weights_shows_no_offer(qtbot) -> None:
    project = _imagenet_project()
    next(n for n in project.graph.nodes if n.type == "Backbone").params["weights"] = None
    panel = SetupPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel.load(project.data, project.training)
    panel.show()
    assert not panel.offer_button.isVisible() and not panel.offer_label.isVisible()


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window(EXAMPLE, height=900)

def test_dashboard_follows_graph_edits_and_undo_restores_the_data_section(window, qtbot) -> None:
    dash = window.show_dashboard()
    setup = dash.setup
    dash.data_view.join(10.0)  # data previews load on threads: let each finish before the next
    qtbot.waitUntil(lambda: setup.offer_label.isVisible(), timeout=5000)
    assert "already uses it" in setup.offer_label.text()  # the shipped example uses its weights' statistics
    assert not setup.offer_button.isEnabled()
    push(window.stack, window.doc, SetParam("backbone", "weights", "IMAGENET1K_V1"))  # a graph edit
    qtbot.waitUntil(lambda: setup.offer_button.isEnabled(), timeout=5000)
    assert "shufflenet_v2_x0_5 IMAGENET1K_V1</b> expects: resize 256" in setup.offer_label.text()
    before = copy.deepcopy(window.project.data)
    count = window.stack.count()
    setup.offer_button.click()
    dash.data_view.join(10.0)
    assert window.stack.count() == count + 1
    assert window.project.data["preprocess"]["mean"] == [0.485, 0.456, 0.406]
    window.stack.undo()
    assert window.project.data == before and setup.offer_button.isEnabled()
    dash.data_view.join(10.0)
