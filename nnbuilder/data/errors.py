"""The one exception type of the data package."""
from __future__ import annotations


class DataError(Exception):
    """A data set could not be loaded or a ``data`` section is invalid.

    The message names the data set, what is wrong or missing and how to fix it.
    ``problems`` holds the ``(json_path, message)`` pairs when the error comes
    from validating a ``data`` section.
    """

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems: list[tuple[str, str]] = list(problems or [])
