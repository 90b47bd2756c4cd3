"""The Softmax → CrossEntropyLoss trap: a warning badge on the canvas, and its fix offered before Start."""
from __future__ import annotations

from nnbuilder.app.window import dialogs
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.project import Project


def _softmax_project() -> Project:
    nodes = [Node("x", "Input", {"shape": [2]}, (0, 0)), Node("fc", "Linear", {"out_features": 2}, (200, 0)),
             Node("soft", "Softmax", {"dim": -1}, (400, 0)), Node("out", "Output", {}, (600, 0))]
    edges = [Edge("x", "fc"), Edge("fc", "soft"), Edge("soft", "out")]
    return Project("trap", GraphDocument(nodes, edges), {"dataset": "spirals", "params": {"n_samples": 100}},
                   {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 1})


def test_the_trap_is_a_warning_badge_and_start_offers_the_fix(make_window, monkeypatch) -> None:
    window = make_window(_softmax_project())
    item = window.scene._nodes["soft"]
    assert item.issue_severity == "warning"
    asked: list[list[str]] = []

    def answer(_parent, problems, label):
        asked.append(problems)
        assert label == "Remove soft"
        return "apply"

    monkeypatch.setattr(dialogs, "ask_wiring_fix", answer)
    started: list[bool] = []
    monkeypatch.setattr(window, "show_dashboard", lambda: type("D", (), {"start": lambda self: started.append(True)})())
    window.start_training()
    assert asked and "CrossEntropyLoss" in asked[0][0]
    assert "soft" not in {n.id for n in window.doc.nodes}
    assert [(e.source, e.target) for e in window.doc.edges if e.target == "out"] == [("fc", "out")]
    assert started == [True]
    window.stack.undo()  # one undo step brings the Softmax back, wired as before
    assert [(e.source, e.target) for e in window.doc.edges if e.target == "out"] == [("soft", "out")]


def test_cancel_keeps_the_graph_and_does_not_start(make_window, monkeypatch) -> None:
    window = make_window(_softmax_project())
    monkeypatch.setattr(dialogs, "ask_wiring_fix", lambda *_args: "cancel")
    started: list[bool] = []
    monkeypatch.setattr(window, "show_dashboard", lambda: type("D", (), {"start": lambda self: started.append(True)})())
    window.start_training()
    assert started == [] and "soft" in {n.id for n in window.doc.nodes}
