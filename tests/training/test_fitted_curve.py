"""The fitted curve: when it applies, its grid in data units and the prediction the model gives there."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from training_helpers import regression_bundle, spiral_bundle

from nnbuilder.data.bundle import DataBundle, InputInfo, TensorSplit
from nnbuilder.training.fitted_curve import CURVE_POINTS, PAD, curve_data, curve_problem, model_grid, predict_curve


def line_bundle(standardized: bool = False) -> DataBundle:
    x = torch.linspace(-3.0, 5.0, 50).reshape(-1, 1)
    y = 2 * x + 1
    meta = {"feature_names": ["hours"], "target_names": ["score"]}
    if standardized:  # the data pipeline handed standardised inputs (mean 1, std 2)
        meta |= {"normalization": {"x": {"mean": [1.0], "std": [2.0]}}, "inputs_standardized": True}
        x = (x - 1.0) / 2.0
    return DataBundle("line", "regression", [InputInfo((1,), name="x")], TensorSplit((x,), y), None, None,
                      target_shape=(1,), meta=meta)


def test_the_curve_applies_only_to_one_feature_one_target_regression() -> None:
    assert curve_problem(line_bundle()) is None
    assert "classification, not regression" in curve_problem(spiral_bundle())
    assert "input shape [2]" in curve_problem(regression_bundle())


def test_the_grid_spans_the_raw_training_inputs_and_the_model_gets_what_it_was_trained_on() -> None:
    for standardized in (False, True):
        bundle = line_bundle(standardized)
        data = curve_data(bundle)
        assert len(data.grid_x) == CURVE_POINTS
        assert data.grid_x[0] == pytest.approx(-3.0 - 8 * PAD) and data.grid_x[-1] == pytest.approx(5.0 + 8 * PAD)
        assert data.points_x.min() == pytest.approx(-3.0) and data.points_y.max() == pytest.approx(11.0)
        assert (data.x_name, data.y_name) == ("hours", "score")
        grid = model_grid(bundle, data.grid_x)
        expected = (data.grid_x - 1.0) / 2.0 if standardized else data.grid_x
        assert np.allclose(grid[:, 0].numpy(), expected, atol=1e-6)


def test_predict_curve_is_the_models_eval_mode_output_and_keeps_its_mode() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Dropout(0.5), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    model.train()
    grid = torch.linspace(-1, 1, 7).reshape(-1, 1)
    y = predict_curve(model, grid)
    assert model.training
    model.eval()
    assert np.allclose(y, model(grid).detach().numpy()[:, 0], atol=1e-6)


def test_a_model_from_prepare_predicts_the_curve_in_the_targets_units() -> None:
    """curve_1d: the compiled model standardises x and de-standardises y itself, so the grid goes in raw."""
    from nnbuilder.graph.project import load_project
    from nnbuilder.package_data import examples_dir
    from nnbuilder.pipeline import prepare

    prepared = prepare(load_project(examples_dir() / "curve_64_units.nnb"))
    data = curve_data(prepared.bundle)
    assert data is not None and data.grid_x.min() < -1.9 and data.grid_x.max() > 1.9  # x in [-2, 2]
    with torch.no_grad():  # pin the model to the target's mean: the curve must come back in data units
        head = prepared.model.get_submodule(prepared.compiled.code.attr_of["head"])
        head.weight.zero_()
        head.bias.zero_()
    y = predict_curve(prepared.model, model_grid(prepared.bundle, data.grid_x))
    assert np.allclose(y, prepared.bundle.train.targets.mean().item(), atol=1e-4)
