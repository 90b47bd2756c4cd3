"""Compiled models pickle: same process, a fresh process (as DataLoader workers and multiprocessing
need), and torch.save of the whole module."""
from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nnbuilder.compile import compile_graph
from nnbuilder.graph.document import Edge, GraphDocument, Node

ROOT = Path(__file__).resolve().parents[2]


def _model() -> torch.nn.Module:
    doc = GraphDocument([Node("in", "Input", {"shape": [4]}), Node("fc1", "Linear", {"out_features": 3}),
                         Node("bn", "BatchNorm1d", {}), Node("out", "Output")],
                        [Edge("in", "fc1"), Edge("fc1", "bn"), Edge("bn", "out")])
    model = compile_graph(doc).build()
    model(torch.randn(8, 4))  # move the running statistics away from their initial values
    return model.eval()


def test_pickle_round_trip_in_this_process_keeps_state_and_mode():
    model = _model()
    again = pickle.loads(pickle.dumps(model))
    x = torch.randn(5, 4)
    assert type(again) is type(model) and not again.training
    assert torch.equal(again(x), model(x))
    assert torch.equal(again.bn.running_mean, model.bn.running_mean)
    twin = copy.deepcopy(model)
    assert torch.equal(twin(x), model(x)) and twin.fc1.weight is not model.fc1.weight


@pytest.mark.slow  # a second Python importing torch
def test_pickle_and_torch_save_load_in_a_fresh_process(tmp_path):
    model = _model()
    x = torch.randn(5, 4)
    torch.save({"x": x, "y": model(x).detach()}, tmp_path / "io.pt")
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    torch.save(model, tmp_path / "whole.pt")
    code = ("import pickle, sys, torch\n"
            "d = sys.argv[1]\n"
            "io = torch.load(d + '/io.pt')\n"
            "for m in (pickle.load(open(d + '/model.pkl', 'rb')), torch.load(d + '/whole.pt', weights_only=False)):\n"
            "    assert not m.training, 'mode lost'\n"
            "    assert torch.equal(m(io['x']), io['y']), 'outputs differ'\n"
            "print('ok', type(m).__module__)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok nnbuilder_generated_")
