"""ONNX export of the predictor (preprocessing included), checked against onnxruntime.

``export_onnx`` takes a project (its module with the preprocessing fitted, untrained) or a run
folder (the trained weights); the batch dimension stays dynamic.  After writing, onnxruntime runs
the file on the same inputs as torch and the outputs must agree to ``TOLERANCE``.  A layer the
exporter cannot express is named in the message.
"""
from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

TOLERANCE = 1e-5


class OnnxExportError(ValueError):
    """The model cannot be written as ONNX (or its check failed); the message names the layer or the step."""


@dataclass
class OnnxReport:
    path: Path
    max_difference: float
    inputs: list[str]
    source: str  # "project" (untrained) or "run" (trained weights)


def _model_and_inputs(source: str | os.PathLike[str]) -> tuple[nn.Module, list[torch.Tensor], list[str], str]:
    """The module to export, example inputs (raw units, batch 2) and their argument names."""
    path = Path(source)
    if path.is_dir():
        from nnbuilder.api import load_run

        run = load_run(path)
        specs = run.info.get("inputs") or []
        return run.model, [_example(s["shape"], s["dtype"], i) for i, s in enumerate(specs)], \
            [s["argument"] for s in specs], "run"
    from nnbuilder.graph.project import load_project
    from nnbuilder.pipeline import prepare

    prepared = prepare(load_project(path))
    st = prepared.compiled.analysis.structure
    nodes = [n for n in st.specs if st.specs[n].type == "Input"]
    inputs = [_example(info.shape, info.dtype, i) for i, info in enumerate(prepared.bundle.inputs)]
    return prepared.model.eval(), inputs, [prepared.compiled.code.attr_of[n] for n in nodes], "project"


def _example(shape: Any, dtype: str, index: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(index)
    if dtype == "int64":
        return torch.zeros((2, *shape), dtype=torch.long)  # category 0 exists in every embedding
    return torch.rand((2, *shape), generator=generator) * 2 - 1


def export_onnx(source: str | os.PathLike[str], output: str | os.PathLike[str]) -> OnnxReport:
    """Write ``source``'s predictor (project file or run folder) to ``output`` and check it with onnxruntime."""
    try:
        import onnxruntime  # noqa: F401 - checked before the slow export
    except ImportError:
        raise OnnxExportError("ONNX export needs onnx and onnxruntime: pip install 'nnbuilder[onnx]'") from None
    model, inputs, names, kind = _model_and_inputs(source)
    model.eval()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write(model, inputs, names, output)
    except Exception as exc:  # noqa: BLE001 - the exporter raises many types: name the layer instead
        raise OnnxExportError(_unsupported_message(model, inputs, exc)) from None
    difference = check_with_onnxruntime(model, inputs, names, output)
    return OnnxReport(output, difference, names, kind)


def _write(model: nn.Module, inputs: list[torch.Tensor], names: list[str], output: Path) -> None:
    batch = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(inputs), str(output), input_names=names, output_names=["output"],
                          dynamic_axes={**{n: batch for n in names}, "output": batch}, dynamo=False,
                          opset_version=17)


def check_with_onnxruntime(model: nn.Module, inputs: list[torch.Tensor], names: list[str], path: Path) -> float:
    """Largest absolute difference between torch and onnxruntime on ``inputs`` (and 3 more samples)."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    batches = [inputs, [torch.cat([t, t[:1]]) for t in inputs]]  # a second batch size: the batch axis is dynamic
    worst = 0.0
    for batch in batches:
        with torch.no_grad():
            expected = model(*batch)
        got = session.run(None, {n: t.numpy() for n, t in zip(names, batch)})[0]
        difference = (torch.from_numpy(got) - expected.float()).abs().max().item()
        scale = max(1.0, expected.abs().max().item())
        if difference > TOLERANCE * scale:
            raise OnnxExportError(f"{path}: onnxruntime's outputs differ from torch's by {difference:.3g} "
                                  f"(allowed {TOLERANCE * scale:.3g}); the ONNX file is not trustworthy")
        worst = max(worst, difference)
    return worst


def _unsupported_message(model: nn.Module, inputs: list[torch.Tensor], exc: Exception) -> str:
    """Find the first layer that cannot be exported on its own and name it (type and attribute)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    culprit = None
    records: list[tuple[str, nn.Module, tuple]] = []
    hooks = [m.register_forward_hook(lambda mod, args, out, name=name: records.append((name, mod, args)))
             for name, m in model.named_children()]
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for hook in hooks:
            hook.remove()
    for name, module, args in records:
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                torch.onnx.export(module, args, io.BytesIO(), dynamo=False, opset_version=17)
        except Exception:  # noqa: BLE001 - this is the layer we are looking for
            culprit = f"layer '{name}' ({type(module).__name__})"
            break
    where = culprit or "the model"
    return (f"ONNX cannot express {where}: {first}. Replace that layer, or share the model as model.py + "
            "weights.safetensors (PyTorch) instead.")
