"""A layer with weights called several times in forward (a shared layer): the import gives each call a node
at the same module path, the export builds the layer once and calls it each time, the weights count once and
the source's state dict loads strictly.  Weights tied between two different layers are refused."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from nnbuilder.analysis import analyze
from nnbuilder.backbones.fx_convert import UnsupportedModel
from nnbuilder.backbones.fx_import import import_module
from nnbuilder.backbones.sources import verify
from nnbuilder.graph.document import Edge, GraphDocument, Node


class Siamese(nn.Module):
    """One encoder applied to two inputs, and a block applied twice in a row (with a stateless ReLU between)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(4, 6)
        self.block = nn.Linear(6, 6)
        self.scale = nn.Parameter(torch.full((6,), 0.5))
        self.head = nn.Linear(12, 2)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ea, eb = self.encoder(a) * self.scale, self.encoder(b) * self.scale
        ea = self.block(torch.relu(self.block(ea)))
        return self.head(torch.cat([ea, eb], dim=1))


def test_a_layer_called_twice_is_one_layer_in_the_export(tmp_path: Path) -> None:
    from nnbuilder.compile import compile_graph, write_source

    original = Siamese().eval()
    result = import_module(original, [(4,), (4,)])
    paths = [n.extra.get("module") for n in result.doc.nodes]
    assert paths.count("encoder") == 2 and paths.count("block") == 2 and paths.count("scale") == 1
    verify(result, original, [(4,), (4,)])
    analysis = analyze(result.doc)
    assert analysis.valid
    assert analysis.total_params == sum(p.numel() for p in original.parameters()) == 4 * 6 + 6 + 42 + 6 + 26

    source = compile_graph(result.doc, "siamese").source
    assert source.count("self.encoder = nn.Linear(") == 1 and source.count("self.block = nn.Linear(") == 1
    assert source.count("self.encoder(") == 2 and source.count("self.block(") == 2
    namespace: dict = {}
    path = write_source(source, tmp_path / "siamese.py")
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - the exported file
    exported = namespace["Siamese"]()
    exported.load_state_dict(original.state_dict(), strict=True)
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    with torch.no_grad():
        assert torch.equal(exported(a, b), original(a, b))
    exported(a, b).sum().backward()  # both calls' gradients add up in the one weight, as in the source
    original(a, b).sum().backward()
    assert len(list(exported.parameters())) == len(list(original.parameters()))
    for name in ("encoder.weight", "block.weight", "scale"):
        assert torch.allclose(exported.get_parameter(name).grad, original.get_parameter(name).grad)


def test_a_layer_called_in_different_ways_is_refused_with_the_reason() -> None:
    class TwoWays(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(3, 4, batch_first=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seq = self.lstm(x)[0]
            return self.lstm(x)[1][0][-1] + seq[:, -1]

    with pytest.raises(UnsupportedModel, match=r"module 'lstm' is called 2 times in different ways \(output"):
        import_module(TwoWays(), [(5, 3)])


def test_weights_tied_between_two_layers_are_refused() -> None:
    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(4, 4, bias=False)
            self.out = nn.Linear(4, 4, bias=False)
            self.out.weight = self.embed.weight

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(self.embed(x))

    with pytest.raises(UnsupportedModel, match=r"ties weights between layers \(embed.weight = out.weight\)"):
        import_module(Tied(), [(4,)])


def test_two_different_layers_at_one_path_are_an_error_naming_both() -> None:
    def linear(node_id: str, out: int) -> Node:
        return Node(node_id, "Linear", {"out_features": out}, extra={"module": "fc"})

    same = GraphDocument([Node("in", "Input", {"shape": [3]}), linear("a", 3), linear("b", 3), Node("out", "Output")],
                         [Edge("in", "a"), Edge("a", "b"), Edge("b", "out")])
    analysis = analyze(same)
    assert analysis.valid and analysis.total_params == 12 and analysis.nodes["b"].param_count == 0
    other = GraphDocument([Node("in", "Input", {"shape": [3]}), linear("a", 3), linear("b", 5), Node("out", "Output")],
                          [Edge("in", "a"), Edge("a", "b"), Edge("b", "out")])
    errors = [i.text() for i in analyze(other).issues if i.is_error]
    assert any("module path 'fc' is also used by node 'a', a different layer" in e for e in errors), errors
