"""Typed errors of the training engine; every message names what is wrong and where."""
from __future__ import annotations


class TrainingError(Exception):
    """Base class of every error the training engine raises on purpose."""


class ConfigError(TrainingError, ValueError):
    """The ``training`` section is invalid; ``problems`` lists ``(json_path, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(f"{path}: {message}" for path, message in self.problems))


class DeviceError(TrainingError):
    """The requested device or precision is not available on this machine."""


class DataError(TrainingError):
    """The data bundle does not fit the model or the loss (shapes, dtypes, missing splits)."""


class CheckpointError(TrainingError):
    """A checkpoint directory is missing, incomplete or was written for another model."""
