"""Structural validation with networkx: types, params, ports, cycles, reachability."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from nnbuilder.analysis.issues import ERROR, Issue, IssueCode
from nnbuilder.analysis.module_paths import path_issues
from nnbuilder.graph.document import Edge, GraphDocument
from nnbuilder.layers import LayerSpec, Role, UnknownLayerType, get_spec


@dataclass
class Structure:
    """What structural validation learned: specs, clean params, wiring and order."""

    issues: list[Issue] = field(default_factory=list)
    specs: dict[str, LayerSpec] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs_of: dict[str, dict[int, Edge]] = field(default_factory=dict)  # node -> port -> edge
    order: list[str] = field(default_factory=list)  # topological (empty if cyclic)
    graph: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph)

    @property
    def ok(self) -> bool:
        return not any(i.severity == ERROR for i in self.issues)


def check_structure(doc: GraphDocument) -> Structure:
    """Validate everything that does not need tensors; never raises for graph problems."""
    st = Structure()
    index = {node.id: i for i, node in enumerate(doc.nodes)}
    for node in doc.nodes:
        st.graph.add_node(node.id)
        try:
            spec = get_spec(node.type)
        except UnknownLayerType as exc:
            st.issues.append(Issue(IssueCode.UNKNOWN_TYPE, str(exc), node.id))
            continue
        st.specs[node.id] = spec
        clean, errors = spec.normalize(node.params if isinstance(node.params, dict) else {})
        for name, message in errors.items():
            st.issues.append(Issue(IssueCode.PARAM, f"parameter '{name}' {message}", node.id))
        st.params[node.id] = clean
        st.inputs_of[node.id] = {}

    _check_edges(doc, st)
    _check_ends(doc, st)
    st.issues.extend(path_issues(doc))
    try:
        st.order = list(nx.lexicographical_topological_sort(st.graph, key=lambda n: index[n]))
    except nx.NetworkXUnfeasible:
        cycle = nx.find_cycle(st.graph)
        names = [e[0] for e in cycle]
        loop = " → ".join(names + [names[0]])
        for name in names:
            st.issues.append(Issue(IssueCode.CYCLE, f"is part of a cycle: {loop}", name,
                                   hint="remove one connection of the loop; networks here are acyclic"))
        return st
    _check_reachability(doc, st)
    return st


def _check_edges(doc: GraphDocument, st: Structure) -> None:
    for edge in doc.edges:
        src, dst = st.specs.get(edge.source), st.specs.get(edge.target)
        if src is not None and not 0 <= edge.source_port < len(src.outputs):
            st.issues.append(Issue(IssueCode.PORT, f"has no output port {edge.source_port} "
                                           f"(it has {len(src.outputs)})", edge.source))
            continue
        if dst is None:
            continue
        ports = dst.input_ports(st.params.get(edge.target, {}))
        if not 0 <= edge.target_port < len(ports):
            st.issues.append(Issue(IssueCode.PORT, f"has no input port {edge.target_port} (it has {len(ports)}); "
                                           f"connection from '{edge.source}' is invalid", edge.target))
            continue
        taken = st.inputs_of[edge.target]
        if edge.target_port in taken:
            other = taken[edge.target_port].source
            st.issues.append(Issue(IssueCode.DUPLICATE_INPUT, f"input '{ports[edge.target_port].name}' has two "
                                   f"connections (from '{other}' and '{edge.source}')", edge.target,
                                   hint="a port takes one tensor; use Add or Concat to merge"))
            continue
        taken[edge.target_port] = edge
        st.graph.add_edge(edge.source, edge.target, key=(edge.source_port, edge.target_port))


def _check_ends(doc: GraphDocument, st: Structure) -> None:
    roles = {st.specs[n.id].role for n in doc.nodes if n.id in st.specs}
    if Role.INPUT not in roles:
        st.issues.append(Issue(IssueCode.NO_INPUT, "the graph has no Input node", None,
                               hint="add an Input node with the per-sample shape of your data"))
    if Role.OUTPUT not in roles:
        st.issues.append(Issue(IssueCode.NO_OUTPUT, "the graph has no Output node", None,
                               hint="add an Output node and connect the last layer to it"))
    for node_id, spec in st.specs.items():
        ports = spec.input_ports(st.params.get(node_id, {}))
        for i, port in enumerate(ports):
            if i not in st.inputs_of[node_id] and not port.optional:
                label = f"input '{port.name}'" if len(ports) > 1 else "its input"
                st.issues.append(Issue(IssueCode.UNCONNECTED, f"{label} is not connected", node_id,
                                       hint="drag a connection into it from an earlier layer"))


def _check_reachability(doc: GraphDocument, st: Structure) -> None:
    g = st.graph
    starts = [n for n, s in st.specs.items() if s.role is Role.INPUT]
    ends = [n for n, s in st.specs.items() if s.role is Role.OUTPUT]
    sources = [n for n, s in st.specs.items() if s.role is not Role.INPUT and not s.input_ports(st.params.get(n, {}))]
    from_input: set[str] = set(starts) | set(sources)
    for s in starts + sources:  # sources: nodes without inputs (a Parameter) feed the data path too
        from_input |= nx.descendants(g, s)
    to_output: set[str] = set(ends)
    for e in ends:
        to_output |= nx.ancestors(g, e)
    for node in doc.nodes:
        if node.id not in st.specs:
            continue
        spec = st.specs[node.id]
        if spec.role is not Role.INPUT and node.id not in from_input and starts:
            st.issues.append(Issue(IssueCode.DANGLING, "is not reachable from any Input", node.id,
                                   hint="connect it to the data path or delete it"))
        elif node.id not in to_output and ends and spec.role is not Role.OUTPUT:
            st.issues.append(Issue(IssueCode.DANGLING, "does not lead to any Output", node.id,
                                   hint="connect it towards the Output or delete it"))
