"""Training engine vs the loop a student writes by hand, on the same work in the same process.

Run: ``.venv/bin/python benchmarks/bench_training.py [--repeats N]``. Each case runs its variants
interleaved for N rounds (the order rotates every round), so load from other processes hits all of
them; round r seeds the model and the data order with r on both sides. Printed per variant: the
median wall time and thread CPU time (``time.thread_time``: torch runs on one thread here, so this
is the loop's own work, less disturbed by other processes) with their min–max; per ratio: the
median and min–max of the per-round ratios. Goals: engine / hand-written ≤ 0.75 with equal final
loss within noise (the min–max of the final losses over the rounds' seeds), probes on / off ≤ 1.05.

Peak memory (``--memory``): the 784-1000-10 MLP on 20k samples, Adam, batch 64, one epoch, in fresh
processes (the engine and the hand loop interleaved, ``--repeats`` each): the process's peak resident
memory (``ru_maxrss``, which includes torch itself) per variant and the per-round ratio engine / hand
loop. Goal ≤ 1.05.

Also timed, as a floor: a bare loop that batches by indexing tensors (no DataLoader, no engine).
The minor page faults per run are printed because on the 784-1000-10 case glibc sometimes hands
the 3 MB weight gradient, re-allocated every step, fresh pages (hundreds of faults per step): runs
that hit this are slower for reasons outside the loop's code.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nnbuilder.data.bundle import DataBundle, InputInfo, TensorSplit
from nnbuilder.training import Callback, Trainer, TrainingConfig


class SimpleMLP(nn.Module):
    """The course's seed model: 2 → 20 → 10 → 1 with ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(2, 20), nn.Linear(20, 10), nn.Linear(10, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class WideMLP(nn.Module):
    """784 → 1000 → 10 (785,000 + 10,010 parameters)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 1000), nn.Linear(1000, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


def seed_data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(100, 2, generator=g) * 2 - 1
    y = 2 * x[:, :1] ** 3 + 0.5 * x[:, 1:] ** 2 + 0.05 * torch.randn(100, 1, generator=g)
    return x, y


def wide_data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(20_000, 784, generator=g), torch.randint(0, 10, (20_000,), generator=g)


@dataclass
class Run:
    """One timed training run: wall and thread CPU seconds, the trained model, extra probe seconds."""

    wall: float
    cpu: float
    model: nn.Module
    probe_seconds: float = 0.0
    faults: int = 0  # minor page faults in the run: fresh pages for gradients re-allocated every step


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else 0


class Clock:
    """Wall and thread CPU time and minor page faults of a block."""

    def __enter__(self) -> Self:
        self.wall, self.cpu, self.faults = time.perf_counter(), time.thread_time(), minor_faults()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.thread_time() - self.cpu
        self.faults = minor_faults() - self.faults


def hand_written(make_model: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module,
                 epochs: int, batch_size: int, seed: int = 0) -> Run:
    """Exactly the loop from the course notebook."""
    torch.manual_seed(seed)
    model = make_model()
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    with Clock() as clock:
        for _epoch in range(epochs):
            for xb, yb in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
    return Run(clock.wall, clock.cpu, model, faults=clock.faults)


def bare_loop(make_model: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module,
              epochs: int, batch_size: int, seed: int = 0) -> Run:
    """The floor: index-batched tensors, no DataLoader, no metrics, events or guards."""
    torch.manual_seed(seed)
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(seed)
    with Clock() as clock:
        for _epoch in range(epochs):
            for index in torch.randperm(len(x), generator=generator).split(batch_size):
                optimizer.zero_grad()
                loss = loss_fn(model(x.index_select(0, index)), y.index_select(0, index))
                loss.backward()
                optimizer.step()
    return Run(clock.wall, clock.cpu, model, faults=clock.faults)


class ProbeTimer(Callback):
    """Sums the time the engine spends capturing probes (wraps the recorder at run start)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def on_run_start(self, trainer: Trainer, plan: object) -> None:
        if trainer.probes is None:
            return
        capture = trainer.probes.capture

        def timed(*args: object) -> object:
            start = time.perf_counter()
            try:
                return capture(*args)
            finally:
                self.seconds += time.perf_counter() - start
        trainer.probes.capture = timed  # type: ignore[method-assign]


