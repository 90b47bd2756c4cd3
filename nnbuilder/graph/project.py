"""Project files (``.nnb``): versioned JSON, validated loading, atomic saves.

Loading reports every problem with its JSON path; unknown keys are kept and
written back; a newer ``version`` is refused; older versions pass through the
migrations in :mod:`nnbuilder.graph.migrations`.
"""
from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnbuilder.fileio import atomic_write_text
from nnbuilder.graph.blocks import BLOCK_TYPE, BLOCKS_KEY, check_blocks, uses_blocks
from nnbuilder.graph.document import Edge, GraphDocument, Node
from nnbuilder.graph.migrations import CURRENT_VERSION, MigrationError, migrate

FORMAT = "nnbuilder"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_NODES = 20_000
_TOP_KEYS = {"format", "version", "name", "graph", "data", "training"}
_NODE_KEYS = {"id", "type", "params", "pos"}
_EDGE_KEYS = {"source", "target", "source_port", "target_port"}


class ProjectFileError(ValueError):
    """A project file that cannot be loaded; ``problems`` are (json_path, message) pairs."""

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {where}: {what}" for where, what in problems)
        super().__init__(f"cannot open {path}: {len(problems)} problem(s)\n{lines}")


@dataclass
class Project:
    """A whole project: graph, optional data and training sections, and unknown keys."""

    name: str = "untitled"
    graph: GraphDocument = field(default_factory=GraphDocument)
    data: dict[str, Any] | None = None
    training: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # the project file's folder (set by load_project, not saved): relative data paths resolve against it
    folder: Path | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        # files without blocks stay version 1, which older nnbuilders still open
        version = CURRENT_VERSION if uses_blocks(self.graph) else 1
        out: dict[str, Any] = {"format": FORMAT, "version": version, "name": self.name,
                               "graph": graph_to_json(self.graph)}
        if self.data is not None:
            out["data"] = self.data
        if self.training is not None:
            out["training"] = self.training
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


def graph_to_json(doc: GraphDocument) -> dict[str, Any]:
    nodes = []
    for n in doc.nodes:
        item: dict[str, Any] = {"id": n.id, "type": n.type, "params": _jsonable(n.params)}
        if n.pos is not None:
            item["pos"] = [round(float(n.pos[0]), 2), round(float(n.pos[1]), 2)]
        item.update({k: v for k, v in n.extra.items() if k not in item})
        nodes.append(item)
    edges = []
    for e in doc.edges:
        item = {"source": e.source, "target": e.target}
        if e.source_port:
            item["source_port"] = e.source_port
        if e.target_port:
            item["target_port"] = e.target_port
        item.update({k: v for k, v in e.extra.items() if k not in item})
        edges.append(item)
    out = {"nodes": nodes, "edges": edges}
    out.update({k: v for k, v in doc.extra.items() if k not in out})
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


_SCALAR_ARRAY = re.compile(r"\[\s*\n[^\[\]{}\"]*?\n\s*\]")


def dumps_project(project: Project) -> str:
    """Indented JSON with arrays of numbers (shapes, positions) kept on one line."""
    text = json.dumps(project.to_json(), indent=2, ensure_ascii=False, allow_nan=False)
    return _SCALAR_ARRAY.sub(lambda m: re.sub(r"\s*\n\s*", " ", m.group(0)).replace("[ ", "[").replace(" ]", "]"),
                             text) + "\n"


