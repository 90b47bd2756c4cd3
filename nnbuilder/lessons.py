"""The lesson catalogue: example projects grouped by the ``lesson`` key of their project file."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

# The order lessons are taught in; groups not listed here follow, alphabetically.
ORDER = ("First network", "Linear vs non-linear", "Activations", "Universal approximation",
         "Vanishing gradients and BatchNorm", "Depth and residual connections", "Learning rate",
         "Learning-rate schedules", "Overfitting and regularisation", "FC vs CNN", "Augmentation", "Optimizers",
         "Batch size", "Recurrent memory", "Attention", "Embeddings", "Transfer learning")


def lesson_of(path: str | Path) -> str | None:
    """The ``lesson`` a project file names, or None (unreadable files included)."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8")).get("lesson")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value.strip() else None


def lesson_groups(paths: Iterable[str | Path]) -> dict[str, list[Path]]:
    """Lesson name → its project files (sorted), lessons in teaching order; files without a lesson are left out."""
    groups: dict[str, list[Path]] = {}
    for path in paths:
        lesson = lesson_of(path)
        if lesson is not None:
            groups.setdefault(lesson, []).append(Path(path))
    rank = {name: i for i, name in enumerate(ORDER)}
    return {name: sorted(groups[name]) for name in sorted(groups, key=lambda n: (rank.get(n, len(ORDER)), n))}
