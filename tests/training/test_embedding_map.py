"""Embedding projector: PCA against hand-computed cases, and labels traced from the graph to the data's categories."""
from __future__ import annotations

import pytest
import torch

from nnbuilder.data.bundle import DataBundle, InputInfo, TensorSplit
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.training.embedding_map import category_labels, embedding_modules, pca_2d, project_embeddings


def test_pca_of_a_hand_computed_case() -> None:
    """Rows (±1, 0) and (0, ±2): mean 0, variance 8/4 along y and 2/4 along x → shares 0.8 and 0.2."""
    weight = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]]) + torch.tensor([5.0, -3.0])
    scores, explained = pca_2d(weight)
    assert explained == pytest.approx((0.8, 0.2))
    # PC 1 is the y axis, PC 2 the x axis; each sign makes the largest score positive
    assert torch.allclose(scores, torch.tensor([[0.0, 1.0], [0.0, -1.0], [2.0, 0.0], [-2.0, 0.0]]), atol=1e-6)


def test_pca_of_rows_on_a_line_and_of_a_one_dimensional_embedding() -> None:
    """Rows t·(1, 2, 2)/3 + c: one axis holds all the variance; the scores are the centred t."""
    t = torch.tensor([-2.0, 0.0, 1.0, 4.0])
    weight = t[:, None] * torch.tensor([1.0, 2.0, 2.0]) / 3 + torch.tensor([1.0, 1.0, 1.0])
    scores, explained = pca_2d(weight)
    assert explained == pytest.approx((1.0, 0.0), abs=1e-9)
    assert torch.allclose(scores[:, 0], t - t.mean(), atol=1e-5) and torch.allclose(scores[:, 1], torch.zeros(4),
                                                                                    atol=1e-5)
    scores, explained = pca_2d(torch.tensor([[1.0], [3.0]]))  # one dimension: the second axis is zero
    assert torch.allclose(scores, torch.tensor([[1.0, 0.0], [-1.0, 0.0]])) and explained == pytest.approx((1.0, 0.0))


def test_the_sign_of_each_axis_is_fixed() -> None:
    weight = torch.randn(10, 4, generator=torch.Generator().manual_seed(0))
    a, _ = pca_2d(weight)
    b, _ = pca_2d(-weight)  # the same geometry mirrored: the same picture
    assert torch.allclose(a, b, atol=1e-5)


def table_bundle() -> DataBundle:
    codes = torch.zeros(4, 2, dtype=torch.int64)
    meta = {"categorical_columns": ["city", "plan"], "categories": {"city": ["Oslo", "Rome"], "plan": ["a", "b", "c"]}}
    return DataBundle("t", "classification", [InputInfo((1,), name="numeric"), InputInfo((2,), "int64", "categorical"),
                                              InputInfo((1,), "int64", "user")],
                      TensorSplit((torch.zeros(4, 1), codes, codes[:, :1]), torch.zeros(4, dtype=torch.int64)),
                      None, None, meta=meta)


def table_graph() -> GraphDocument:
    nodes = [Node("num", "Input"), Node("cat", "Input"), Node("uid", "Input"),
             Node("plan_col", "Slice", {"dim": 1, "start": 1, "length": 1}), Node("plan_emb", "Embedding"),
             Node("city_col", "Slice", {"dim": 1, "start": 0, "length": 1}), Node("city_flat", "Flatten"),
             Node("city_emb", "Embedding"), Node("user_emb", "Embedding"),
             Node("both", "Slice", {"dim": 1, "start": 0, "length": 2}), Node("both_emb", "Embedding")]
    edges = [Edge("cat", "plan_col"), Edge("plan_col", "plan_emb"), Edge("cat", "city_col"),
             Edge("city_col", "city_flat"), Edge("city_flat", "city_emb"), Edge("uid", "user_emb"),
             Edge("cat", "both"), Edge("both", "both_emb")]
    return GraphDocument(nodes, edges)


def test_labels_are_the_category_names_of_the_column_feeding_the_layer() -> None:
    graph, bundle = table_graph(), table_bundle()
    assert category_labels(graph, bundle, "plan_emb", 3) == ["a", "b", "c"]
    assert category_labels(graph, bundle, "city_emb", 3) == ["Oslo", "Rome", "city 2 (unused)"]
    assert category_labels(graph, bundle, "user_emb", 2) == ["user 0", "user 1"]  # no names: the input's name
    assert category_labels(graph, bundle, "both_emb", 2) == ["categorical 0", "categorical 1"]  # two columns share it


def test_project_embeddings_names_layers_by_node_and_sends_numpy() -> None:
    model = torch.nn.ModuleDict({"emb_a": torch.nn.Embedding(5, 3), "fc": torch.nn.Linear(3, 1)})
    layers = embedding_modules(model, {"a": "emb_a"})
    assert [name for name, _ in layers] == ["a"]
    (projection,) = project_embeddings(model, layers, {"a": list("vwxyz")}, step=7, epoch=2)
    assert projection.points.shape == (5, 2) and projection.labels == list("vwxyz") and projection.dim == 3
    assert (projection.step, projection.epoch) == (7, 2)
    assert torch.allclose(torch.from_numpy(projection.points), pca_2d(model["emb_a"].weight)[0])
    (first,) = project_embeddings(model, layers, {}, max_rows=3)  # a large table: its first rows only
    assert first.points.shape == (3, 2) and first.rows == 5 and first.labels == ["0", "1", "2"]
    assert torch.allclose(torch.from_numpy(first.points), pca_2d(model["emb_a"].weight[:3])[0])
