"""Names from a project cannot drive the terminal or flood it."""
from __future__ import annotations

import json
from pathlib import Path

from nnbuilder.cli import main
from nnbuilder.terminal import printable


def test_printable_escapes_controls_and_cuts_long_lines() -> None:
    assert printable("a\x1b]0;owned\x07b\u202ec\td\n") == "a\\x1b]0;owned\\x07b\\u202ec\td\n"
    cut = printable("x" * 5000, limit=100)
    assert cut.startswith("x" * 100 + "…") and "4,900 more characters cut" in cut


def test_validate_escapes_ids_and_cuts_a_huge_type(tmp_path: Path, capsys) -> None:
    evil = "in\x1b[2J\x1b]0;title\x07"
    project = {"format": "nnbuilder", "version": 1, "name": "evil\x1b[2J",
               "graph": {"nodes": [{"id": evil, "type": "Input", "params": {"shape": [2]}},
                                   {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
                                   {"id": "out", "type": "Output", "params": {}}],
                         "edges": [{"source": evil, "target": "fc"}, {"source": "fc", "target": "out"}]}}
    path = tmp_path / "evil.nnb"
    path.write_text(json.dumps(project))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "in\\x1b[2J\\x1b]0;title\\x07" in out
    project["graph"]["nodes"][1]["type"] = "X" * 1_000_000
    path.write_text(json.dumps(project))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert len(err) < 10_000 and "more characters cut" in err
