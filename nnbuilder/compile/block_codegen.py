"""Code generation for blocks: each block becomes its own ``nn.Module`` class used by the model.

A block's layers become attributes of its class.  Constructor values that differ between the
copies of a block (a resolved ``in_channels``, a per-copy ``stride``) become arguments of the
class's ``__init__`` with the first copy's values as defaults; values that coincide in every
copy share one argument.  A Block node becomes ``BasicBlock(...)``, or for ``repeat`` > 1
``nn.Sequential(BasicBlock(...), BasicBlock(...))``, so state-dict keys read
``layer1.0.conv1.weight`` as in hand-written PyTorch (torchvision's ResNet included).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from nnbuilder.analysis.block_analysis import BlockAnalysis, block_spec
from nnbuilder.analysis.block_flatten import Instance
from nnbuilder.analysis.expressions import constructor_code, forward_code, literal, setup_code
from nnbuilder.analysis.module_paths import nested_layout
from nnbuilder.analysis.structure import Structure
from nnbuilder.compile.identifiers import Namespace, class_name, identifier
from nnbuilder.formatting import batch_shape
from nnbuilder.graph.blocks import BLOCK_TYPE, BlockDef
from nnbuilder.graph.document import GraphDocument
from nnbuilder.layers import get_spec


class BlockCodegenError(ValueError):
    """A block whose copies cannot share one class (a difference the class cannot take as an argument)."""


class _Arg(str):
    """A constructor argument's name standing in for a value: ``repr`` writes the bare name."""

    def __repr__(self) -> str:
        return str(self)


@dataclass
class ClassPlan:
    """One block's class: its name, arguments (name, value per copy) and source lines."""

    block: str
    name: str
    instances: list[Instance]
    args: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)

    def call(self, inst: Instance) -> str:
        """``BasicBlock(conv1_stride=2)`` for one copy (arguments equal to the defaults are left out)."""
        i = self.instances.index(inst)
        given = [f"{a}={literal(v[i])}" for a, v in self.args if v[i] != v[0]]
        return f"{self.name}({', '.join(given)})"


def generate_with_blocks(doc: GraphDocument, analysis: BlockAnalysis, name: str, preprocessing: Any):
    """The model's source with one class per block before the model class (see :func:`generate`)."""
    from nnbuilder.compile.codegen import generate

    analysis.raise_for_errors()
    assert analysis.flat is not None and analysis.expanded is not None
    plans = plan_classes(analysis, reserved={class_name(name)})
    top = BlockAnalysis(structure=analysis.structure, nodes=dict(analysis.nodes), issues=analysis.issues,
                        expanded=analysis.expanded, flat=analysis.flat, copies=analysis.copies)
    for node in doc.nodes:
        if node.type == BLOCK_TYPE:
            copies = [i for i in analysis.flat.instances.values() if len(i.trail) == 1 and i.top == node.id]
            info = top.nodes[node.id]
            from dataclasses import replace

            top.nodes[node.id] = replace(info, ctor=_placement_code(copies, plans))
    prelude: list[str] = []
    imports: list[str] = []
    for plan in plans.values():
        prelude += [*plan.lines, "", ""]
        imports += [i for i in plan.imports if i not in imports]
    return generate(doc, top, name, preprocessing, prelude=prelude, extra_imports=imports)


def _placement_code(copies: list[Instance], plans: dict[str, ClassPlan]) -> str:
    calls = [plans[c.block].call(c) for c in copies]
    if len(calls) == 1:
        return calls[0]
    return "nn.Sequential(" + ", ".join(calls) + ")"


def plan_classes(analysis: BlockAnalysis, reserved: set[str]) -> dict[str, ClassPlan]:
    """A class per block used by the model, inner blocks first."""
    flat = analysis.flat
    assert flat is not None
    uses = nx.DiGraph()
    for inst in flat.instances.values():
        uses.add_node(inst.block)
        if len(inst.trail) > 1:
            outer = flat.instances[inst.prefix.rsplit("/", 3)[0] + "/"]
            uses.add_edge(inst.block, outer.block)
    names = Namespace(set(reserved))
    plans: dict[str, ClassPlan] = {}
    for block in nx.lexicographical_topological_sort(uses):
        instances = [i for i in flat.instances.values() if i.block == block]
        plan = ClassPlan(block, names.name(block, class_name(block, "Block")), instances)
        _write_class(plan, flat.blocks[block], analysis, plans)
        plans[block] = plan
    return plans


