"""Small projects with blocks shared by the block tests."""
from __future__ import annotations

import copy
from typing import Any

RES = {"nodes": [{"id": "x", "type": "Input", "params": {}},
                 {"id": "fc", "type": "Linear", "params": {"out_features": 8}},
                 {"id": "act", "type": "ReLU", "params": {}},
                 {"id": "add", "type": "Add", "params": {}},
                 {"id": "out", "type": "Output", "params": {}}],
       "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "act"},
                 {"source": "act", "target": "add"}, {"source": "x", "target": "add", "target_port": 1},
                 {"source": "add", "target": "out"}]}


def project(repeat: int = 3, overrides: list | None = None, blocks: dict | None = None) -> dict[str, Any]:
    """Input [4] -> Linear(8) -> Block 'Res' ×repeat -> Linear(2) -> Output."""
    params: dict[str, Any] = {"block": "Res", "repeat": repeat}
    if overrides is not None:
        params["overrides"] = overrides
    return {"format": "nnbuilder", "version": 2, "name": "blocks",
            "graph": {"nodes": [{"id": "in", "type": "Input", "params": {"shape": [4]}},
                                {"id": "stem", "type": "Linear", "params": {"out_features": 8}},
                                {"id": "res", "type": "Block", "params": params},
                                {"id": "head", "type": "Linear", "params": {"out_features": 2}},
                                {"id": "out", "type": "Output", "params": {}}],
                      "edges": [{"source": "in", "target": "stem"}, {"source": "stem", "target": "res"},
                                {"source": "res", "target": "head"}, {"source": "head", "target": "out"}],
                      "blocks": copy.deepcopy(blocks) if blocks is not None else {"Res": copy.deepcopy(RES)}}}
