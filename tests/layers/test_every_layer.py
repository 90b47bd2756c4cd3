"""Every registered layer: builds, meta shapes equal a real forward, exports, round-trips bit-identically."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from nnbuilder.analysis import analyze
from nnbuilder.compile import compile_graph, write_source
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.layers import registry

# Per type: (input shape, input dtype, params). Types missing here get ((8,), float32, {}).
SAMPLES: dict[str, list[tuple[tuple[int, ...], str, dict[str, Any]]]] = {
    "Conv1d": [((4, 16), "float32", {"out_channels": 5, "kernel_size": 3, "padding": "same"})],
    "Conv2d": [((3, 12, 12), "float32", {"out_channels": 4, "kernel_size": [3, 5], "stride": 2}),
               ((3, 12, 12), "float32", {"out_channels": 6, "kernel_size": 3, "groups": 3, "bias": False})],
    "MaxPool1d": [((4, 16), "float32", {})], "AvgPool1d": [((4, 16), "float32", {"kernel_size": 3, "stride": 1})],
    "AdaptiveAvgPool1d": [((4, 16), "float32", {"output_size": 3})],
    "AdaptiveMaxPool1d": [((4, 16), "float32", {"output_size": 3})],
    "MaxPool2d": [((3, 12, 12), "float32", {"kernel_size": 3, "stride": 2, "ceil_mode": True})],
    "AvgPool2d": [((3, 12, 12), "float32", {})],
    "AdaptiveAvgPool2d": [((3, 12, 12), "float32", {"output_size": [2, 3]})],
    "AdaptiveMaxPool2d": [((3, 12, 12), "float32", {})],
    "BatchNorm1d": [((8,), "float32", {}), ((4, 16), "float32", {"momentum": None})],
    "BatchNorm2d": [((3, 12, 12), "float32", {})],
    "Dropout2d": [((3, 12, 12), "float32", {"p": 0.2})],
    "LayerNorm": [((6, 8), "float32", {})],
    "Flatten": [((3, 4, 4), "float32", {})],
    "Unflatten": [((12,), "float32", {"unflattened_size": [3, 4]})],
    "Reshape": [((12,), "float32", {"shape": [2, 6]})],
    "Transpose": [((3, 4), "float32", {})],
    "Slice": [((8,), "float32", {"start": 2, "length": 3})],
    "Embedding": [((5,), "int64", {"num_embeddings": 10, "embedding_dim": 3})],
    "OneHot": [((5,), "int64", {"num_classes": 10}), ((2, 3), "int64", {"num_classes": 12})],
    "ToFloat": [((5,), "int64", {})],
    "RNN": [((6, 4), "float32", {"hidden_size": 5, "output": o, "nonlinearity": "relu"}) for o in
            ("sequence", "last", "hidden")],
    "LSTM": [((6, 4), "float32", {"hidden_size": 5, "output": o, "num_layers": 2}) for o in
             ("sequence", "last", "hidden")] + [((6, 4), "float32", {"hidden_size": 5, "bidirectional": True})],
    "GRU": [((6, 4), "float32", {"hidden_size": 5, "output": o}) for o in ("sequence", "last", "hidden")],
    "MultiheadAttention": [((6, 8), "float32", {"num_heads": 2})],
    "PositionalEncoding": [((6, 8), "float32", {"kind": "learned"}), ((6, 7), "float32", {"kind": "sinusoidal"}),
                           ((6, 8), "float32", {"kind": "sinusoidal", "max_len": 10})],
    "TransformerEncoderLayer": [((6, 8), "float32", {"nhead": 2, "dim_feedforward": 16, "dropout": 0.0})],
    "Concat": [((8,), "float32", {"inputs": 3})],
    "Softmax": [((8,), "float32", {"dim": -1})],
    "Linear": [((8,), "float32", {"out_features": 3}), ((6, 8), "float32", {"out_features": 2, "bias": False})],
    "GroupNorm": [((4, 6, 6), "float32", {"num_groups": 2})],
    "InstanceNorm1d": [((4, 16), "float32", {"affine": True})],
    "InstanceNorm2d": [((3, 8, 8), "float32", {})],
    "ZeroPad2d": [((3, 6, 6), "float32", {"padding": [1, 2, 0, 1]})],
    "ReflectionPad2d": [((3, 6, 6), "float32", {})], "ReplicationPad2d": [((3, 6, 6), "float32", {})],
    "Upsample": [((3, 6, 6), "float32", {"mode": "bilinear"})],
    "PixelShuffle": [((8, 4, 4), "float32", {})],
}
SKIP = {"Input", "Output", "Backbone", "OpaqueModule", "OpaqueOp", "TorchvisionOp", "Parameter"}  # io; import nodes: tests/backbones


def cases() -> list[tuple[str, int]]:
    out = []
    for spec in registry():
        if spec.type in SKIP:
            continue
        for i, _ in enumerate(SAMPLES.get(spec.type, [((8,), "float32", {})])):
            out.append((spec.type, i))
    return out


def single_layer_doc(type_name: str, index: int) -> GraphDocument:
    shape, dtype, params = SAMPLES.get(type_name, [((8,), "float32", {})])[index]
    spec = registry().get(type_name)
    nodes = [Node("x", "Input", {"shape": list(shape), "dtype": dtype}), Node("layer", type_name, dict(params)),
             Node("y", "Output")]
    ports = len(spec.input_ports(params))
    edges = [Edge("x", "layer", 0, p) for p in range(ports)] + [Edge("layer", "y")]
    return GraphDocument(nodes, edges)


def sample_input(doc: GraphDocument, batch: int = 3) -> torch.Tensor:
    node = doc.node("x")
    shape = (batch, *node.params["shape"])
    if node.params.get("dtype") == "int64":
        return torch.randint(0, 10, shape, generator=torch.Generator().manual_seed(1))
    return torch.randn(shape, generator=torch.Generator().manual_seed(1))


def load_exported(path: Path, class_name: str) -> type[torch.nn.Module]:
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, class_name)


@pytest.mark.parametrize(("type_name", "index"), cases())
def test_layer_builds_infers_exports_and_round_trips(type_name: str, index: int, tmp_path: Path) -> None:
    doc = single_layer_doc(type_name, index)
    analysis = analyze(doc)
    assert analysis.valid, [i.text() for i in analysis.issues]
    compiled = compile_graph(doc, f"{type_name} test")
    torch.manual_seed(0)
    model = compiled.build().eval()
    x = sample_input(doc)
    with torch.no_grad():
        real = model(x)
    assert tuple(real.shape[1:]) == analysis.nodes["y"].output_shape
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params

    path = write_source(compiled.source, tmp_path / "exported.py")
    assert path.read_text(encoding="utf-8") == compiled.source  # byte for byte what was trained
    exported_cls = load_exported(path, compiled.class_name)
    exported = exported_cls().eval()
    exported.load_state_dict(model.state_dict(), strict=True)
    with torch.no_grad():
        again = exported(x)
    assert torch.equal(real, again)


def test_exported_files_only_import_torch_compile_and_pass_ruff(tmp_path: Path) -> None:
    paths = []
    for type_name, index in cases():
        compiled = compile_graph(single_layer_doc(type_name, index), f"{type_name} {index}")
        path = write_source(compiled.source, tmp_path / f"{type_name}_{index}.py")
        compile(compiled.source, str(path), "exec")
        imports = [line for line in compiled.source.splitlines() if line.startswith(("import ", "from "))]
        assert imports == ["import torch", "from torch import nn"], imports
        paths.append(str(path))
    result = subprocess.run(check=False, args=[sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", *paths],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_type_has_doc_category_and_valid_defaults() -> None:
    for spec in registry():
        assert spec.doc and spec.category, spec.type
        _clean, errors = spec.normalize(spec.defaults())
        assert not errors, (spec.type, errors)
