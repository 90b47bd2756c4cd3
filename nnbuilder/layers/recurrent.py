"""Recurrent layers (RNN, LSTM, GRU) over (L, features) sequences, batch first."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnbuilder.layers.registry import REGISTRY
from nnbuilder.layers.spec import BOOL, CHOICE, FLOAT, INT, LayerSpec, ParamSpec

OUTPUTS = ("sequence", "last", "hidden")


def _forward(lstm: bool):
    def forward(attr: str, inputs: Sequence[str], params: dict[str, Any]) -> str:
        call = f"self.{attr}({inputs[0]})"
        mode = params.get("output", "sequence")
        if mode == "sequence":
            return f"{call}[0]"
        if mode == "last":
            return f"{call}[0][:, -1]"
        return f"{call}[1][0][-1]" if lstm else f"{call}[1][-1]"

    return forward


def _rnn(type_name: str, doc: str, extra: tuple[ParamSpec, ...] = ()) -> None:
    REGISTRY.register(LayerSpec(
        type=type_name,
        torch_class=type_name,
        category="Recurrent",
        doc=doc + " Input (L, input_size) per sample. `output`: 'sequence' gives every step "
                  "(L, hidden·directions), 'last' the last step's output, 'hidden' the final hidden "
                  "state of the top layer.",
        params=(
            ParamSpec("input_size", INT, minimum=1, inferred=True, doc="features per time step"),
            ParamSpec("hidden_size", INT, default=32, minimum=1, maximum=100_000, always_emit=True,
                      doc="size of the hidden state"),
            ParamSpec("num_layers", INT, default=1, minimum=1, maximum=64, doc="stacked recurrent layers"),
            *extra,
            ParamSpec("bias", BOOL, default=True, doc="learn biases"),
            ParamSpec("batch_first", BOOL, default=True, always_emit=True,
                      doc="tensors are (batch, L, features); nnbuilder always uses batch first"),
            ParamSpec("dropout", FLOAT, default=0.0, minimum=0.0, maximum=1.0,
                      doc="dropout between stacked layers"),
            ParamSpec("bidirectional", BOOL, default=False, doc="also read the sequence backwards"),
            ParamSpec("output", CHOICE, default="last", choices=OUTPUTS, ctor=False,
                      doc="which result feeds the next node"),
        ),
        forward=_forward(type_name == "LSTM"),
        infer=lambda params, shapes: {"input_size": shapes[0][-1]},
        input_ranks=(2,),
        input_layout="(L, features)",
        rank_hint="insert Reshape to a (length, features) sequence",
    ))


_rnn("RNN", "Elman recurrent layer: h_t = tanh(W·x_t + U·h_{t-1} + b).",
     (ParamSpec("nonlinearity", CHOICE, default="tanh", choices=("tanh", "relu"), doc="activation"),))
_rnn("LSTM", "Long short-term memory: gated cell state that keeps gradients alive over long sequences.")
_rnn("GRU", "Gated recurrent unit: a lighter LSTM with update and reset gates.")
