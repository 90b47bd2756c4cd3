"""The wheel carries the examples and the shipped weights as package data, found through package_data."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nnbuilder.package_data import example_files, examples_dir, resources_dir

ROOT = Path(__file__).resolve().parents[2]


def test_locator_finds_the_examples_and_weights_inside_the_package() -> None:
    package = Path(__import__("nnbuilder").__file__).parent
    assert examples_dir() == package / "examples" and resources_dir() == package / "resources"
    assert {"seed_regression", "transfer_learning"} <= {p.stem for p in example_files()}
    assert (resources_dir() / "shapes28_shufflenet_v2_x0_5.safetensors").is_file()


@pytest.mark.slow
def test_wheel_contains_every_example_and_the_shipped_weights(tmp_path: Path) -> None:
    pytest.importorskip("build")
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
                             str(ROOT)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    [wheel] = tmp_path.glob("nnbuilder-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"nnbuilder/examples/{p.name}" for p in example_files()}
    shipped |= {f"nnbuilder/resources/{p.name}" for p in resources_dir().iterdir() if p.is_file()}
    assert len(shipped) > 10 and shipped <= names, sorted(shipped - names)
    assert "nnbuilder/package_data.py" in names
