"""The core is Qt-free: importing any non-app module never loads PySide6 or pyqtgraph."""
from __future__ import annotations

import pkgutil
import subprocess
import sys

import nnbuilder


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(nnbuilder.__path__, "nnbuilder."):
        if not info.name.startswith("nnbuilder.app") and not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def test_core_never_imports_qt() -> None:
    modules = core_modules()
    assert "nnbuilder.analysis.shapes" in modules and "nnbuilder.cli" in modules
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))\n"
            "print(bad)\n"
            "sys.exit(1 if bad else 0)\n")
    result = subprocess.run(check=False, args=[sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
