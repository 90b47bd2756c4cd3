"""A run picked in the Runs tab shows in the Fitted curve and Embeddings tabs, as a student would use them."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from trained_runs import project_with_run

from nnbuilder.api import load_run
from nnbuilder.app.dashboard.fit_view import WAITING


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Path]:
    """curve_3_units with a 2-epoch run and an old-format copy of it; tabular_embeddings with a 1-epoch run."""
    root = tmp_path_factory.mktemp("saved-runs")
    torch.set_num_threads(1)
    curve, run = project_with_run(root / "curve", "curve_3_units", 2)
    old = shutil.copytree(run, run.with_name("curve_3_units-20261205-000000"))
    info = json.loads((old / "run.json").read_text())
    del info["run_format"]  # as an nnbuilder before run.json's recipe wrote it
    (old / "run.json").write_text(json.dumps(info))
    embeddings, embedding_run = project_with_run(root / "tabular", "tabular_embeddings", 1)
    return {"curve": curve, "run": run, "old": old, "embeddings": embeddings, "embedding_run": embedding_run}


def open_runs_tab(make_window, path: Path, qtbot):
    win = make_window(path)
    assert win.open_path(str(path))
    dash = win.show_dashboard()
    click_tab(qtbot, dash, dash.runs)
    qtbot.waitUntil(lambda: dash.runs.tree.topLevelItemCount() > 0, timeout=10000)
    return dash


def click_tab(qtbot, dash, widget) -> None:
    bar = dash.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(dash.tabs.indexOf(widget)).center())
    assert dash.tabs.currentWidget() is widget


def click_run(qtbot, dash, folder: Path) -> None:
    tree = dash.runs.tree
    item = dash.runs.item_of(folder)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
    assert dash.runs.current_run().folder == folder


def test_a_picked_run_shows_its_fitted_curve_and_the_live_view_comes_back(make_window, saved, qtbot) -> None:
    dash = open_runs_tab(make_window, saved["curve"], qtbot)
    view = dash.fit_view
    click_run(qtbot, dash, saved["run"])
    click_tab(qtbot, dash, view)
    qtbot.waitUntil(lambda: view.saved_ready, timeout=15000)
    assert view.bar.isVisible() and saved["run"].name in view.bar.label.text()
    x, y = view.line.getData()
    expected = load_run(saved["run"]).predict(torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1))
    assert len(x) == 200 and np.allclose(y, expected.numpy()[:, 0], atol=1e-5)  # the saved model's own curve
    assert len(view.points.data) == 350 and view.plot.isVisible()  # its training split
    assert "epoch 2" in view.plot.getPlotItem().titleLabel.text
    click_tab(qtbot, dash, dash.embedding_view)
    assert dash.embedding_view.note.text().startswith(f"Run {saved['run'].name} has no Embedding layer.")
    click_tab(qtbot, dash, view)
    qtbot.mouseClick(view.bar.back_button, Qt.MouseButton.LeftButton)
    assert not view.bar.isVisible() and view.saved_folder is None and dash.embedding_view.saved_folder is None
    assert view.line.getData()[0] is None or len(view.line.getData()[0]) == 0
    assert view.note.text().startswith("Start training") or view.note.text() == WAITING  # the live run: none yet


def test_an_old_run_folder_says_why_it_cannot_be_shown(make_window, saved, qtbot) -> None:
    dash = open_runs_tab(make_window, saved["curve"], qtbot)
    click_run(qtbot, dash, saved["old"])
    click_tab(qtbot, dash, dash.fit_view)
    qtbot.waitUntil(lambda: dash.fit_view.saved_ready, timeout=15000)
    text = dash.fit_view.note.text()
    assert text.startswith("Cannot show this run:") and "written by an older nnbuilder" in text
    assert "Traceback" not in text and not dash.fit_view.plot.isVisible()
    click_tab(qtbot, dash, dash.embedding_view)  # the same message there, without opening it again
    assert dash.embedding_view.note.text() == text


def test_an_embedding_run_shows_its_projection_named_by_category(make_window, saved, qtbot) -> None:
    dash = open_runs_tab(make_window, saved["embeddings"], qtbot)
    view = dash.embedding_view
    click_run(qtbot, dash, saved["embedding_run"])
    click_tab(qtbot, dash, view)
    qtbot.waitUntil(lambda: view.saved_ready, timeout=15000)
    assert [view.chooser.itemText(i) for i in range(view.chooser.count())] == ["city_emb", "plan_emb", "weekday_emb"]
    assert view.select_layer("weekday_emb")
    assert len(view.scatter.data) == 7 and [t.toPlainText() for t in view.texts][:3] == ["Mon", "Tue", "Wed"]
    assert view.plot.isVisible() and "epoch 1" in view.plot.getPlotItem().titleLabel.text
    click_tab(qtbot, dash, dash.fit_view)  # not a 1-D regression: the fitted curve says so
    note = dash.fit_view.note.text()
    assert note.startswith(f"No fitted curve for run {saved['embedding_run'].name}: the data set 'tabular' is "
                           "classification, not regression.") and "It applies to regression" in note


def test_the_run_lists_metrics_are_whole_on_screen_at_1280x720(make_window, saved, qtbot) -> None:
    win = make_window(saved["curve"], height=720, exposed=True)
    assert win.open_path(str(saved["curve"]))
    win.resize(1280, 720)
    dash = win.show_dashboard()
    click_tab(qtbot, dash, dash.runs)
    tree, header = dash.runs.tree, dash.runs.tree.header()
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2, timeout=10000)
    qtbot.wait(50)
    metrics = 4  # the "Final metrics" column, shown after Run and Status (Date and Epochs follow it)
    assert [header.logicalIndex(i) for i in range(5)] == [0, 1, 4, 2, 3]
    text = tree.topLevelItem(0).text(metrics)
    assert text.count(",") == 2 and tree.topLevelItem(0).toolTip(metrics) == text  # val_loss, val_mae, val_r2
    assert header.sectionSize(metrics) >= tree.fontMetrics().horizontalAdvance(text)  # as wide as its text
    assert header.sectionViewportPosition(metrics) + header.sectionSize(metrics) <= tree.viewport().width()


def test_the_live_run_keeps_arriving_while_a_saved_run_is_shown(qtbot, saved) -> None:
    """Live boxes are kept, not drawn, while a saved run shows; "Show the live run" draws the latest of them."""
    from types import SimpleNamespace

    from nnbuilder.app.dashboard.embedding_view import EmbeddingView
    from nnbuilder.app.dashboard.fit_view import FittedCurveView
    from nnbuilder.run_views import open_run_views
    from nnbuilder.training.fitted_curve import FittedCurve

    fit_view, embedding_view = FittedCurveView(), EmbeddingView()
    for view in (fit_view, embedding_view):
        qtbot.addWidget(view)
    opened = open_run_views(saved["run"])
    live_fit = opened.fit
    first, latest = (FittedCurve(live_fit.grid_x, np.full(200, v), step, 1) for v, step in ((0.5, 3), (1.5, 9)))
    projections = open_run_views(saved["embedding_run"]).embeddings
    fit_view.take(SimpleNamespace(fit=live_fit, curve=first, embeddings=None))
    assert fit_view.redraw() and fit_view.shown is first
    for view in (fit_view, embedding_view):
        view.expect_saved(saved["run"])
    fit_view.show_saved(opened)
    embedding_view.show_saved(opened)
    fit_view.take(SimpleNamespace(fit=None, curve=latest, embeddings=None))  # the live run goes on meanwhile
    embedding_view.take(SimpleNamespace(fit=None, curve=None, embeddings=tuple(projections)))
    assert not fit_view.redraw() and not embedding_view.redraw()
    assert fit_view.shown is opened.curve and embedding_view.projections == {}  # the saved run stays on screen
    fit_view.show_live()
    embedding_view.show_live()
    assert fit_view.shown is latest and np.allclose(fit_view.line.getData()[1], 1.5) and not fit_view.bar.isVisible()
    assert set(embedding_view.projections) == {"city_emb", "plan_emb", "weekday_emb"}
