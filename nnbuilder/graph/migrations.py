"""Project-file migrations: each step upgrades a JSON dict by one version."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

CURRENT_VERSION = 2

# version N -> function turning a version-N dict into version N+1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: lambda data: {**data, "version": 1},  # version 0 = files written before versioning
    1: lambda data: {**data, "version": 2},  # version 2 adds graph.blocks and Block nodes; version 1 has neither
}


class MigrationError(ValueError):
    """A version nnbuilder cannot read (newer, or not a number)."""


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring ``data`` to :data:`CURRENT_VERSION`; refuse newer files clearly."""
    version = data.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise MigrationError(f"expected a non-negative integer version, got {version!r}")
    if version > CURRENT_VERSION:
        raise MigrationError(f"this file has format version {version}, written by a newer nnbuilder; "
                             f"this nnbuilder reads versions up to {CURRENT_VERSION} — please upgrade nnbuilder")
    while version < CURRENT_VERSION:
        data = MIGRATIONS[version](data)
        version = data["version"]
    return data
