"""Hostile project files (hypothesis, bounded): `validate` exits 0 or 1 with a message, never a traceback,
never a terminal control character, within a time and memory budget per file."""
from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnbuilder.cli import main
from nnbuilder.layers import REGISTRY
from nnbuilder.terminal import _CONTROL

ROOT = Path(__file__).resolve().parents[2]
BASE = json.loads((ROOT / "nnbuilder" / "examples" / "spirals_mlp.nnb").read_text())
TYPES = sorted(REGISTRY.types()) + ["Bogus", "Linear\x1b[2J"]
NASTY_TEXT = st.text(alphabet=st.sampled_from(list("ab_ \x1b[]0;\x07\x00\u202e\n\t") + ["é", "\x9b"]), max_size=40)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.sampled_from([0, 1, 2, 3, 64, 10**9]),
                   st.floats(allow_nan=False, allow_infinity=False), NASTY_TEXT)
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NASTY_TEXT, inner, max_size=3),
                     max_leaves=8)
SHAPE = st.lists(st.one_of(st.integers(-3, 4), st.sampled_from([1, 28, 100_000, 2**31, 2**62])), max_size=4)


@st.composite
def projects(draw: st.DrawFn) -> dict:
    data = json.loads(json.dumps(BASE))
    nodes = data["graph"]["nodes"]
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 4))
        target = nodes[draw(st.integers(0, len(nodes) - 1))]
        if choice == 0:
            target["type"] = draw(st.sampled_from(TYPES))
        elif choice == 1:
            target["params"][draw(st.sampled_from(["out_features", "shape", "p", "dim", "x\x1b]0;t\x07"]))] = \
                draw(VALUE)
        elif choice == 2:
            nodes[0]["params"]["shape"] = draw(SHAPE)
        elif choice == 3:
            target["id"] = draw(NASTY_TEXT)
        else:
            nodes.insert(draw(st.integers(1, len(nodes) - 1)),
                         {"id": draw(NASTY_TEXT), "type": draw(st.sampled_from(TYPES)),
                          "params": draw(st.dictionaries(st.sampled_from(["out_features", "hidden_size", "shape",
                                                                          "kernel_size", "num_embeddings"]),
                                                         SCALAR, max_size=3))})
    if draw(st.booleans()):
        data["name"] = draw(NASTY_TEXT)
    return data


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(project=projects(), as_json=st.booleans())
def test_validate_survives_hostile_projects(project: dict, as_json: bool, tmp_path: Path, capsys) -> None:
    path = tmp_path / "fuzz.nnb"
    path.write_text(json.dumps(project, ensure_ascii=False), encoding="utf-8")
    main(["validate", str(ROOT / "nnbuilder" / "examples" / "spirals_mlp.nnb")])  # warm: the first inference imports torch parts
    capsys.readouterr()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    code = main(["validate", str(path)] + (["--json"] if as_json else []))
    elapsed = time.perf_counter() - started
    out = capsys.readouterr()
    text = out.out + out.err
    assert code in (0, 1), text
    assert "Traceback" not in text and "internal error" not in text, text
    assert not _CONTROL.search(text), repr(text[:500])
    assert elapsed < 10, elapsed
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1_000_000  # KiB: under 1 GB more
    if as_json:
        json.loads(out.out)
