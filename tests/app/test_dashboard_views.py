"""The dashboard's fitted-curve and embedding-projector tabs, trained for real in the child process (pytest-qt)."""
from __future__ import annotations

import numpy as np
import torch

from nnbuilder.app.dashboard.embedding_view import NO_LAYERS, point_tip
from nnbuilder.app.dashboard.fit_view import READY
from nnbuilder.package_data import examples_dir
from nnbuilder.training.embedding_map import pca_2d
from nnbuilder.training.fitted_curve import CURVE_POINTS


def dashboard_for(make_window, qtbot, example: str, epochs: int):
    window = make_window(examples_dir() / f"{example}.nnb", height=720)
    window.project.training = {**window.project.training, "epochs": epochs}
    dash = window.show_dashboard()
    dash.set_project(window.project, window.path)
    qtbot.waitUntil(lambda: dash.data_view.result is not None, timeout=10000)
    return dash


def run(dash, qtbot, timeout: int = 60000):
    with qtbot.waitSignal(dash.runFinished, timeout=timeout) as blocker:
        assert dash.start()
    return blocker.args[0]


def test_the_fitted_curve_follows_the_model_live_and_at_the_end(make_window, qtbot) -> None:
    dash = dashboard_for(make_window, qtbot, "curve_64_units", epochs=6)
    dash.tabs.setCurrentWidget(dash.fit_view)
    # slow motion (66 steps ≈ 3.3 s): live probes are paced by wall time and their own cost, so an
    # unslowed toy run can end before the first one is due on a fast machine or with a cold first probe
    dash.watch_box.setChecked(True)
    view, seen = dash.fit_view, []
    assert len(view.points.data) == 350 and view.note.text() == READY  # before the run: the training points
    take = view.take
    view.take = lambda box: (box.curve is not None and seen.append(box.curve), take(box))
    result = run(dash, qtbot)
    assert result.stop_reason == "completed"
    assert len(seen) >= 3  # the run's start, live ones, the end
    assert not np.allclose(seen[0].y, seen[-1].y, atol=0.05)  # the curve moved as the model learned
    shown = view.shown
    assert shown is seen[-1] and len(shown.x) == CURVE_POINTS and shown.step == result.steps
    x, y = view.line.getData()
    assert np.array_equal(x, shown.x) and np.array_equal(y, shown.y)
    assert len(view.points.data) == 350 and not view.note.isVisible()  # 500 samples × 0.7
    px = view.points.data["x"]
    assert x.min() < px.min() and x.max() > px.max()  # the grid spans the training inputs (data units)
    model = dash.history.last.trained.build().eval()  # the finished run's weights, taking raw x
    with torch.no_grad():
        expected = model(torch.as_tensor(shown.x, dtype=torch.float32).reshape(-1, 1))[:, 0].numpy()
    assert np.allclose(shown.y, expected, atol=1e-5)
    assert view.plot.getPlotItem().titleLabel.text == f"Fitted curve at step {result.steps} (epoch 6)"


def test_views_explain_when_they_do_not_apply(make_window, qtbot) -> None:
    dash = dashboard_for(make_window, qtbot, "spirals_mlp", epochs=1)
    assert "applies to regression with one input feature" in dash.fit_view.note.text()  # before any run
    assert len(dash.fit_view.points.data) == 0
    run(dash, qtbot)
    dash.tabs.setCurrentWidget(dash.fit_view)
    assert dash.fit_view.note.isVisible() and not dash.fit_view.plot.isVisible()
    assert "classification, not regression" in dash.fit_view.note.text()
    dash.tabs.setCurrentWidget(dash.embedding_view)
    assert dash.embedding_view.note.text() == NO_LAYERS and not dash.embedding_view.plot.isVisible()


def test_the_embedding_projector_shows_each_layers_rows_with_labels(make_window, qtbot) -> None:
    dash = dashboard_for(make_window, qtbot, "collaborative_filtering", epochs=2)
    dash.tabs.setCurrentWidget(dash.embedding_view)
    run(dash, qtbot)
    view = dash.embedding_view
    assert [view.chooser.itemText(i) for i in range(view.chooser.count())] == ["user_emb", "item_emb"]
    assert view.chooser.isVisible() and view.shown.layer == "user_emb" and view.shown.epoch == 2
    state = dash.history.last.trained.state
    weight = next(v for k, v in state.items() if "user_emb" in k and k.endswith("weight"))
    assert np.allclose(view.shown.points, pca_2d(weight)[0].numpy(), atol=1e-5)  # the finished run's weights
    spots = view.scatter.points()
    assert len(spots) == 200 and spots[3].data() == "user 3" and point_tip(0, 0, spots[3].data()) == "user 3"
    assert not view.texts  # 200 rows: labels on hover only
    assert view.select_layer("item_emb") and view.shown.layer == "item_emb" and len(view.scatter.points()) == 100
    assert "item_emb: 100 rows × 8 dims" in view.plot.getPlotItem().titleLabel.text


def test_the_projector_names_categories_from_the_data(make_window, qtbot) -> None:
    dash = dashboard_for(make_window, qtbot, "tabular_embeddings", epochs=1)
    run(dash, qtbot)
    dash.tabs.setCurrentWidget(dash.embedding_view)
    view = dash.embedding_view
    assert view.chooser.count() == 3 and view.shown.layer == "city_emb"
    assert [t.textItem.toPlainText() for t in view.texts] == ["Berlin", "Paris", "Rome", "Madrid", "Vienna",
                                                              "Lisbon", "Oslo", "Prague"]
    dash.show_node("weekday_emb")  # selecting the node in the editor selects its projection
    assert view.shown.labels == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
