"""One parameter schema: layers, data sets and training give equal verdicts and equal messages."""
from __future__ import annotations

from typing import Any

import pytest

from nnbuilder.data import validate_data_section
from nnbuilder.data.params import DataParam
from nnbuilder.layers import get_spec
from nnbuilder.layers.spec import ParamSpec
from nnbuilder.schema import INT, Param, ParamError, Problems, check_params
from nnbuilder.training import ConfigError, TrainingConfig
from nnbuilder.training.params import Param as TrainingParam

_MISSING = object()


def _layer(value: Any) -> tuple[Any, str | None]:
    """Linear.out_features (an int ≥ 1) through the layer's own normalisation."""
    clean, errors = get_spec("Linear").normalize({"out_features": value})
    return (None, errors["out_features"]) if "out_features" in errors else (clean["out_features"], None)


def _data(value: Any) -> tuple[Any, str | None]:
    """ratings' ``factors`` (an int ≥ 1) through the data section's validation."""
    problems = dict(validate_data_section({"dataset": "ratings", "params": {"factors": value}}))
    if "data.params.factors" in problems:
        return None, problems["data.params.factors"]
    return DataParam("factors", INT, 4, minimum=1).coerce(value), None


def _training(value: Any) -> tuple[Any, str | None]:
    """``training.epochs`` (an int ≥ 1) through TrainingConfig."""
    try:
        config = TrainingConfig.from_dict({"loss": "MSELoss", "optimizer": {"type": "SGD", "lr": 0.1},
                                           "epochs": value})
    except ConfigError as exc:
        return None, dict(exc.problems)["training.epochs"]
    return config.epochs, None


@pytest.mark.parametrize("value, verdict", [
    (5, 5), (10.0, 10), (0, "must be ≥ 1, got 0"), (-3, "must be ≥ 1, got -3"),
    (10.5, "expected an integer, got 10.5"), (True, "expected an integer, got True"),
    ("10", "expected an integer, got '10'"), (None, "a value is required"), ([2], "expected an integer, got [2]"),
])
def test_equal_inputs_give_equal_verdicts_across_layers_data_and_training(value: Any, verdict: Any) -> None:
    results = {"layer": _layer(value), "data": _data(value), "training": _training(value)}
    expected = (None, verdict) if isinstance(verdict, str) else (verdict, None)
    assert results == {"layer": expected, "data": expected, "training": expected}
    if not isinstance(verdict, str):
        assert all(type(v) is int for v, _ in results.values())  # 10.0 becomes the int 10 everywhere


def test_the_three_old_names_build_one_class() -> None:
    built = [ParamSpec("n", INT, minimum=1), DataParam("n", INT, minimum=1), TrainingParam("int", lo=1, name="n")]
    assert all(type(p) is Param for p in built)
    assert built[0].coerce(3) == built[1].coerce(3) == built[2].coerce(3) == 3


@pytest.mark.parametrize("spec, value, message", [
    (Param("x", "float", minimum=0, lo_open=True), 0, "must be > 0, got 0"),
    (Param("x", "float", maximum=1, hi_open=True), 1.0, "must be < 1, got 1"),
    (Param("x", "float", maximum=1), 1.5, "must be ≤ 1, got 1.5"),
    (Param("x", "pair", minimum=0, maximum=1, hi_open=True), [0.9, 1], "must be < 1, got 1"),
    (Param("x", "pair"), [1, 2, 3], "expected a list of two numbers, got [1, 2, 3]"),
    (Param("x", "str", choices=("cos", "linear")), "coss", ("expected one of 'cos', 'linear', got 'coss' "
                                                           "(did you mean 'cos'?)")),
    (Param("x", "range", minimum=0), [3, 1], "low must be ≤ high, got [3, 1]"),
    (Param("x", "float"), float("nan"), "expected a finite number, got nan"),
])
def test_one_wording_for_bounds_and_kinds(spec: Param, value: Any, message: str) -> None:
    with pytest.raises(ParamError) as info:
        spec.coerce(value)
    assert str(info.value) == message


def test_problems_carry_json_paths_and_suggestions() -> None:
    specs = (Param("noise", "float", 0.1, minimum=0), Param("n_samples", INT, required=True, doc="rows"))
    values, problems = check_params(specs, {"noize": 1, "noise": -1}, "data.params")
    assert dict(problems) == {
        "data.params.noize": "unknown key (did you mean 'noise'?); expected one of: n_samples, noise",
        "data.params.noise": "must be ≥ 0, got -1",
        "data.params.n_samples": "is required: rows",
    }
    assert values == {"noise": None, "n_samples": None}
    found = Problems()
    assert found.mapping([1], "training") is None and found.items == [("training", "must be an object, got list")]
