"""ONNX export: every example whose layers ONNX expresses agrees with onnxruntime; the others name the layer."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import nnbuilder
from nnbuilder.cli import main
from nnbuilder.export.onnx_export import OnnxExportError, export_onnx

ort = pytest.importorskip("onnxruntime")

EXAMPLES = Path(__file__).resolve().parents[2] / "nnbuilder" / "examples"
UNSUPPORTED = {name: "layer 'encoder' (TransformerEncoderLayer)"  # eval fast path: no ONNX op
               for name in ("attention_classifier", "attention_no_position", "attention_learned_position")}
SUPPORTED = sorted(p.stem for p in EXAMPLES.glob("*.nnb") if p.stem not in UNSUPPORTED)


@pytest.mark.slow
@pytest.mark.parametrize("name", SUPPORTED)
def test_example_exports_to_onnx_and_onnxruntime_agrees(name: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"{name}.onnx"
    assert main(["export", str(EXAMPLES / f"{name}.nnb"), "-o", str(out)]) == 0
    assert "onnxruntime agrees" in capsys.readouterr().out
    model = nnbuilder.load_model(EXAMPLES / f"{name}.nnb").eval()
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    feeds, inputs = {}, []
    for spec in session.get_inputs():
        shape = [3, *spec.shape[1:]]  # another batch size than the export's
        tensor = torch.zeros(shape, dtype=torch.long) if "int64" in spec.type else torch.rand(shape) * 4 - 2
        feeds[spec.name] = tensor.numpy()
        inputs.append(tensor)
    with torch.no_grad():
        expected = model(*inputs)
    got = torch.from_numpy(session.run(None, feeds)[0])
    assert torch.allclose(got, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.slow
def test_run_folder_exports_the_trained_predictor(tmp_path: Path) -> None:
    nnbuilder.train(EXAMPLES / "seed_regression.nnb", epochs=3, out=tmp_path / "run")
    report = export_onnx(tmp_path / "run", tmp_path / "run.onnx")
    assert report.source == "run"
    run = nnbuilder.load_run(tmp_path / "run")
    raw = torch.rand(7, 2) * 2 - 1
    session = ort.InferenceSession(str(tmp_path / "run.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {report.inputs[0]: raw.numpy()})[0]
    assert torch.allclose(torch.from_numpy(got), run.predict(raw), atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_a_layer_onnx_cannot_express_is_named(name: str, tmp_path: Path) -> None:
    with pytest.raises(OnnxExportError, match=rf"ONNX cannot express {re.escape(UNSUPPORTED[name])}: .*PyTorch"):
        export_onnx(EXAMPLES / f"{name}.nnb", tmp_path / "m.onnx")


def test_unknown_extension_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(EXAMPLES / "seed_regression.nnb"), "-o", str(tmp_path / "m.h5")]) == 2
    assert "FILE.onnx" in capsys.readouterr().err
