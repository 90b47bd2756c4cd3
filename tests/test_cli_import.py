"""``nnbuilder import``: any torchvision classification model, constructor arguments, --shape required for
files, nothing written when the result would not open or load the source's weights."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
import torchvision

from nnbuilder.cli import main

NET = ("import torch\nfrom torch import nn\n\n\n"
       "class Net(nn.Module):\n"
       "    def __init__(self, width=4):\n"
       "        super().__init__()\n"
       "        self.emb = nn.Embedding(10, width)\n"
       "        self.fc = nn.Linear(width, 2)\n\n"
       "    def forward(self, ids):\n"
       "        return self.fc(self.emb(ids).mean(1))\n")


def test_import_with_constructor_arguments_exports_a_strictly_loading_module(tmp_path: Path) -> None:
    out = tmp_path / "sq.nnb"
    assert main(["import", "squeezenet1_1", "--arg", "num_classes=7", "--shape", "3", "64", "64", "-o", str(out)]) == 0
    py = tmp_path / "sq.py"
    assert main(["export", str(out), "-o", str(py)]) == 0
    spec = importlib.util.spec_from_file_location("sq_export", py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exported = next(v for k, v in vars(module).items() if isinstance(v, type) and issubclass(v, torch.nn.Module)
                    and v.__module__ == "sq_export")()
    original = torchvision.models.squeezenet1_1(num_classes=7).eval()
    exported.load_state_dict(original.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(exported.eval()(x), original(x))


def test_file_import_needs_shape_and_takes_dtype(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "net.py"
    source.write_text(NET)
    out = tmp_path / "net.nnb"
    assert main(["import", f"{source}:Net", "-o", str(out)]) == 1
    assert "--shape" in capsys.readouterr().err and not out.exists()
    assert main(["import", f"{source}:Net", "-o", str(out), "--shape", "5", "--dtype", "int64",
                 "--arg", "width=3"]) == 0
    assert main(["validate", str(out)]) == 0


def test_refused_imports_write_nothing_and_name_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.nnb"
    assert main(["import", "googlenet", "--arg", "init_weights=False", "--shape", "3", "64", "64", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "aux_logits=False" in err and " at 0x" not in err and not out.exists()
    assert main(["import", "resnet18", "--arg", "nonsense", "-o", str(out)]) == 2
