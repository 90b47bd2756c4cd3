"""Where the files shipped inside the package live: the examples and the pretrained weights.

One lookup for a source checkout, an editable install and a wheel: the folders are package data
(``nnbuilder/examples``, ``nnbuilder/resources``), found through :mod:`importlib.resources`.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package_folder(name: str) -> Path:
    return Path(str(files("nnbuilder").joinpath(name)))


def examples_dir() -> Path:
    """The folder of the shipped example projects (``*.nnb``)."""
    return _package_folder("examples")


def example_files() -> list[Path]:
    """The shipped example projects, sorted by file name."""
    folder = examples_dir()
    return sorted(folder.glob("*.nnb")) if folder.is_dir() else []


def example_path(name: str) -> Path:
    """The shipped example ``name`` (with or without ``.nnb``)."""
    return examples_dir() / (name if name.endswith(".nnb") else f"{name}.nnb")


def resources_dir() -> Path:
    """The folder of shipped weights and their metadata (``resource:NAME.safetensors``)."""
    return _package_folder("resources")