def engine(make_model: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor, loss: str, epochs: int,
           batch_size: int, probe_every: int | None = None, seed: int = 0) -> Run:
    """The same work through :class:`Trainer` (no validation split, so no validation pass)."""
    torch.manual_seed(seed)
    model = make_model()
    task = "regression" if loss == "MSELoss" else "classification"
    bundle = DataBundle("bench", task, [InputInfo(tuple(x.shape[1:]))], TensorSplit((x,), y), None, None)
    config = TrainingConfig.from_dict({"loss": loss, "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": epochs,
                                       "batch_size": batch_size, "device": "cpu", "seed": seed})
    timer = ProbeTimer()
    trainer = Trainer(model, bundle, config, [timer], probe_every=probe_every)
    trainer.setup()  # device, data transfer and optimizer construction are not part of the loop time
    with Clock() as clock:
        trainer.run()
    return Run(clock.wall, clock.cpu, model, timer.seconds, clock.faults)


def final_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module) -> float:
    with torch.no_grad():
        return loss_fn(model(x), y).item()


@dataclass
class Race:
    """Runs of several variants, interleaved over rounds."""

    runs: dict[str, list[Run]] = field(default_factory=dict)

    def ratios(self, top: str, bottom: str, what: str = "wall") -> list[float]:
        return [getattr(a, what) / getattr(b, what) for a, b in zip(self.runs[top], self.runs[bottom])]


def race(rounds: int, variants: dict[str, Callable[[int], Run]]) -> Race:
    """Each round runs every variant once with seed = round; the order rotates so no variant always goes first."""
    result = Race({name: [] for name in variants})
    names = list(variants)
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            result.runs[name].append(variants[name](r))
    return result


def spread(values: list[float], fmt: str = ".3f") -> str:
    return f"{statistics.median(values):{fmt}} [{min(values):{fmt}}–{max(values):{fmt}}]"


def report_times(title: str, result: Race) -> None:
    print(title)
    for name, runs in result.runs.items():
        print(f"  {name:<12} wall {spread([r.wall for r in runs])} s   cpu {spread([r.cpu for r in runs])} s   "
              f"page faults {spread([float(r.faults) for r in runs], '.0f')}")


def report_ratio(label: str, result: Race, top: str, bottom: str, goal: float) -> None:
    wall, cpu = result.ratios(top, bottom), result.ratios(top, bottom, "cpu")
    verdict = "met" if statistics.median(wall) <= goal else "NOT met"
    print(f"  {label}: wall {spread(wall)}, cpu {spread(cpu)} (median [min–max] of per-round ratios; "
          f"goal ≤ {goal}: {verdict} on the wall median)")


def report_losses(result: Race, names: list[str], x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module) -> None:
    shown = ", ".join(f"{name} {spread([final_loss(r.model, x, y, loss_fn) for r in result.runs[name]], '.4f')}"
                      for name in names)
    print(f"  final loss on the training set, median [min–max] over the rounds' seeds: {shown}")


def peak_child(variant: str) -> None:
    """One epoch of the 784-1000-10 MLP with Adam, batch 64, then print this process's peak RSS (MB)."""
    torch.set_num_threads(1)
    x, y = wide_data()
    torch.manual_seed(0)
    model = WideMLP()
    if variant == "hand":
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        for xb, yb in DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True):
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
    else:
        bundle = DataBundle("bench", "classification", [InputInfo(tuple(x.shape[1:]))], TensorSplit((x,), y),
                            None, None)
        config = TrainingConfig.from_dict({"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 1e-3},
                                           "epochs": 1, "batch_size": 64, "device": "cpu", "seed": 0})
        Trainer(model, bundle, config).run()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # Linux: KiB


