"""The lesson catalogue: every shipped lesson is declared in the teaching order, and groups come out in it."""
from __future__ import annotations

import json
from pathlib import Path

from nnbuilder.lessons import ORDER, lesson_groups
from nnbuilder.package_data import examples_dir

EXAMPLES = sorted(examples_dir().glob("*.nnb"))


def test_every_shipped_lesson_is_declared_in_the_teaching_order() -> None:
    used = {json.loads(p.read_text(encoding="utf-8")).get("lesson") for p in EXAMPLES} - {None}
    assert used <= set(ORDER), sorted(used - set(ORDER))


def test_groups_follow_the_teaching_order_and_undeclared_ones_come_last(tmp_path: Path) -> None:
    for name, lesson in (("a", "Zeta"), ("b", "Activations"), ("c", "First network"), ("d", None)):
        (tmp_path / f"{name}.nnb").write_text(json.dumps({"lesson": lesson} if lesson else {}), encoding="utf-8")
    groups = lesson_groups(sorted(tmp_path.glob("*.nnb")))
    assert list(groups) == ["First network", "Activations", "Zeta"]
    assert groups["Activations"] == [tmp_path / "b.nnb"]
