"""ResNet-18 from a repeated BasicBlock: torchvision's parameter count, state-dict keys and outputs."""
from __future__ import annotations

import pytest
import torch

from nnbuilder.analysis import analyze
from nnbuilder.compile import compile_graph
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir

torchvision = pytest.importorskip("torchvision")
EXAMPLE = examples_dir() / "resnet18_blocks.nnb"


def _project(classes: int):
    project = load_project(EXAMPLE)
    project.graph.node("fc").params["out_features"] = classes
    return project


def test_the_example_is_resnet18_in_at_most_20_top_level_nodes() -> None:
    project = load_project(EXAMPLE)
    assert len(project.graph) <= 20
    assert sum(n.type == "Block" for n in project.graph.nodes) == 4
    assert set(project.graph.extra["blocks"]) == {"BasicBlock", "DownBlock"}


def test_parameter_count_equals_torchvision_resnet18_exactly() -> None:
    analysis = analyze(_project(1000).graph)
    assert analysis.valid, [i.text() for i in analysis.issues]
    reference = sum(p.numel() for p in torchvision.models.resnet18().parameters())
    assert reference == 11_689_512
    assert analysis.total_params == reference
    # per block node: the sum of its copies, equal to torchvision's stage
    stage = sum(p.numel() for p in torchvision.models.resnet18().layer3.parameters())
    assert analysis.nodes["layer3"].param_count == stage
    copies = analysis.copies["layer3"]
    assert [c.block for c in copies] == ["DownBlock", "BasicBlock"]
    assert [c.output_shape for c in copies] == [(256, 2, 2), (256, 2, 2)]
    assert copies[0].input_shapes == [(128, 4, 4)]


@pytest.mark.slow
@pytest.mark.parametrize("classes", [1000, 10])
def test_torchvision_state_dict_loads_strictly_and_outputs_are_equal(classes: int) -> None:
    compiled = compile_graph(_project(classes).graph, "ResNet-18 from blocks")
    source = compiled.source
    assert "class BasicBlock(nn.Module):" in source and "class DownBlock(nn.Module):" in source
    assert "self.layer1 = nn.Sequential(BasicBlock(), BasicBlock())" in source
    model = compiled.build()
    torch.manual_seed(0)
    reference = torchvision.models.resnet18(num_classes=classes).eval()
    model.load_state_dict(reference.state_dict(), strict=True)
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x), rtol=0, atol=1e-6)
    assert list(model.state_dict()) == list(reference.state_dict()) or \
        sorted(model.state_dict()) == sorted(reference.state_dict())


@pytest.mark.slow
def test_the_exported_file_is_standalone_and_the_compiled_source(tmp_path) -> None:
    import subprocess
    import sys

    from nnbuilder.cli import main

    out = tmp_path / "model.py"
    assert main(["export", str(EXAMPLE), "-o", str(out)]) == 0
    text = out.read_text()
    assert "nnbuilder" not in "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    run = subprocess.run([sys.executable, "-c", f"import runpy; runpy.run_path({str(out)!r}, run_name='__main__')"],
                         check=False, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "torch.Size([4, 10])" in run.stdout
