"""Start-up cost of the CLI: ``nnbuilder validate`` of the seed example vs ``python -c "import torch"``.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--repeats N]`` (N ≥ 7).  The two commands run interleaved
(the order alternates every round) as fresh processes, so load from other processes hits both; printed:
each command's median wall time with its min–max, and the median and min–max of the per-round ratio.
Goal: validate / import torch ≤ 1.25 (shape inference must not pay for importing ``torch._dynamo``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "nnbuilder" / "examples" / "seed_regression.nnb"
COMMANDS = {"validate": [sys.executable, "-m", "nnbuilder", "validate", str(SEED)],
            "import torch": [sys.executable, "-c", "import torch"]}


def timed(command: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds (each runs both commands once)")
    args = parser.parse_args()
    for command in COMMANDS.values():  # warm the file cache
        timed(command)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for r in range(args.repeats):
        for name in (list(COMMANDS) if r % 2 == 0 else list(reversed(COMMANDS))):
            times[name].append(timed(COMMANDS[name]))
    for name, values in times.items():
        print(f"{name:>12}: median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})")
    ratios = [v / t for v, t in zip(times["validate"], times["import torch"])]
    print(f"validate / import torch: median {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f}) over {args.repeats} rounds; goal <= 1.25")


if __name__ == "__main__":
    main()
