"""Shared fixtures: the layer registry with the backbone specs loaded."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

import nnbuilder.layers.backbone  # noqa: F401  (registers Backbone / OpaqueModule / OpaqueOp until builtin does)
from nnbuilder.layers import builtin  # noqa: F401


@pytest.fixture(autouse=True)
def _deterministic() -> None:
    torch.manual_seed(0)


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Small convolutions run fastest on one thread, above all on a shared CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def compile_graph():
    """The lead's compiler; skipped only while nnbuilder.compile cannot be imported."""
    try:
        from nnbuilder.analysis import shapes
        from nnbuilder.compile import compile_graph
    except ImportError as exc:  # pragma: no cover - compiler not written yet
        pytest.skip(f"nnbuilder.compile not importable: {exc}")
    import torchvision

    # TODO(lead): shape inference evaluates constructors without torchvision in its namespace.
    shapes._EVAL_NS.setdefault("torchvision", torchvision)
    return compile_graph
