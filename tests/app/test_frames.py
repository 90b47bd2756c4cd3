"""Frame budget of the live views: one plot per frame, pacing, and y ranges that grow in steps."""
from __future__ import annotations

import pytest

from nnbuilder.app.dashboard.buffer import Drained, EventBuffer
from nnbuilder.app.dashboard.curves import MAX_SYMBOLS, CurvesView
from nnbuilder.app.dashboard.frames import FramePacer, grown


def box(step: int, epochs: int = 0) -> Drained:
    drained = Drained(losses=[(step, 1.0 / (step + 1))], lrs=[(step, [0.1])], progress=(step, 0))
    drained.epochs = [{"epoch": e, "loss": 1.0, "val_loss": 1.1, "accuracy": 0.5, "val_accuracy": 0.4}
                      for e in range(epochs)]
    return drained


def points(item) -> int:
    x = item.getData()[0]
    return 0 if x is None else len(x)


def test_a_limited_redraw_updates_one_plot_and_the_rest_follow(qtbot) -> None:
    view = CurvesView()
    qtbot.addWidget(view)
    view.reset("classification", steps_per_epoch=10, epochs=5)
    view.add(box(3, epochs=1))
    assert list(view.dirty) == ["loss", "lr", "epochs"]
    assert view.redraw(limit=1)
    assert points(view.raw) == 1 and points(view.lr_actual) == 0 and points(view.epoch_train) == 0
    assert list(view.dirty) == ["lr", "epochs"]  # the oldest news first, the rest wait for the next frames
    assert view.redraw(limit=1) and view.redraw(limit=1)
    assert not view.redraw(limit=1)  # nothing left
    assert points(view.epoch_train) == 1 and points(view.lr_actual) > 0


def test_long_runs_drop_the_epoch_dots(qtbot) -> None:
    view = CurvesView()
    qtbot.addWidget(view)
    view.reset("classification", steps_per_epoch=1, epochs=100)
    view.add(box(0, epochs=5))
    view.redraw()
    assert view.metric_train.opts["symbol"] == "o"
    view.add(box(1, epochs=MAX_SYMBOLS))
    view.redraw()
    assert view.metric_train.opts["symbol"] is None and view.epoch_val.opts["symbol"] is None
    view.reset("classification", steps_per_epoch=1, epochs=10)
    view.add(box(0, epochs=2))
    view.redraw()
    assert view.metric_train.opts["symbol"] == "o"  # a new short run gets its dots back


def test_merge_equals_putting_every_record_here() -> None:
    direct, shipped, remote = EventBuffer(), EventBuffer(), EventBuffer()
    for target in (direct, remote):
        target.put("losses", (1, 0.5))
        target.put("boundary", "b1")
        target.put("boundary", "b2")
        target.put("progress", (1, 0))
    shipped.merge(remote.drain())
    remote.put("losses", (2, 0.4))
    remote.finish(result="done")
    shipped.merge(remote.drain())
    direct.put("losses", (2, 0.4))
    direct.finish(result="done")
    assert shipped.drain() == direct.drain()


@pytest.mark.parametrize("cost, expected", [(0.001, 1 / 30), (0.05, 0.25), (1.0, 0.5)])
def test_pacer_keeps_redraws_a_share_of_the_time(cost: float, expected: float) -> None:
    pacer = FramePacer(share=0.2, fastest=1 / 30, slowest=0.5)
    assert pacer.interval(cost) == pytest.approx(expected)


def test_ranges_grow_in_steps() -> None:
    first = grown(None, 0.2, 1.0)
    assert first[0] == 0.0 and first[1] > 1.0
    assert grown(first, 0.3, 0.9) == first  # inside: unchanged, so the axis does not re-render
    assert grown(first, 0.3, float("nan")) == first
