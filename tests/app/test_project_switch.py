"""The dashboard's saved-run state belongs to its project: "Save run…" never writes another project's run."""
from __future__ import annotations

import pytest

from nnbuilder.package_data import examples_dir


@pytest.mark.slow  # two short runs in the training process (≈ 35 s on 2 cores)
def test_save_run_after_opening_another_project_saves_nothing_of_the_previous_one(make_window, qtbot,
                                                                                 tmp_path) -> None:
    window = make_window(examples_dir() / "spirals_mlp.nnb", height=900)
    window.project.training = {**window.project.training, "epochs": 2}
    dash = window.show_dashboard()
    qtbot.waitUntil(lambda: dash.data_view.result is not None, timeout=15000)
    with qtbot.waitSignal(dash.runFinished, timeout=60000):
        assert dash.start()
    assert dash.save_button.isEnabled() and dash.last_run is not None

    assert window.open_path(str(examples_dir() / "seed_regression.nnb"), as_example=True)  # File ▸ Open
    assert dash.project is window.project
    assert dash.last_run is None and not dash.save_button.isEnabled()
    assert dash.save_run(tmp_path / "run") is None  # nothing of spirals is written as seed regression's run
    assert not (tmp_path / "run").exists() and "train the model first" in dash.message.text()

    window.project.training = {**window.project.training, "epochs": 1}
    qtbot.waitUntil(lambda: (dash.data_view.result or {}).get("task") == "regression", timeout=15000)
    with qtbot.waitSignal(dash.runFinished, timeout=60000):
        assert dash.start()
    out = dash.save_run(tmp_path / "run")  # this project's own run
    assert out is not None
    import json

    recipe = json.loads((out / "run.json").read_text())
    assert "seed_regression" in json.dumps(recipe) and "spirals" not in json.dumps(recipe.get("data", {}))
