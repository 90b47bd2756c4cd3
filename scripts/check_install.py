"""Check an installed nnbuilder (a wheel in a fresh venv) from a folder outside the source checkout.

Run with the installed interpreter, e.g. ``.venv-wheel/bin/python scripts/check_install.py --checkout .``
(``.ci/run`` does).  It checks that ``nnbuilder`` is imported from the install, that the app's example
discovery lists the shipped examples, then runs ``nnbuilder validate`` and a 1-epoch ``nnbuilder train`` of
every example through the console script.  Training uses a copy of each example with a 200-sample slice of
its built-in data (as ``tests/test_examples.py`` does) so that the check stays short; the copy keeps the
example's graph, weights references (``resource:...``) and training settings.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REQUIRED = {"seed_regression", "transfer_learning", "mnist_mlp"}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def check(checkout: Path, work: Path) -> list[str]:
    """Every failure as a sentence; an empty list when the install works."""
    import nnbuilder

    failures: list[str] = []
    where = Path(nnbuilder.__file__).resolve()
    if checkout.resolve() in where.parents:
        return [f"nnbuilder was imported from the checkout ({where}), not from the install"]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from nnbuilder.app.window.files import example_files  # the app's own discovery (File > Examples)

    examples = example_files()
    names = {p.stem for p in examples}
    if not REQUIRED <= names:
        failures.append(f"example discovery found {sorted(names)}; missing {sorted(REQUIRED - names)}")
    print(f"nnbuilder {nnbuilder.__version__} from {where.parent}: {len(examples)} examples")
    script = Path(sys.executable).with_name("nnbuilder")
    for path in examples:
        start = time.perf_counter()
        validated = run([str(script), "validate", str(path)], work)
        if validated.returncode != 0:
            failures.append(f"validate {path.name}: rc {validated.returncode}: {validated.stderr.strip()[-400:]}")
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        params = data.setdefault("data", {}).setdefault("params", {})
        params["n_ratings" if data["data"].get("dataset") == "ratings" else "n_samples"] = 200
        small = work / path.name
        small.write_text(json.dumps(data), encoding="utf-8")
        out = work / f"run-{path.stem}"
        trained = run([str(script), "train", str(small), "--epochs", "1", "--out", str(out)], work)
        if trained.returncode != 0 or not (out / "weights.safetensors").is_file():
            failures.append(f"train {path.name}: rc {trained.returncode}: {trained.stderr.strip()[-400:]}")
            continue
        print(f"  {path.stem}: validate + 1-epoch train ok ({time.perf_counter() - start:.1f} s)")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, required=True, help="the source checkout nnbuilder must NOT come from")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnbuilder-install-") as tmp:
        os.chdir(tmp)
        failures = check(args.checkout, Path(tmp))
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print("install check: " + ("ok" if not failures else f"{len(failures)} failure(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
