"""Loss/output traps: named in validate (JSON and text), fixable in one step; BCELoss only after a Sigmoid."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnbuilder.analysis.warnings import apply_fix, wiring_warnings
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project, save_project
from nnbuilder.pipeline import PipelineError, prepare
from nnbuilder.training import Trainer


def _doc(last: str | None, out_features: int = 2) -> GraphDocument:
    nodes = [Node("x", "Input", {"shape": [2]}), Node("fc", "Linear", {"out_features": 16}), Node("relu", "ReLU"),
             Node("logits", "Linear", {"out_features": out_features})]
    chain = ["x", "fc", "relu", "logits"]
    if last:
        nodes.append(Node("act", last, {}))
        chain.append("act")
    nodes.append(Node("out", "Output"))
    chain.append("out")
    return GraphDocument(nodes, [Edge(a, b) for a, b in itertools.pairwise(chain)])


@pytest.mark.parametrize(("act", "loss", "action"), [("Softmax", "CrossEntropyLoss", "remove_node"),
                                                     ("LogSoftmax", "CrossEntropyLoss", "set_loss"),
                                                     ("Sigmoid", "BCEWithLogitsLoss", "set_loss")])
def test_each_trap_is_a_warning_on_the_node_with_a_fix_that_clears_it(act: str, loss: str, action: str) -> None:
    doc, training = _doc(act), {"loss": {"type": loss}}
    [warning] = wiring_warnings(doc, training)
    assert warning.issue.node == "act" and warning.issue.severity == "warning"
    assert act in warning.issue.message and loss in warning.issue.message
    assert warning.fix.action == action
    fixed_doc, fixed_training = apply_fix(doc, training, warning.fix)
    assert wiring_warnings(fixed_doc, fixed_training) == []
    assert training == {"loss": {"type": loss}} and len(doc.nodes) == 6  # inputs untouched
    if action == "remove_node":
        assert [(e.source, e.target) for e in fixed_doc.edges][-1] == ("logits", "out")


def test_plain_linear_stacks_and_correct_pairings_are_not_flagged() -> None:
    assert wiring_warnings(_doc(None), {"loss": "CrossEntropyLoss"}) == []
    assert wiring_warnings(_doc("Sigmoid", 1), {"loss": "BCELoss"}) == []
    assert wiring_warnings(_doc("LogSoftmax"), {"loss": "NLLLoss"}) == []
    linear = GraphDocument([Node("x", "Input", {"shape": [2]}), Node("a", "Linear", {"out_features": 4}),
                            Node("b", "Linear", {"out_features": 2}), Node("out", "Output")],
                           [Edge("x", "a"), Edge("a", "b"), Edge("b", "out")])
    assert wiring_warnings(linear, {"loss": "CrossEntropyLoss"}) == []


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnbuilder", *args], capture_output=True, text=True, check=False)


def test_validate_reports_the_warning_in_json_and_text(tmp_path: Path) -> None:
    path = tmp_path / "softmax.nnb"
    save_project(Project("softmax", _doc("Softmax"), {"dataset": "spirals"}, {"loss": "CrossEntropyLoss",
                                                                              "optimizer": {"type": "Adam", "lr": 0.01}}),
                 path)
    result = _cli("validate", str(path), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"]
    assert [(w["node"], w["severity"]) for w in report["warnings"]] == [("act", "warning")]
    assert "CrossEntropyLoss" in report["warnings"][0]["message"]
    text = _cli("validate", str(path))
    assert "warning: act: Softmax feeds CrossEntropyLoss" in text.stdout


def test_bce_loss_trains_after_a_sigmoid_and_is_refused_without_one() -> None:
    project = Project("moons", _doc("Sigmoid", 1), {"dataset": "moons", "params": {"n_samples": 400}},
                      {"loss": "BCELoss", "optimizer": {"type": "Adam", "lr": 0.02}, "epochs": 15})
    prepared = prepare(project)
    result = Trainer(prepared.model, prepared.bundle, prepared.config, batch_size=32).run()
    assert result.history[-1]["val_accuracy"] > 0.8  # threshold 0.5 on probabilities
    with pytest.raises(PipelineError) as refused:
        prepare(Project("moons", _doc(None, 1), project.data, project.training))
    assert "BCELoss needs probabilities" in str(refused.value) and "BCEWithLogitsLoss" in str(refused.value)


def test_train_prints_the_warning_before_training(tmp_path: Path) -> None:
    path = tmp_path / "sigmoid.nnb"
    save_project(Project("sigmoid", _doc("Sigmoid", 1), {"dataset": "moons", "params": {"n_samples": 100}},
                         {"loss": "BCEWithLogitsLoss", "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 1}), path)
    result = _cli("train", str(path), "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert "warning: act: Sigmoid feeds BCEWithLogitsLoss" in result.stderr and "use BCELoss" in result.stderr
