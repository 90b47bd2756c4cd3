"""Readable generated code: idiomatic variables, shapes in comments, tracebacks that show generated lines."""
from __future__ import annotations

import traceback
from pathlib import Path

import pytest
import torch

from nnbuilder.compile import compile_graph
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import load_project
from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[2]


def mlp(input_id: str = "x") -> GraphDocument:
    return GraphDocument(
        [Node(input_id, "Input", {"shape": [4]}), Node("fc1", "Linear", {"out_features": 8}), Node("act", "ReLU"),
         Node("fc2", "Linear", {"out_features": 2}), Node("y", "Output")],
        [Edge(input_id, "fc1"), Edge("fc1", "act"), Edge("act", "fc2"), Edge("fc2", "y")])


def forward_lines(source: str) -> list[str]:
    body = source.split("def forward", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in body.splitlines()[1:] if line.strip() and not line.strip().startswith("#")]


def test_a_chain_reads_like_hand_written_pytorch() -> None:
    lines = forward_lines(compile_graph(mlp(), "m").source)
    assert lines == ["x = self.fc1(x)  # [B, 8]", "x = self.act(x)  # [B, 8]", "x = self.fc2(x)  # [B, 2]",
                     "return x"]


def test_an_input_with_another_name_is_not_overwritten() -> None:
    lines = forward_lines(compile_graph(mlp("features"), "m").source)
    assert lines[0] == "x = self.fc1(features)  # [B, 8]"


def test_values_used_twice_keep_their_node_name() -> None:
    source = compile_graph(load_project(examples_dir() / "residual_block.nnb").graph, "r").source
    lines = forward_lines(source)
    assert "stem_relu = self.stem_relu(x)  # [B, 16, 28, 28]" in lines
    assert "x = x + stem_relu  # residual: [B, 16, 28, 28]" in lines


def test_constructor_lines_carry_shapes_and_parameter_counts() -> None:
    source = compile_graph(mlp(), "m").source
    assert "self.fc1 = nn.Linear(in_features=4, out_features=8)  # -> [B, 8], 40 params" in source
    assert "# Parameters: 58 (58 trainable)." in source


def test_a_runtime_error_shows_the_generated_line_in_the_traceback() -> None:
    model = compile_graph(mlp(), "m").build()
    with pytest.raises(RuntimeError) as info:
        model(torch.randn(3, 5))  # wrong feature count
    text = "".join(traceback.format_exception(info.value))
    assert "nnbuilder-generated M" in text
    assert "x = self.fc1(x)" in text
