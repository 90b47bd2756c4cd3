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
from graphs import HandWritten, idiomatic, residual_mlp

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


def train_step_times(n_nodes: int, steps: int = 40, rounds: int = 25) -> dict[str, float]:
    """Median ms per SGD step: the compiled model and two hand-written equivalents (interleaved rounds)."""
    torch.manual_seed(0)
    models = {"compiled": compile_graph(residual_mlp(n_nodes), "bench").build(),
              "blocks": idiomatic(n_nodes), "loop": HandWritten(n_nodes)}
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

    for model in models.values():
        run(model)  # warm up
    samples: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(rounds):
        for name, model in models.items():
            samples[name].append(run(model))
    return {k: statistics.median(v) for k, v in samples.items()}


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
    t = train_step_times(300)
    print(f"train step, 300-node residual MLP (width 64, batch 64, SGD): compiled {t['compiled']:.3f} ms; "
          f"hand-written as nn.Sequential of Block modules {t['blocks']:.3f} ms; "
          f"hand-written as one loop over ModuleLists {t['loop']:.3f} ms")
    cold, warm, comp = figures[300]
    print(f"validate_infer_300_ms={cold:.2f} validate_infer_300_warm_ms={warm:.2f} compile_300_ms={comp:.2f} "
          f"train_step_ratio_vs_blocks={t['compiled'] / t['blocks']:.3f} "
          f"train_step_ratio_vs_loop={t['compiled'] / t['loop']:.3f}")


if __name__ == "__main__":
    main()
