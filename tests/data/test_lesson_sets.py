"""Lesson data sets: the 1-D curve, shapes placed anywhere, and a sequence task that needs memory."""
from __future__ import annotations

import numpy as np
import torch

from nnbuilder.data import load_data


def test_curve_1d_is_one_input_one_target_on_the_documented_curve() -> None:
    bundle = load_data({"dataset": "curve_1d", "params": {"n_samples": 200, "noise": 0.0}, "normalize": False})
    (x,), y = bundle.train.inputs, bundle.train.targets
    assert x.shape[1:] == (1,) and y.shape[1:] == (1,)
    assert torch.allclose(y, torch.sin(3 * x) + 0.3 * x ** 2, atol=1e-5)


def test_shifted_shapes_move_the_drawing_around_the_frame() -> None:
    bundle = load_data({"dataset": "shifted_shapes", "params": {"n_samples": 200, "max_shift": 8},
                        "normalize": False})
    images = bundle.train.inputs[0][:, 0]
    assert images.shape[1:] == (28, 28) and set(bundle.train.targets.tolist()) == {0, 1, 2, 3}
    rows = torch.stack([torch.nonzero(im.sum(1) > 0.5).float().mean() for im in images[:100]])
    assert rows.std() > 3  # the centres of mass spread over many pixels


def test_remember_first_hides_the_label_in_the_first_step_only() -> None:
    bundle = load_data({"dataset": "remember_first", "params": {"n_samples": 300}, "normalize": False})
    x, y = bundle.train.inputs[0], bundle.train.targets
    assert x.shape[1:] == (30, 1)
    assert torch.equal((x[:, 0, 0] > 0).long(), y)
    later = x[:, 1:, 0].mean(1).numpy()
    assert abs(np.corrcoef(later, y.numpy())[0, 1]) < 0.3  # the other steps carry no label


def test_recall_marked_labels_the_sign_of_the_one_marked_step_anywhere() -> None:
    bundle = load_data({"dataset": "recall_marked", "params": {"n_samples": 400, "length": 40}, "normalize": False})
    x, y = bundle.train.inputs[0], bundle.train.targets
    assert x.shape[1:] == (40, 2)
    marks = x[:, :, 1]
    assert torch.equal(marks.sum(1), torch.ones(len(x)))  # exactly one mark per sequence
    where = marks.argmax(1)
    assert torch.equal((x[torch.arange(len(x)), where, 0] > 0).long(), y)
    assert where.min() < 10 and where.max() >= 30  # marks early and late: short and long memories
    assert abs(np.corrcoef(x[:, -1, 0].numpy(), y.numpy())[0, 1]) < 0.3  # the last value does not give it away
