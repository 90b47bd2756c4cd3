"""Typed validation issues shared by validation, shape inference and the compiler."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

ERROR = "error"
WARNING = "warning"


class IssueCode(str, Enum):
    """The kinds of problem analysis reports; members equal their strings (``IssueCode.CYCLE == "cycle"``)."""

    UNKNOWN_TYPE = "unknown_type"  # a node type the registry does not know
    PARAM = "param"  # a parameter value outside its spec
    PORT = "port"  # an edge into or out of a port the node does not have
    DUPLICATE_INPUT = "duplicate_input"  # two edges into one input port
    CYCLE = "cycle"
    NO_INPUT = "no_input"
    NO_OUTPUT = "no_output"
    UNCONNECTED = "unconnected"  # a required input port without an edge
    DANGLING = "dangling"  # not reachable from an Input, or leads to no Output
    SHAPE = "shape"  # the layer cannot take its input shape
    DTYPE = "dtype"  # integer ids where floats are needed, or mismatched weights
    BATCH = "batch"  # the batch dimension would change
    LINEAR_ON_IMAGE = "linear_on_image"  # warning: a Linear applied per row of an image
    MODULE_PATH = "module_path"  # a node's source module path is invalid or used twice (imported models)
    BLOCK = "block"  # a Block node or block definition that cannot be expanded (graph/blocks.py)
    LOSS_ACTIVATION = "loss_activation"  # the output activation and the loss do not fit (analysis.warnings)
    BUDGET = "budget"  # validating the project would exceed its time or estimated-memory budget (analysis.budget)

    __hash__ = str.__hash__  # equal to the string, so hashed like it (sets of plain codes keep working)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Issue:
    """One problem with a graph.  ``node`` names the node it belongs to, if any."""

    code: IssueCode  # machine-readable kind; a plain string is converted (an unknown one is refused)
    message: str
    node: str | None = None
    severity: str = ERROR
    hint: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", IssueCode(self.code))

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
                "code": self.code.value, "severity": self.severity}


class GraphValidationError(ValueError):
    """Raised when a graph with errors is compiled; carries every error issue."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = [i for i in issues if i.is_error]
        lines = "\n".join(f"  - {i.text()}" for i in self.issues)
        super().__init__(f"the graph has {len(self.issues)} error(s):\n{lines}")