def _order(block: BlockDef) -> list[str]:
    graph = nx.DiGraph()
    index = {n.id: i for i, n in enumerate(block.nodes)}
    graph.add_nodes_from(index)
    graph.add_edges_from((e.source, e.target) for e in block.edges)
    return list(nx.lexicographical_topological_sort(graph, key=lambda n: index[n]))


def _write_class(plan: ClassPlan, block: BlockDef, analysis: BlockAnalysis, plans: dict[str, ClassPlan]) -> None:
    expanded, flat = analysis.expanded, analysis.flat
    order = _order(block)
    st = Structure(order=order)
    for e in block.edges:
        st.inputs_of.setdefault(e.target, {}).setdefault(e.target_port, e)
    layers = [n for n in order if block.node(n).type not in ("Input", "Output")]
    nested = nested_layout(GraphDocument(block.nodes, block.edges), order)
    ns = Namespace({plan.name} | nested.top)
    attr = {n: ns.name(n) for n in order}
    varying = _Varying()
    ctor: dict[str, str] = {}
    shapes: dict[str, str] = {}
    for n in order:
        node = block.node(n)
        st.inputs_of.setdefault(n, {})
        if node.type == BLOCK_TYPE:
            subs = [[flat.instances[p] for p in flat.instances if p.startswith(f"{i.prefix}{n}/")
                     and p.count("/") == i.prefix.count("/") + 2] for i in plan.instances]
            kinds = {tuple(s.block for s in group) for group in subs}
            if len(kinds) != 1:
                raise BlockCodegenError(f"block {plan.block!r}: the Block node '{n}' places different blocks or "
                                        "repeats in different copies; give each variant its own block")
            first = flat.blocks[subs[0][0].block]
            st.specs[n] = block_spec(first.name, first.inputs)
            calls = []
            for k, _ in enumerate(subs[0]):
                sub_plan = plans[subs[0][k].block]
                given = []
                for arg, per_copy in sub_plan.args:
                    values = tuple(per_copy[sub_plan.instances.index(group[k])] for group in subs)
                    given.append(f"{arg}={varying.use(values, f'{n}_{k}' + chr(1) + arg)}")
                calls.append(f"{sub_plan.name}({', '.join(given)})")
            ctor[n] = calls[0] if len(calls) == 1 else "nn.Sequential(" + ", ".join(calls) + ")"
            infos = [expanded.nodes.get(_end_id(flat, i, n)) for i in plan.instances]
        else:
            ids = [i.prefix + n for i in plan.instances]
            st.specs[n] = expanded.structure.specs[ids[0]] if ids[0] in expanded.structure.specs else get_spec(node.type)
            if node.type in ("Input", "Output"):
                continue
            infos = [expanded.nodes[i] for i in ids]
            spec = st.specs[n]
            codes = {constructor_code(spec, i.params) for i in infos}
            fwd = {(forward_code(spec, "m", ["x"] * 8, i.params), tuple(setup_code(spec, "m", i.params))) for i in infos}
            if len(fwd) > 1:
                raise BlockCodegenError(f"block {plan.block!r}: layer '{n}' has parameters that change its forward "
                                        "pass and differ between copies; give each variant its own block")
            params = dict(infos[0].params)
            if len(codes) > 1:
                if spec.constructor is not None:
                    raise BlockCodegenError(f"block {plan.block!r}: layer '{n}' ({spec.type}) differs between copies; "
                                            "give each variant its own block")
                inferred = {p.name for p in spec.params if p.inferred}
                for key in params:
                    values = tuple(i.params.get(key) for i in infos)
                    if len(set(map(repr, values))) > 1:
                        params[key] = varying.use(values, f"{attr[n]}\1{key}", key in inferred)
            ctor[n] = constructor_code(spec, params)
            st.params[n] = infos[0].params
            for line in spec.imports:
                if line not in plan.imports:
                    plan.imports.append(line)
        shapes[n] = _common_shape(infos)
    names = varying.names()
    for n, code in ctor.items():
        for placeholder, name, _ in names:
            code = code.replace(placeholder, name) if code is not None else None
        ctor[n] = code
    plan.args = [(name, values) for _, name, values in names]
    _emit(plan, block, st, attr, nested, ctor, shapes, layers, analysis)


def _end_id(flat, inst: Instance, node_id: str) -> str | None:
    subs = [i for p, i in flat.instances.items() if p.startswith(f"{inst.prefix}{node_id}/")
            and p.count("/") == inst.prefix.count("/") + 2]
    end = subs[-1].output if subs else None
    return end[0] if end else None


