"""Every offline data set loads with the contract's shapes, dtypes, tasks and classes."""
from __future__ import annotations

import pytest
import torch

from nnbuilder.data import DataBundle, TensorSplit, get_dataset, list_datasets, load_data

OFFLINE = [info.name for info in list_datasets() if info.offline and info.name not in ("csv", "image_folder")]
SMALL = {"shapes28": {"n_samples": 500}}


def _load(name: str, seed: int = 0, **section) -> DataBundle:
    return load_data({"dataset": name, "params": SMALL.get(name, {}), **section}, seed=seed)


def test_catalogue_lists_every_family() -> None:
    names = {info.name for info in list_datasets()}
    assert {"spirals", "moons", "circles", "xor", "blobs", "seed_regression", "sine_forecast",
            "sequence_classification", "tabular", "ratings", "shapes28", "mnist", "fashion_mnist", "cifar10",
            "image_folder", "csv"} <= names
    for info in list_datasets():
        assert info.doc and info.task in ("classification", "binary", "regression", "auto")
        assert set(info.defaults()) == {p.name for p in info.params}


@pytest.mark.parametrize("name", OFFLINE)
def test_offline_set_matches_contract(name: str) -> None:
    bundle = _load(name)
    info = get_dataset(name)
    assert bundle.name == name and bundle.task == info.task
    assert [i.shape for i in bundle.inputs] == [i.shape for i in info.inputs]
    for split in (bundle.train, bundle.val, bundle.test):
        assert isinstance(split, TensorSplit) and len(split) > 0
        assert len(split.inputs) == len(bundle.inputs)
        for spec, tensor in zip(bundle.inputs, split.inputs):
            assert tuple(tensor.shape[1:]) == spec.shape
            assert str(tensor.dtype) == f"torch.{spec.dtype}"
            assert torch.isfinite(tensor.float()).all()
        y = split.targets
        if bundle.task == "classification":
            assert y.dtype == torch.int64 and y.ndim == 1
            assert 0 <= int(y.min()) and int(y.max()) < bundle.num_classes == len(bundle.class_names)
        elif bundle.task == "binary":
            assert y.dtype == torch.float32 and tuple(y.shape[1:]) == (1,) == bundle.target_shape
            assert set(y.unique().tolist()) <= {0.0, 1.0}
        else:
            assert y.dtype == torch.float32 and tuple(y.shape[1:]) == bundle.target_shape
            assert bundle.num_classes is None
    if info.class_names:
        assert tuple(bundle.class_names) == info.class_names


@pytest.mark.parametrize("name", OFFLINE)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    a, b, c = _load(name, seed=3), _load(name, seed=3), _load(name, seed=4)
    assert all(torch.equal(x, y) for x, y in zip(a.train.inputs, b.train.inputs))
    assert torch.equal(a.train.targets, b.train.targets)
    assert not all(torch.equal(x, y) for x, y in zip(a.train.inputs, c.train.inputs))


def test_params_change_the_data() -> None:
    bundle = load_data({"dataset": "spirals", "params": {"classes": 4, "n_samples": 400}, "split": [0.5, 0.5]})
    assert bundle.num_classes == 4 and len(bundle.train) + len(bundle.val) == 400 and bundle.test is None
    assert sorted(bundle.train.targets.unique().tolist()) == [0, 1, 2, 3]
    seq = load_data({"dataset": "sine_forecast", "params": {"window": 7}})
    assert seq.inputs[0].shape == (7, 1) and seq.train.inputs[0].shape[1:] == (7, 1)
    reg = load_data({"dataset": "tabular", "params": {"task": "regression"}})
    assert reg.task == "regression" and reg.train.targets.shape[1:] == (1,)


def test_seed_regression_follows_its_formula() -> None:
    bundle = load_data({"dataset": "seed_regression", "params": {"noise": 0.0}, "normalize": False})
    x, y = bundle.train.inputs[0], bundle.train.targets[:, 0]
    assert len(bundle.train) + len(bundle.val) + len(bundle.test) == 100
    assert x.abs().max() <= 1.0
    assert torch.allclose(y, 2 * x[:, 0] ** 3 + 0.5 * x[:, 1] ** 2, atol=1e-5)


def test_tabular_meta_sizes_embeddings() -> None:
    bundle = load_data({"dataset": "tabular"})
    cats = torch.cat([bundle.train.inputs[1], bundle.val.inputs[1], bundle.test.inputs[1]])
    cards = bundle.meta["cardinalities"]
    assert len(cards) == cats.shape[1] == len(bundle.meta["categorical_columns"])
    assert (cats.max(0).values < torch.tensor(cards)).all() and (cats >= 0).all()
    assert "categorical" not in bundle.meta["normalization"]  # codes are never standardised


def test_ratings_ids_fit_meta_and_are_learnable_pairs() -> None:
    bundle = load_data({"dataset": "ratings"})
    meta = bundle.meta
    users, items = bundle.train.inputs
    assert int(users.max()) < meta["n_users"] and int(items.max()) < meta["n_items"]
    ratings = bundle.train.targets
    assert 1.0 <= float(ratings.min()) and float(ratings.max()) <= 5.0
    pairs = torch.cat([users, items], 1)
    assert len(torch.unique(pairs, dim=0)) == len(pairs)  # each (user, item) rated once
    # the latent structure is real: per-user mean ratings vary far more than noise alone would allow
    user_means = torch.zeros(meta["n_users"]).index_add_(0, users[:, 0], ratings[:, 0])
    counts = torch.bincount(users[:, 0], minlength=meta["n_users"]).clamp(min=1)
    assert float((user_means / counts).std()) > 0.2


def test_spirals_need_a_nonlinear_model() -> None:
    torch.manual_seed(0)
    bundle = load_data({"dataset": "spirals"})
    (x,), y = bundle.train.inputs, bundle.train.targets
    (vx,), vy = bundle.val.inputs, bundle.val.targets

    def fit(model: torch.nn.Module, steps: int) -> float:
        opt = torch.optim.Adam(model.parameters(), 0.02)
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        with torch.no_grad():
            return float((model(vx).argmax(1) == vy).float().mean())

    linear = fit(torch.nn.Linear(2, 2), 300)
    mlp = fit(torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                                  torch.nn.Linear(32, 2)), 400)
    assert linear < 0.75
    assert mlp > 0.95