def peak_memory(repeats: int) -> None:
    import subprocess
    import sys

    peaks: dict[str, list[float]] = {"engine": [], "hand": []}
    for r in range(repeats):
        for variant in (("engine", "hand") if r % 2 == 0 else ("hand", "engine")):
            out = subprocess.run([sys.executable, __file__, "--peak-child", variant], check=True,
                                 capture_output=True, text=True).stdout
            peaks[variant].append(float(out.split()[-1]))
    print(f"peak memory, 784-1000-10 MLP, 20,000 samples, Adam, batch 64, 1 epoch, {repeats} rounds (fresh processes):")
    for name, values in peaks.items():
        print(f"  {name:>7}: median {statistics.median(values):.0f} MB (min {min(values):.0f}, max {max(values):.0f})")
    ratios = [e / h for e, h in zip(peaks["engine"], peaks["hand"])]
    print(f"  engine / hand loop: median {statistics.median(ratios):.3f} ({spread(ratios)}); goal <= 1.05")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="interleaved rounds per case")
    parser.add_argument("--memory", action="store_true", help="only the peak-memory comparison")
    parser.add_argument("--peak-child", choices=("engine", "hand"), help=argparse.SUPPRESS)
    parser.add_argument("--wide-epochs", type=int, default=1)
    parser.add_argument("--probe-every", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (all loops)")
    args = parser.parse_args()
    if args.peak_child:
        peak_child(args.peak_child)
        return
    if args.memory:
        peak_memory(args.repeats)
        return
    mse, ce = nn.MSELoss(), nn.CrossEntropyLoss()
    torch.set_num_threads(args.threads)
    engine(SimpleMLP, *seed_data(), "MSELoss", 1, 32)  # warm-up: lazy torch imports, allocator

    x, y = seed_data()
    seed = race(args.repeats, {
        "hand-written": lambda s: hand_written(SimpleMLP, x, y, mse, 100, 32, s),
        "bare loop": lambda s: bare_loop(SimpleMLP, x, y, mse, 100, 32, s),
        "engine": lambda s: engine(SimpleMLP, x, y, "MSELoss", 100, 32, seed=s)})
    report_times(f"seed MLP 2-20-10-1, 100 samples, 100 epochs, batch 32, SGD 0.01, {args.repeats} rounds:", seed)
    report_ratio("engine / hand-written", seed, "engine", "hand-written", 0.75)
    report_ratio("bare loop / hand-written (floor)", seed, "bare loop", "hand-written", 0.75)
    report_losses(seed, ["hand-written", "engine"], x, y, mse)

    x, y = wide_data()
    e, every = args.wide_epochs, args.probe_every
    wide = race(args.repeats, {
        "hand-written": lambda s: hand_written(WideMLP, x, y, ce, e, 32, s),
        "bare loop": lambda s: bare_loop(WideMLP, x, y, ce, e, 32, s),
        "engine": lambda s: engine(WideMLP, x, y, "CrossEntropyLoss", e, 32, seed=s),
        "probes on": lambda s: engine(WideMLP, x, y, "CrossEntropyLoss", e, 32, probe_every=every, seed=s)})
    report_times(f"784-1000-10 MLP, 20,000 samples, {e} epoch(s), batch 32, SGD 0.01, {args.repeats} rounds:", wide)
    report_ratio("engine / hand-written", wide, "engine", "hand-written", 0.75)
    report_ratio("bare loop / hand-written (floor)", wide, "bare loop", "hand-written", 0.75)
    report_losses(wide, ["hand-written", "engine"], x, y, ce)
    report_ratio(f"probes every {every} steps, on / off", wide, "probes on", "engine", 1.05)
    share = [r.probe_seconds / r.wall for r in wide.runs["probes on"]]
    print(f"  time inside probe captures / run time (same runs, immune to between-run noise): {spread(share)}")
    peak_memory(args.repeats)


if __name__ == "__main__":
    main()
