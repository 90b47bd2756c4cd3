"""Typed validation issues shared by validation, shape inference and the compiler."""
from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One problem with a graph.  ``node`` names the node it belongs to, if any."""

    code: str  # machine-readable kind: "cycle", "no_input", "shape", "param", ...
    message: str
    node: str | None = None
    severity: str = ERROR
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def text(self) -> str:
        """The message with its fix, as shown to users."""
        where = f"{self.node}: " if self.node else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}{self.message}{hint}"

    def to_json(self) -> dict[str, str | None]:
        return {"node": self.node, "message": self.message + (f" — {self.hint}" if self.hint else ""),
                "code": self.code, "severity": self.severity}


class GraphValidationError(ValueError):
    """Raised when a graph with errors is compiled; carries every error issue."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = [i for i in issues if i.is_error]
        lines = "\n".join(f"  - {i.text()}" for i in self.issues)
        super().__init__(f"the graph has {len(self.issues)} error(s):\n{lines}")

