"""Weights shipped with nnbuilder: ``resource:NAME.safetensors`` names and the files behind them.

Only plain ``.safetensors`` file names in nnbuilder's own resources folders are accepted, so a project
file cannot point a ``resource:`` name anywhere else.
"""
from __future__ import annotations

import re
from pathlib import Path

RESOURCE_PREFIX = "resource:"  # "resource:NAME.safetensors": weights shipped in nnbuilder's resources folder
_RESOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.safetensors$")


class WeightsError(Exception):
    """Base class of weight-loading problems."""


class WeightsUnavailable(WeightsError):
    """The weights cannot be obtained (no network, missing file)."""


def resource_dirs() -> list[Path]:
    """Where shipped weights live: the package's ``resources`` folder (package data)."""
    from nnbuilder.package_data import resources_dir

    return [resources_dir()]


def is_resource(value: object) -> bool:
    return isinstance(value, str) and value.startswith(RESOURCE_PREFIX)


def check_resource_name(value: str) -> str:
    """The file name of ``resource:NAME.safetensors``; only plain names, only safetensors."""
    name = value[len(RESOURCE_PREFIX):]
    if not _RESOURCE_NAME.match(name) or ".." in name:
        raise WeightsUnavailable(f"{value!r}: a shipped weights name is 'resource:' followed by a plain file name "
                                 "ending in .safetensors (no folders), e.g. 'resource:shapes28_shufflenet_v2_x0_5"
                                 ".safetensors'")
    return name


def resource_path(value: str) -> Path:
    """The file behind ``resource:NAME.safetensors``, searched in :func:`resource_dirs` only."""
    name = check_resource_name(value)
    for folder in resource_dirs():
        file = folder / name
        if file.is_file():
            return file
    shipped = sorted({p.name for d in resource_dirs() if d.is_dir() for p in d.glob("*.safetensors")})
    raise WeightsUnavailable(f"no shipped weights {name!r} in {', '.join(map(str, resource_dirs()))}; shipped: "
                             f"{', '.join(shipped) or 'none'}. Shipped weights come with nnbuilder's package: "
                             "reinstall nnbuilder, or in a source checkout run python scripts/pretrain_backbone.py")
