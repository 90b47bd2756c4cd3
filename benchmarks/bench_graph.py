"""Validate + shape-infer + codegen timings for 30- and 300-node graphs, and train-step parity.

Goals (issue 2): 300 nodes validate+infer < 20 ms, compile (codegen + exec) < 100 ms, and the compiled
model's train step / the equivalent hand-written module <= 1.02.  Run: python benchmarks/bench_graph.py
"""
from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from graphs import HandWritten, residual_mlp

from nnbuilder.analysis import (
    analyze,
    shapes,
)
from nnbuilder.compile import compile_graph
from nnbuilder.compile.codegen import generate


def timed(fn, repeat: int, setup=None) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    samples = []
    for _ in range(repeat):
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def train_step_ratio(n_nodes: int, steps: int = 60, rounds: int = 7) -> tuple[float, float, float]:
    """Median ms per SGD step of the compiled model and the hand-written one (interleaved rounds)."""
    torch.manual_seed(0)
    compiled = compile_graph(residual_mlp(n_nodes), "bench").build()
    hand = HandWritten(n_nodes)
    x, y = torch.randn(64, 64), torch.randint(0, 10, (64,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def run(model: torch.nn.Module) -> float:
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
        return (time.perf_counter() - t0) * 1000 / steps

    run(compiled), run(hand)  # warm up
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(run(compiled))
        theirs.append(run(hand))
    a, b = statistics.median(ours), statistics.median(theirs)
    return a, b, a / b


def main() -> None:
    torch.set_num_threads(1)
    analyze(residual_mlp(30))  # first-use cost of torch's meta kernels, paid once per process
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s), "
          f"python {platform.python_version()}, torch {torch.__version__}")
    figures = {}
    for n in (30, 300):
        doc = residual_mlp(n)
        analysis = analyze(doc)
        cold = timed(lambda d=doc: analyze(d), 15, setup=shapes._CACHE.clear)
        warm = timed(lambda d=doc: analyze(d), 15)
        gen = timed(lambda d=doc, a=analysis: generate(d, a, "bench"), 15)
        comp = timed(lambda d=doc: compile_graph(d, "bench"), 15, setup=shapes._CACHE.clear)
        print(f"{len(doc):4d} nodes: validate+infer {cold:6.2f} ms (fresh cache) {warm:6.2f} ms (warm cache); "
              f"codegen {gen:6.2f} ms; full compile (validate+infer+codegen+exec) {comp:6.2f} ms")
        figures[n] = (cold, warm, comp)
    ours, theirs, ratio = train_step_ratio(300)
    print(f"train step, 300-node residual MLP, batch 64: compiled {ours:.3f} ms, hand-written {theirs:.3f} ms")
    cold, warm, comp = figures[300]
    print(f"validate_infer_300_ms={cold:.2f} validate_infer_300_warm_ms={warm:.2f} compile_300_ms={comp:.2f} "
          f"train_step_ratio={ratio:.3f}")


if __name__ == "__main__":
    main()
