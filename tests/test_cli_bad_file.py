"""A project file that cannot be read is reported before torch is imported (it took 5-9 s per call)."""
from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("args", [["validate", "BAD"], ["validate", "BAD", "--json"], ["export", "BAD", "-o", "m.py"],
                                  ["train", "BAD"]])
@pytest.mark.parametrize("content", ["{ not json", '{"format": "nnbuilder-project", "version": 1, "graph": 3}'])
def test_bad_project_file_fails_without_importing_torch(tmp_path, args, content):
    bad = tmp_path / "bad.nnb"
    bad.write_text(content)
    argv = [str(bad) if a == "BAD" else a for a in args]
    code = ("import sys\nfrom nnbuilder.cli import main\n"
            f"rc = main({argv!r})\n"
            "print('RESULT', rc, 'torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, check=False)
    assert done.stdout.splitlines()[-1] == "RESULT 1 False", done.stdout + done.stderr
    assert str(bad) in done.stderr or "bad.nnb" in done.stderr, done.stderr