def save_project(project: Project, path: str | os.PathLike[str]) -> Path:
    """Write atomically: a temp file in the same folder, fsync, then rename over ``path``."""
    text = dumps_project(project)  # serialise first: a failure here leaves the old file untouched
    return atomic_write_text(path, text)


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read and validate a project file; raises :class:`ProjectFileError` listing every problem."""
    where = str(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block, /dev/zero never end
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe, device or socket)"
            raise ProjectFileError(where, [("$", f"{kind}; a project is a .nnb file")])
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise ProjectFileError(where, [("$", (f"file is {size:,} bytes; project files are at most "
                                                 f"{MAX_FILE_BYTES:,} (weights belong in checkpoints)"))])
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows meanwhile
        if len(raw) > MAX_FILE_BYTES:
            raise ProjectFileError(where, [("$", f"file is over {MAX_FILE_BYTES:,} bytes; project files are smaller")])
    except OSError as exc:
        raise ProjectFileError(where, [("$", f"cannot read the file: {exc.strerror or exc}")]) from None
    project = loads_project(raw, where)
    project.folder = Path(path).resolve().parent
    return project


def loads_project(raw: bytes | str, where: str = "<memory>") -> Project:
    """Parse project JSON text; see :func:`load_project`."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise ProjectFileError(where, [("$", f"not UTF-8 text (byte {exc.start}); is this a project file?")]) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(where, [("$", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
                                             + (" (the file may be truncated)" if exc.pos >= len(text) - 1 else ""))]) from None
    except ValueError as exc:
        raise ProjectFileError(where, [("$", str(exc))]) from None
    except RecursionError:
        raise ProjectFileError(where, [("$", "JSON nested too deeply")]) from None
    return project_from_json(data, where)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in project files")


def project_from_json(data: Any, where: str = "<memory>") -> Project:
    problems: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        raise ProjectFileError(where, [("$", f"expected a JSON object, got {type(data).__name__}")])
    _check_values(data, problems)
    if data.get("format") != FORMAT:
        problems.append(("$.format", (f"expected \"{FORMAT}\", got {_short(data.get('format'))}; "
                                     "this is not an nnbuilder project")))
        raise ProjectFileError(where, problems)
    try:
        data = migrate(data)
    except MigrationError as exc:
        raise ProjectFileError(where, [("$.version", str(exc))]) from None

    name = data.get("name", "untitled")
    if not isinstance(name, str):
        problems.append(("$.name", f"expected a string, got {_short(name)}"))
        name = "untitled"
    graph = data.get("graph")
    nodes: list[Node] = []
    edges: list[Edge] = []
    graph_extra: dict[str, Any] = {}
    at_of: dict[str, str] = {}
    if not isinstance(graph, dict):
        problems.append(("$.graph", "missing or not an object with 'nodes' and 'edges'"))
    else:
        graph_extra = {k: v for k, v in graph.items() if k not in ("nodes", "edges")}
        nodes = _read_nodes(graph.get("nodes"), problems, at_of)
        edges = _read_edges(graph.get("edges", []), {n.id for n in nodes}, problems)
    for key in ("data", "training"):
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            problems.append((f"$.{key}", f"expected an object, got {_short(data[key])}"))
    problems.extend(_check_params(nodes, at_of))
    if isinstance(graph, dict) and (BLOCKS_KEY in graph or any(n.type == BLOCK_TYPE for n in nodes)):
        problems.extend(check_blocks(graph.get(BLOCKS_KEY), nodes, at_of))
    if problems:
        raise ProjectFileError(where, problems)
    doc = GraphDocument(nodes, edges, graph_extra)
    extra = {k: v for k, v in data.items() if k not in _TOP_KEYS}
    return Project(name, doc, data.get("data"), data.get("training"), extra)


def _read_nodes(raw: Any, problems: list[tuple[str, str]], at_of: dict[str, str], base: str = "$.graph") -> list[Node]:
    """Valid nodes; ``at_of`` receives each node's JSON path (skipped items keep later indices right)."""
    if not isinstance(raw, list):
        problems.append((f"{base}.nodes", "expected a list of nodes"))
        return []
    if len(raw) > MAX_NODES:
        problems.append((f"{base}.nodes", f"{len(raw)} nodes; at most {MAX_NODES} are supported"))
        return []
    nodes: list[Node] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        at = f"{base}.nodes[{i}]"
        if not isinstance(item, dict):
            problems.append((at, "expected an object"))
            continue
        node_id, type_name, params = item.get("id"), item.get("type"), item.get("params", {})
        ok = True
        if not isinstance(node_id, str) or not node_id.strip() or len(node_id) > 200:
            problems.append((f"{at}.id", f"expected a non-empty string of ≤ 200 characters, got {_short(node_id)}"))
            ok = False
        elif node_id in seen:
            problems.append((f"{at}.id", f"duplicate node id {node_id!r}"))
            ok = False
        if not isinstance(type_name, str):
            problems.append((f"{at}.type", f"expected a layer type name, got {_short(type_name)}"))
            ok = False
        if not isinstance(params, dict):
            problems.append((f"{at}.params", f"expected an object, got {_short(params)}"))
            ok = False
        pos = item.get("pos")
        if pos is not None and not (isinstance(pos, list) and len(pos) == 2
                                    and all(_finite_number(v) for v in pos)):
            problems.append((f"{at}.pos", f"expected [x, y] numbers, got {_short(pos)}"))
            pos = None
        if ok:
            seen.add(node_id)
            extra = {k: v for k, v in item.items() if k not in _NODE_KEYS}
            nodes.append(Node(node_id, type_name, dict(params), tuple(pos) if pos else None, extra))
            at_of[node_id] = at
    return nodes


