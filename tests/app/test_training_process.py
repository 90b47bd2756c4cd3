"""The dashboard's training child process (Qt-free side): results, weights, failures, no Qt in the child."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import torch

from nnbuilder.app.dashboard.buffer import Drained
from nnbuilder.app.dashboard.child import leave_a_core_for_the_gui, probe_every
from nnbuilder.app.dashboard.worker import RunOptions, TrainingJob
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[2]


def spirals(epochs: int, samples: int | None = None):
    project = load_project(examples_dir() / "spirals_mlp.nnb")
    project.training = {**project.training, "epochs": epochs}
    if samples:
        project.data = {**project.data, "params": {"n_samples": samples}}
    return project


def collect(job: TrainingJob, timeout: float = 60) -> Drained:
    """Everything the job delivered, merged, once it has ended."""
    total = Drained()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        box = job.buffer.drain()
        total.losses += box.losses
        total.epochs += box.epochs
        total.probes += box.probes
        total.plan = box.plan or total.plan
        if box.ended:
            total.result, total.error, total.ended = box.result, box.error, True
            return total
        time.sleep(0.01)
    raise AssertionError("the job did not end in time")


def test_child_module_imports_no_qt_and_the_gui_side_no_torch() -> None:
    code = ("import sys, nnbuilder.app.dashboard.worker; assert 'torch' not in sys.modules; "
            "import nnbuilder.app.dashboard.child; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_run_in_child_equals_the_same_run_headless() -> None:
    from nnbuilder.pipeline import prepare
    from nnbuilder.training import Trainer

    job = TrainingJob(spirals(epochs=2), options=RunOptions(probes=False))
    job.start()
    total = collect(job)
    assert job.join(10)
    assert total.error is None and total.result.stop_reason == "completed"
    assert total.plan.epochs == 2 and len(total.epochs) == 2
    assert len(total.losses) == total.result.steps == job.step
    assert job.info.task == "classification" and set(job.info.attr_of.values())

    threads = torch.get_num_threads()
    try:
        leave_a_core_for_the_gui()  # the child's thread count: same arithmetic, same bits
        p = prepare(spirals(epochs=2))
        headless = Trainer(p.model, p.bundle, p.config, batch_size=p.batch_size).run()
    finally:
        torch.set_num_threads(threads)
    assert [e["loss"] for e in total.epochs] == [e["loss"] for e in headless.history]
    trained = job.trained.build()  # strict load of the shipped weights into the generated class
    for name, value in p.model.state_dict().items():
        assert torch.equal(trained.state_dict()[name], value), name


def test_a_killed_child_is_a_message_not_a_hang() -> None:
    job = TrainingJob(spirals(epochs=500, samples=6000))
    job.start()
    deadline = time.monotonic() + 60
    while job.step < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    job.kill()
    total = collect(job, timeout=10)
    assert job.join(5) and not job.is_alive()
    assert total.result is None and "ended unexpectedly" in total.error and job.trained is None


def test_the_child_stops_when_the_gui_process_goes_away(tmp_path: Path) -> None:
    """Nobody is watching: the run ends "interrupted" and its folder (resumable) is saved where the GUI said."""
    options = RunOptions(checkpoint_dir=str(tmp_path / "ckpt"), run_dir=str(tmp_path / "runs" / "spirals-1"))
    job = TrainingJob(spirals(epochs=500, samples=6000), options=options)
    job.start()
    deadline = time.monotonic() + 60
    while job.step < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    job._controls.close()  # what the child sees when the GUI's process dies: the end of its control pipe
    total = collect(job, timeout=10)
    assert total.result.stop_reason == "interrupted" and job.trained is not None
    assert job.join(5)
    assert job.saved.folder == options.run_dir and not job.saved.error
    assert (tmp_path / "runs" / "spirals-1" / "checkpoint" / "latest.json").is_file()


def test_probe_spacing_caps_probes_per_run() -> None:
    from nnbuilder.pipeline import prepare

    p = prepare(spirals(epochs=40))
    steps = -(-len(p.bundle.train) // p.batch_size) * 40
    every = probe_every(p, True)
    assert every >= 10 and steps // every <= 100
    assert probe_every(p, False) is None


def test_cpu_threads_leave_one_core(monkeypatch) -> None:
    threads = torch.get_num_threads()
    try:
        monkeypatch.setattr(os, "cpu_count", lambda: 4)
        torch.set_num_threads(4)
        leave_a_core_for_the_gui()
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(threads)


def test_probes_reach_the_gui_as_numpy_with_the_engines_values() -> None:
    """Every probe's gradient norms reach the GUI; the latest of each shipment comes whole, as numpy arrays
    (ten times cheaper to pickle than tensors), with the engine's values."""
    import numpy as np

    from nnbuilder.app.dashboard.collector import portable
    from nnbuilder.pipeline import prepare
    from nnbuilder.training import Callback, Trainer

    class Keep(Callback):
        def __init__(self) -> None:
            self.probes: list = []

        def on_probe(self, trainer, step, probe) -> None:
            self.probes.append(probe)
    p = prepare(spirals(epochs=2))
    keep = Keep()
    Trainer(p.model, p.bundle, p.config, [keep], batch_size=p.batch_size, probe_every=probe_every(p, True)).run()

    job = TrainingJob(spirals(epochs=2))
    job.start()
    shipped = collect(job).probes
    assert [(q.step, q.grad_norms) for q in shipped] == [(q.step, q.grad_norms) for q in keep.probes]
    here, there = portable(keep.probes[-1]), shipped[-1]
    assert here.activations.keys() == there.activations.keys() and here.weights.keys() == there.weights.keys()
    assert all(isinstance(h.counts, np.ndarray) for h in there.weights.values())
    for name, stats in here.activations.items():
        assert isinstance(there.activations[name].histogram.counts, np.ndarray)
        np.testing.assert_array_equal(stats.histogram.counts, there.activations[name].histogram.counts)
        assert isinstance(keep.probes[-1].activations[name].histogram.counts, torch.Tensor)  # the engine's own stay tensors
