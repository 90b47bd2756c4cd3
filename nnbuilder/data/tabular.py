"""Synthetic tables for embeddings: a mixed categorical/numeric table and user/item ratings."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .bundle import InputInfo
from .info import TABLE, DatasetInfo, RawData
from .params import CHOICE, FLOAT, INT, DataParam

# Categorical columns of the synthetic table and their category names.
CATEGORIES: dict[str, list[str]] = {
    "city": ["Berlin", "Paris", "Rome", "Madrid", "Vienna", "Lisbon", "Oslo", "Prague"],
    "plan": ["free", "basic", "plus", "pro"],
    "weekday": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}
NUMERIC = ["age", "income", "usage"]
LEVELS = ["low", "medium", "high"]


def tabular(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Inputs: numerics float32 (3,) then categorical codes int64 (3,); the target depends on both."""
    n = params["n_samples"]
    codes = np.stack([rng.integers(0, len(v), n) for v in CATEGORIES.values()], axis=1)
    effects = [rng.normal(0.0, 1.0, len(v)) for v in CATEGORIES.values()]
    age = rng.uniform(18, 80, n)
    income = rng.lognormal(3.5, 0.4, n)
    usage = rng.gamma(2.0, 5.0, n)
    numerics = np.stack([age, income, usage], axis=1)
    score = sum(effect[codes[:, i]] for i, effect in enumerate(effects))
    score = score + ((age - 45) / 20) ** 2 - (income - 35) / 15 + np.log1p(usage) - 2.0
    score = score + rng.normal(0.0, params["noise"], n)
    meta = {"numeric_columns": list(NUMERIC), "categorical_columns": list(CATEGORIES),
            "cardinalities": [len(v) for v in CATEGORIES.values()],
            "categories": {k: list(v) for k, v in CATEGORIES.items()}}
    info = [InputInfo((len(NUMERIC),), "float32", "numeric"), InputInfo((len(CATEGORIES),), "int64", "categorical")]
    inputs = (torch.from_numpy(numerics.astype(np.float32)), torch.from_numpy(codes.astype(np.int64)))
    if params["task"] == "regression":
        targets = torch.from_numpy(score.astype(np.float32)).reshape(n, 1)
        return RawData("regression", info, targets, inputs, target_shape=(1,), meta={**meta, "target_names": ["score"]})
    labels = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    return RawData("classification", info, torch.from_numpy(labels.astype(np.int64)), inputs,
                   class_names=list(LEVELS), meta={**meta, "target_names": ["score level"]})


def ratings(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Ratings 1..5 from latent user/item factors and biases; inputs user id and item id, each (1,)."""
    users, items, dim = params["n_users"], params["n_items"], params["factors"]
    n = min(params["n_ratings"], users * items)
    u = rng.normal(0.0, 1.0 / np.sqrt(dim), (users, dim)) * 1.2
    v = rng.normal(0.0, 1.0 / np.sqrt(dim), (items, dim)) * 1.2
    user_bias, item_bias = rng.normal(0.0, 0.4, users), rng.normal(0.0, 0.4, items)
    pairs = rng.choice(users * items, size=n, replace=False)
    uid, iid = pairs // items, pairs % items
    raw = 3.2 + user_bias[uid] + item_bias[iid] + (u[uid] * v[iid]).sum(1) + rng.normal(0.0, params["noise"], n)
    rating = np.clip(raw, 1.0, 5.0)
    info = [InputInfo((1,), "int64", "user"), InputInfo((1,), "int64", "item")]
    inputs = (torch.from_numpy(uid.astype(np.int64)).reshape(n, 1), torch.from_numpy(iid.astype(np.int64)).reshape(n, 1))
    meta = {"n_users": users, "n_items": items, "rating_range": [1.0, 5.0], "target_names": ["rating"]}
    return RawData("regression", info, torch.from_numpy(rating.astype(np.float32)).reshape(n, 1), inputs,
                   target_shape=(1,), meta=meta)


DATASETS = (
    DatasetInfo("tabular", "classification",
                "Customers table: 3 numeric + 3 categorical columns (inputs: numeric, categorical codes).",
                (DataParam("n_samples", INT, 2000, "number of rows", minimum=16, maximum=1_000_000),
                 DataParam("noise", FLOAT, 0.3, "noise on the hidden score", minimum=0.0, maximum=10.0),
                 DataParam("task", CHOICE, "classification", "classify the score level or regress the score",
                           choices=("classification", "regression"))),
                TABLE, tabular, (InputInfo((3,), "float32", "numeric"), InputInfo((3,), "int64", "categorical")),
                tuple(LEVELS), "tabular"),
    DatasetInfo("ratings", "regression",
                "User/item ratings from latent factors (inputs: user id, item id) for collaborative filtering.",
                (DataParam("n_users", INT, 200, "number of users", minimum=2, maximum=1_000_000),
                 DataParam("n_items", INT, 100, "number of items", minimum=2, maximum=1_000_000),
                 DataParam("n_ratings", INT, 8000, "number of (user, item) ratings", minimum=16, maximum=10_000_000),
                 DataParam("factors", INT, 4, "latent dimension of the hidden taste vectors", minimum=1, maximum=64),
                 DataParam("noise", FLOAT, 0.2, "noise on the ratings", minimum=0.0, maximum=5.0)),
                TABLE, ratings, (InputInfo((1,), "int64", "user"), InputInfo((1,), "int64", "item")),
                None, "tabular"),
)
