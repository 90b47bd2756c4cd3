"""Start-up cost of the CLI: ``nnbuilder validate`` of the seed example vs ``python -c "import torch"``.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--repeats N]`` (N ≥ 7).  The two commands run interleaved
(the order alternates every round) as fresh processes, so load from other processes hits both; printed:
each command's median wall time with its min–max, and the median and min–max of the per-round ratio, for
wall time and for CPU time (user + system of the child, from ``getrusage``: far less disturbed when other
processes share the cores).
Goal: validate / import torch ≤ 1.25 (shape inference must not pay for importing ``torch._dynamo``).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "nnbuilder" / "examples" / "seed_regression.nnb"
COMMANDS = {"validate": [sys.executable, "-m", "nnbuilder", "validate", str(SEED)],
            "import torch": [sys.executable, "-c", "import torch"]}


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start, cpu = time.perf_counter(), cpu_children()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - start, cpu_children() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds (each runs both commands once)")
    args = parser.parse_args()
    for command in COMMANDS.values():  # warm the file cache
        timed(command)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for r in range(args.repeats):
        for name in (list(COMMANDS) if r % 2 == 0 else list(reversed(COMMANDS))):
            runs[name].append(timed(COMMANDS[name]))
    for i, what in enumerate(("wall", "CPU")):
        for name, values in runs.items():
            v = [run[i] for run in values]
            print(f"{what:>4} {name:>12}: median {statistics.median(v):.2f} s (min {min(v):.2f}, max {max(v):.2f})")
        ratios = [a[i] / b[i] for a, b in zip(runs["validate"], runs["import torch"])]
        print(f"{what:>4} validate / import torch: median {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f}) over {args.repeats} rounds; goal <= 1.25")


if __name__ == "__main__":
    main()