class _Varying:
    """Values that differ between a block's copies, grouped when they coincide in every copy."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, ...], tuple[tuple[Any, ...], list[tuple[str, bool]]]] = {}

    def use(self, values: tuple[Any, ...], wanted: str, inferred: bool = False) -> str | _Arg:
        """The literal if every copy has the same value, else a placeholder for the group's argument."""
        if len(set(map(repr, values))) == 1:
            return literal(values[0])
        key = tuple(map(repr, values))
        self.groups.setdefault(key, (values, []))[1].append((wanted, inferred))
        return _Arg(self._index()[key])

    def _index(self) -> dict[tuple[str, ...], str]:
        return {key: f"\0{i + 1}\0" for i, key in enumerate(self.groups)}

    def names(self) -> list[tuple[str, str, tuple[Any, ...]]]:
        """(placeholder, argument name, values): a group is named after a value the user set (not inferred),
        as the bare parameter name (``out_channels``) when no other group wants it."""
        chosen = []
        for key, (values, wanted) in self.groups.items():
            pick = next((w for w, inferred in wanted if not inferred), wanted[0][0])
            chosen.append((key, values, pick))
        bare = [p.split("\1")[1] for _, _, p in chosen]
        names: list[tuple[str, str, tuple[Any, ...]]] = []
        taken = {"self"}
        for i, (key, values, pick) in enumerate(chosen):
            owner, param = pick.split("\1")
            base = identifier(param if bare.count(param) == 1 else f"{owner}_{param}")
            name, n = base, 2
            while name in taken:
                name, n = f"{base}_{n}", n + 1
            taken.add(name)
            names.append((f"\0{i + 1}\0", name, values))
        return names


def _common_shape(infos: list) -> str:
    shapes = {tuple(i.output_shape) if i is not None and i.output_shape is not None else None for i in infos}
    if len(shapes) != 1 or None in shapes:
        return ""
    return batch_shape(next(iter(shapes)))


def _emit(plan: ClassPlan, block: BlockDef, st: Structure, attr: dict[str, str], nested, ctor: dict[str, str],
          shapes: dict[str, str], layers: list[str], analysis: BlockAnalysis) -> None:
    from nnbuilder.compile.codegen import _allocate_variables

    inputs = block.inputs
    for n in inputs + [block.output]:
        st.specs[n] = get_spec(block.node(n).type)
    var = _allocate_variables(st, attr, Namespace(set(attr.values()) | {plan.name}))
    sig = ", ".join(f"{a}{_hint(v[0])} = {literal(v[0])}" for a, v in plan.args)
    expanded = analysis.expanded
    first = plan.instances[0]
    count = sum(expanded.nodes[first.prefix + n].param_count for n in layers if first.prefix + n in expanded.nodes)
    init = list(nested.containers)
    body = []
    for n in layers:
        a = nested.access.get(n, attr[n])
        spec = st.specs[n]
        ports = st.inputs_of[n]
        args_in = [var[ports[p].source] if p in ports else None for p in range(len(spec.input_ports(st.params.get(n, {}))))]
        shape = f"  # {shapes[n]}" if shapes.get(n) else ""
        if ctor.get(n) is not None:
            init.append(f"self.{a} = {ctor[n]}{shape}")
            init.extend(setup_code(spec, a, st.params.get(n, {})))
            body.append(f"{var[n]} = {forward_code(spec, a, args_in, st.params.get(n, {}))}")
        else:
            body.append(f"{var[n]} = {forward_code(spec, a, args_in, st.params.get(n, {}))}{shape}")
    out = var[st.inputs_of[block.output][0].source]
    in_names = [attr[i] for i in inputs]
    plan.lines = [
        f"class {plan.name}(nn.Module):",
        (f'    """The block {plan.block!r}: {len(plan.instances)} cop{"y" if len(plan.instances) == 1 else "ies"} '
        f'in the model, {count:,} parameters in the first."""'),
        "",
        f"    def __init__(self{', ' if sig else ''}{sig}) -> None:",
        "        super().__init__()",
        *(f"        {line}" for line in init),
        "",
        f"    def forward(self, {', '.join(f'{n}: torch.Tensor' for n in in_names)}) -> torch.Tensor:",
        *(f"        {line}" for line in body),
        f"        return {out}",
    ]


def _hint(value: Any) -> str:
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return f": {kind.__name__}"
    if isinstance(value, (list, tuple)):
        return ": tuple"
    return ""
