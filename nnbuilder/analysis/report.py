"""One call that validates a document and infers its shapes: :func:`analyze`."""
from __future__ import annotations

from dataclasses import dataclass, field

from nnbuilder.analysis.issues import GraphValidationError, Issue, IssueCode
from nnbuilder.analysis.module_paths import nested_layout
from nnbuilder.analysis.shapes import NodeShape, infer_shapes
from nnbuilder.analysis.structure import Structure, check_structure
from nnbuilder.graph.blocks import uses_blocks
from nnbuilder.graph.document import GraphDocument


@dataclass
class Analysis:
    """Validation issues plus per-node shapes and counts, in topological order."""

    structure: Structure
    nodes: dict[str, NodeShape] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(i.is_error for i in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def order(self) -> list[str]:
        return self.structure.order

    @property
    def total_params(self) -> int:
        return sum(n.param_count for n in self.nodes.values())

    @property
    def trainable_params(self) -> int:
        return sum(n.trainable for n in self.nodes.values())

    @property
    def total_macs(self) -> int:
        return sum(n.macs for n in self.nodes.values())

    def issues_for(self, node_id: str) -> list[Issue]:
        return [i for i in self.issues if i.node == node_id]

    def raise_for_errors(self) -> None:
        if not self.valid:
            raise GraphValidationError(self.issues)

    def to_json(self) -> dict:
        """The ``nnbuilder validate --json`` document (see DESIGN.md)."""
        return {
            "valid": self.valid,
            "errors": [i.to_json() for i in self.errors],
            "warnings": [i.to_json() for i in self.warnings],
            "nodes": {nid: {"type": self.structure.specs[nid].type,
                            "output_shape": list(n.output_shape) if n.output_shape is not None else None,
                            "params": n.param_count, "trainable": n.trainable, "macs": n.macs}
                      for nid, n in self.nodes.items()},
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "frozen_params": self.total_params - self.trainable_params,
            "macs": self.total_macs,
        }


def analyze(doc: GraphDocument) -> Analysis:
    """Validate ``doc`` and infer shapes; problems are returned as issues, never raised."""
    if uses_blocks(doc):  # expanded into plain layers first (analysis/block_analysis.py)
        from nnbuilder.analysis.block_analysis import analyze_blocks

        return analyze_blocks(doc)
    st = check_structure(doc)
    analysis = Analysis(structure=st, issues=list(st.issues))
    if st.order:
        unbuildable = (IssueCode.PARAM, IssueCode.UNKNOWN_TYPE, IssueCode.PORT)
        broken = {i.node for i in st.issues if i.is_error and i.code in unbuildable}
        if broken:
            # Shapes downstream of a node with bad params are meaningless; infer the rest.
            st_order = [n for n in st.order if n not in broken]
            st = Structure(st.issues, st.specs, st.params, st.inputs_of, st_order, st.graph)
        nodes, shape_issues = infer_shapes(st)
        for node_id in nested_layout(doc, st.order).shares:  # a shared layer's weights count once
            if node_id in nodes:
                nodes[node_id].param_count = nodes[node_id].trainable = 0
        analysis.nodes = nodes
        analysis.issues.extend(shape_issues)
    return analysis
