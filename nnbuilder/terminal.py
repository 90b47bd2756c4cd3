"""What the CLI prints cannot drive the terminal: control characters in names are escaped, long lines cut.

A project's ids, names and types reach the terminal inside messages; an escape sequence there could
retitle the window or clear the screen, and a 50 MB type name would flood it. The CLI's streams are
wrapped once (:func:`protect_terminal`), so every message is covered, whichever module prints it.
"""
from __future__ import annotations

import re
import sys
from typing import TextIO

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder text
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINE_LIMIT = 2000  # characters of one printed line


def printable(text: str, limit: int | None = LINE_LIMIT) -> str:
    """``text`` with control characters escaped (``\\x1b``) and each line cut to ``limit`` characters."""
    text = _CONTROL.sub(_escape, text)
    if limit is None or len(text) <= limit:
        return text
    return "\n".join(_cut(line, limit) for line in text.split("\n"))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _cut(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]}… ({len(line) - limit:,} more characters cut)"


class SafeStream:
    """A text stream that passes everything through :func:`printable`."""

    def __init__(self, stream: TextIO, limit: int | None) -> None:
        self.stream, self.limit = stream, limit

    def write(self, text: str) -> int:
        self.stream.write(printable(text, self.limit))
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def protect_terminal(json_output: bool = False) -> None:
    """Wrap ``sys.stdout``/``sys.stderr`` (once); JSON on stdout is escaped by json itself and kept whole."""
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout, None if json_output else LINE_LIMIT)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr, LINE_LIMIT)
