"""The dead-unit chart counts only layers whose output has exact zeros (ReLU), read from the registry."""
from __future__ import annotations

from types import SimpleNamespace

from nnbuilder.app.dashboard.inside import InsideView, exact_zeros


def test_exact_zeros_comes_from_the_layer_spec():
    assert exact_zeros("ReLU")
    assert not any(exact_zeros(t) for t in ("GELU", "ELU", "SELU", "Softplus", "LeakyReLU", "Linear", None, "Nope"))


def test_chart_shows_relu_layers_only_and_nothing_without_them(qtbot):
    view = InsideView()
    qtbot.addWidget(view)
    stats = SimpleNamespace(zero_fraction=0.25)
    view.reset({"act1": "ReLU", "act2": "GELU", "act3": "Softplus", "fc1": "Linear"})
    view.probe = SimpleNamespace(activations={"fc1": stats, "act1": stats, "act2": stats, "act3": stats})
    view._draw_dead()
    assert view.dead_names == ["act1"]
    view.reset({"act2": "GELU"})
    view.probe = SimpleNamespace(activations={"act2": stats})
    view._draw_dead()
    assert view.dead_names == []  # GELU has no exact zeros: its 0 % would read as 'healthy' whatever happens
