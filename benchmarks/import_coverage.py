"""How many torchvision classification models and fixed timm models import exactly.

    PYTHONPATH=. python benchmarks/import_coverage.py [--torchvision] [--timm] [--only NAME ...]

Each model: import → validate → compile → strict load of the source's state dict → identical outputs in
eval mode (batch 1, 3×64×64 unless the model needs its native size).  Prints one line per model and the
fractions.
"""
from __future__ import annotations

import argparse
import sys
import time

import torch

from nnbuilder.backbones.coverage import TIMM_MODELS, check_model
from nnbuilder.backbones.sources import torchvision_names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torchvision", action="store_true")
    parser.add_argument("--timm", action="store_true")
    parser.add_argument("--only", nargs="+", default=None)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    groups = {}
    if args.only:
        groups["selected"] = args.only
    else:
        if args.torchvision or not args.timm:
            groups["torchvision"] = torchvision_names()
        if args.timm or not args.torchvision:
            groups["timm"] = [f"timm:{n}" for n in TIMM_MODELS]
    for group, names in groups.items():
        passed = 0
        for name in names:
            start = time.perf_counter()
            outcome = check_model(name)
            passed += outcome.ok
            status = "ok  " if outcome.ok else "FAIL"
            print(f"{status} {name} ({time.perf_counter() - start:.1f} s){'' if outcome.ok else ': ' + outcome.message[:300]}",
                  flush=True)
        print(f"{group}: {passed}/{len(names)} = {passed / len(names):.1%} import exactly", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