def _read_edges(raw: Any, ids: set[str], problems: list[tuple[str, str]], base: str = "$.graph") -> list[Edge]:
    if not isinstance(raw, list):
        problems.append((f"{base}.edges", "expected a list of edges"))
        return []
    edges: list[Edge] = []
    seen: set[tuple] = set()
    for i, item in enumerate(raw):
        at = f"{base}.edges[{i}]"
        if not isinstance(item, dict):
            problems.append((at, "expected an object"))
            continue
        ok = True
        for end in ("source", "target"):
            value = item.get(end)
            if not isinstance(value, str):
                problems.append((f"{at}.{end}", f"expected a node id, got {_short(value)}"))
                ok = False
            elif value not in ids:
                problems.append((f"{at}.{end}", f"refers to a node {value!r} that does not exist"))
                ok = False
        ports = []
        for end in ("source_port", "target_port"):
            value = item.get(end, 0)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 64:
                problems.append((f"{at}.{end}", f"expected a port number 0–63, got {_short(value)}"))
                ok = False
            ports.append(value)
        if ok:
            edge = Edge(item["source"], item["target"], ports[0], ports[1],
                        {k: v for k, v in item.items() if k not in _EDGE_KEYS})
            if edge.key in seen:
                problems.append((at, "duplicate of an earlier edge"))
                continue
            seen.add(edge.key)
            edges.append(edge)
    return edges


def _check_params(nodes: list[Node], at_of: dict[str, str]) -> list[tuple[str, str]]:
    """Unknown types and invalid parameter values, with JSON paths."""
    from nnbuilder.layers import UnknownLayerType, get_spec

    problems = []
    for node in nodes:
        at = at_of[node.id]
        if node.type == BLOCK_TYPE:
            continue  # checked against the project's block definitions (graph/blocks.py)
        try:
            spec = get_spec(node.type)
        except UnknownLayerType as exc:
            problems.append((f"{at}.type", f"node '{node.id}': {exc}"))
            continue
        _, errors = spec.normalize(node.params)
        for name, message in errors.items():
            problems.append((f"{at}.params.{name}", f"{node.type} '{node.id}': {message}"))
    return problems


def _check_values(data: Any, problems: list[tuple[str, str]]) -> None:
    """Values JSON can parse but a project cannot be saved with: numbers too large for a float
    (``1e400`` parses as infinity) and strings with lone surrogates (``"\\ud800"``)."""
    stack: list[tuple[str, Any]] = [("$", data)]  # iterative: nesting depth is only bounded by the parser
    while stack:
        at, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            problems.append((at, "number out of range (too large for a 64-bit float)"))
        elif isinstance(value, str) and not _utf8(value):
            problems.append((at, "text contains an invalid character (a lone UTF-16 surrogate)"))
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                if isinstance(key, str) and not _utf8(key):
                    problems.append((at, f"key {key!r} contains an invalid character (a lone UTF-16 surrogate)"))
                stack.append((f"{at}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{at}[{i}]", item) for i, item in reversed(list(enumerate(value))))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _finite_number(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:  # an int beyond the float range
        return False


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, (set, tuple)) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
