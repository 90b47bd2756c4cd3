"""Generate readable PyTorch source for a validated graph.

The source defines one ``nn.Module`` subclass constructible with no arguments:
attributes named after node ids, a forward pass in topological order, and the
resolved shapes in comments.  The app execs this exact source to get the model
it trains, and ``export`` writes it verbatim.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nnbuilder import __version__
from nnbuilder.analysis import Analysis
from nnbuilder.analysis.expressions import forward_code, setup_code
from nnbuilder.analysis.module_paths import nested_layout
from nnbuilder.compile.identifiers import Namespace, class_name, comment_text
from nnbuilder.compile.preprocessing import ModelPreprocessing
from nnbuilder.formatting import batch_shape
from nnbuilder.graph.document import GraphDocument
from nnbuilder.layers import Role

_TORCH_DTYPE = {"float32": "torch.float32", "float64": "torch.float64", "int64": "torch.long"}


@dataclass
class GeneratedCode:
    source: str
    class_name: str
    input_names: list[str]  # forward arguments, in Input-node document order
    output_names: list[str]
    attr_of: dict[str, str]  # node id -> attribute / variable name
    buffers: dict[str, tuple[str, str]] = field(default_factory=dict)  # node id or "target" -> (mean, std) buffers


def generate(doc: GraphDocument, analysis: Analysis, name: str = "Model",
             preprocessing: ModelPreprocessing | None = None, prelude: list[str] | None = None,
             extra_imports: list[str] = ()) -> GeneratedCode:
    """Source for ``analysis`` (which must be valid) of ``doc``; ``preprocessing`` adds the
    standardisation buffers, the class names and the task (see :mod:`nnbuilder.compile.preprocessing`).
    A graph with blocks gets their classes first (``prelude``, from :mod:`nnbuilder.compile.block_codegen`)."""
    if prelude is None and getattr(analysis, "expanded", None) is not None:
        from nnbuilder.compile.block_codegen import generate_with_blocks

        return generate_with_blocks(doc, analysis, name, preprocessing)
    analysis.raise_for_errors()
    st = analysis.structure
    nested = nested_layout(doc, st.order)  # imported nodes keep their source's module paths
    cls, ns, attr = _names(st.order, name, nested.top)
    pre = preprocessing or ModelPreprocessing()
    buffers = {s.node: (ns.name(f"\0{s.node}\0mean", f"{attr[s.node].rstrip('_')}_mean"),
                        ns.name(f"\0{s.node}\0std", f"{attr[s.node].rstrip('_')}_std")) for s in pre.inputs}
    if pre.target_shape is not None:
        buffers["target"] = (ns.name("\0target\0mean", "target_mean"), ns.name("\0target\0std", "target_std"))
    inputs = [n for n in st.order if st.specs[n].role is Role.INPUT]
    inputs.sort(key=[n.id for n in doc.nodes].index)
    outputs = [n for n in st.order if st.specs[n].role is Role.OUTPUT]
    outputs.sort(key=[n.id for n in doc.nodes].index)

    imports = ["import torch", "from torch import nn"]
    if pre.geometry is not None:
        imports.append("from torchvision.transforms.v2 import functional as TF")
    for line in extra_imports:
        if line not in imports:
            imports.insert(1, line)
    for node_id in st.order:
        for line in st.specs[node_id].imports:
            if line not in imports:
                imports.insert(1, line)

    init: list[str] = list(nested.containers)
    body: list[str] = []
    var = _allocate_variables(st, attr, ns)
    for node_id in st.order:
        spec, info = st.specs[node_id], analysis.nodes[node_id]
        a = nested.access.get(node_id, attr[node_id])
        if spec.role in (Role.INPUT, Role.OUTPUT):
            continue
        ports = st.inputs_of[node_id]
        args = [var[ports[p].source] if p in ports else None for p in range(len(spec.input_ports(info.params)))]
        expr = forward_code(spec, a, args, info.params)
        shape = _shape(info.output_shape)
        if info.ctor is not None and node_id in nested.shares:  # a shared layer, called again
            body.append(f"{var[node_id]} = {expr}  # {shape}, {nested.dotted[node_id]} called again (shared weights)")
        elif info.ctor is not None:
            count = f", {info.param_count:,} params" if info.param_count else ""
            frozen = f" ({info.param_count - info.trainable:,} frozen)" if info.trainable < info.param_count else ""
            init.append(f"self.{a} = {info.ctor}  # -> {shape}{count}{frozen}")
            init.extend(setup_code(spec, a, info.params))
            body.append(f"{var[node_id]} = {expr}  # {shape}")
        else:
            body.append(f"{var[node_id]} = {expr}  # {a}: {shape}")
    for node_id in outputs:
        var[node_id] = var[st.inputs_of[node_id][0].source]

    in_names = [attr[n] for n in inputs]
    out_exprs = [var[n] for n in outputs]
    head, fitted, tail = _preprocessing_code(pre, buffers, attr, out_exprs)
    signature = ", ".join(f"{n}: torch.Tensor" for n in in_names)
    ret_type = "torch.Tensor" if len(outputs) == 1 else f"tuple[{', '.join(['torch.Tensor'] * len(outputs))}]"
    ret = out_exprs[0] if len(outputs) == 1 else "(" + ", ".join(out_exprs) + ")"

    lines = [
        f"# Generated by nnbuilder {__version__} from the project {comment_text(repr(name))}.",
        "# A standalone PyTorch module: the code nnbuilder trains is exactly this file.",
        f"# Parameters: {analysis.total_params:,} ({analysis.trainable_params:,} trainable).",
        *imports,
        "",
        "",
        *(prelude or ()),
        f"class {cls}(nn.Module):",
        f'    """forward({", ".join(in_names)}) -> {", ".join(_shape(analysis.nodes[o].output_shape) for o in outputs)}."""',
        "",
        *(f"    {line}" if line else "" for line in _class_facts(pre)),
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *(f"        {line}" for line in fitted),
        *(f"        {line}" for line in init),
        "",
        f"    def forward(self, {signature}) -> {ret_type}:",
        *(f"        {line}" for line in _input_comments(inputs, attr, analysis)),
        *(f"        {line}" for line in head),
        *(f"        {line}" for line in body),
        *(f"        {line}" for line in tail),
        f"        return {ret}",
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {cls}()",
        *(f"    {line}" for line in _example_inputs(inputs, attr, analysis)),
        f"    print(model({', '.join(in_names)}){'.shape' if len(outputs) == 1 else ''})",
        "",
    ]
    return GeneratedCode("\n".join(lines), cls, in_names, out_exprs, {**attr, **nested.dotted}, buffers)


def _class_facts(pre: ModelPreprocessing) -> list[str]:
    """``TASK`` and ``CLASSES`` class attributes (what a prediction means)."""
    lines = []
    if pre.task is not None:
        lines.append(f"TASK = {pre.task!r}")
    if pre.classes:
        lines.append(f"CLASSES = {tuple(pre.classes)!r}  # output index -> class name")
    return [*lines, ""] if lines else []


def _geometry_code(pre: ModelPreprocessing, attr: dict[str, str]) -> list[str]:
    """data.preprocess's channels/resize/crop for raw images of another shape (the data pipeline already did it)."""
    if pre.geometry is None:
        return []
    node, spec, shape = pre.geometry
    x = attr[node]
    lines = [f"if tuple({x}.shape[-3:]) != {tuple(shape)!r}:  # raw images: data.preprocess {spec!r}"]
    if spec.get("channels") == 1:
        lines.append(f"    {x} = TF.rgb_to_grayscale({x}) if {x}.shape[-3] == 3 else {x}")
    if spec.get("resize"):
        size = [spec["resize"]] if isinstance(spec["resize"], int) else list(spec["resize"])
        mode = str(spec.get("interpolation", "bilinear")).upper().replace("-", "_")
        lines.append(f"    {x} = TF.resize({x}, {size!r}, interpolation=TF.InterpolationMode.{mode}, antialias=True)")
    if spec.get("crop"):
        crop = [spec["crop"]] * 2 if isinstance(spec["crop"], int) else list(spec["crop"])
        lines.append(f"    {x} = TF.center_crop({x}, {crop!r})")
    if spec.get("channels") == 3:
        lines.append(f"    {x} = {x}.expand(*{x}.shape[:-3], 3, *{x}.shape[-2:]) if {x}.shape[-3] == 1 else {x}")
    return lines


def _preprocessing_code(pre: ModelPreprocessing, buffers: dict[str, tuple[str, str]], attr: dict[str, str],
                        out_exprs: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Forward head (standardise raw inputs), ``__init__`` buffers and forward tail (targets' units)."""
    head: list[str] = _geometry_code(pre, attr)
    init: list[str] = []
    for scaling in pre.inputs:
        mean, std = buffers[scaling.node]
        dims = ", ".join(str(d) for d in scaling.shape)
        what = "the training split" if scaling.source == "training split" else "data.preprocess"
        init.append(f'self.register_buffer("{mean}", torch.zeros({dims}))  # fitted: mean of {what}')
        init.append(f'self.register_buffer("{std}", torch.ones({dims}))  # fitted: std of {what}')
        x = attr[scaling.node]
        head.append(f"{x} = ({x} - self.{mean}) / self.{std}  # standardise the raw input")
    tail: list[str] = []
    if "target" in buffers and len(out_exprs) == 1:
        mean, std = buffers["target"]
        dims = ", ".join(str(d) for d in pre.target_shape or (1,))
        init.append(f'self.register_buffer("{mean}", torch.zeros({dims}))  # fitted: mean of the training targets')
        init.append(f'self.register_buffer("{std}", torch.ones({dims}))  # fitted: std of the training targets')
        out = out_exprs[0]
        tail.append(f"{out} = {out} * self.{std} + self.{mean}  # predictions in the data's own units")
    if init:
        init = ["# Preprocessing fitted on the training data; the values come with the weights.", *init]
    return head, init, tail


def _names(order: list[str], name: str, reserved: set[str] = frozenset()) -> tuple[str, Namespace, dict[str, str]]:
    """The class name, the namespace and each node's attribute name, in topological order."""
    cls = class_name(name)
    ns = Namespace({cls, *reserved})
    return cls, ns, {node_id: ns.name(node_id) for node_id in order}


def attribute_names(order: list[str], name: str = "Model") -> dict[str, str]:
    """Node id → attribute of the generated module (the keys of ``training.lr_multipliers``)."""
    return _names(order, name)[2]


def _allocate_variables(st, attr: dict[str, str], ns: Namespace) -> dict[str, str]:
    """Variable names for node outputs, the way people write forward passes.

    A value read by one node flows through a reused stream variable (``x = self.fc1(x)``);
    a value read by several nodes (a skip connection) keeps its node's name until its
    last use.  Reusing names frees dead intermediates as early as hand-written code does.
    """
    consumers: dict[str, int] = {n: 0 for n in st.order}
    last_use: dict[str, str] = {}
    for node_id in st.order:
        for edge in st.inputs_of.get(node_id, {}).values():
            consumers[edge.source] += 1
            last_use[edge.source] = node_id
    var: dict[str, str] = {}
    streams: set[str] = set()  # names of single-use values, free for reuse once read
    free: list[str] = []
    count = 0
    for node_id in st.order:
        spec = st.specs[node_id]
        if spec.role is Role.OUTPUT:
            continue
        if spec.role is Role.INPUT:
            var[node_id] = attr[node_id]
            if var[node_id] == "x" and consumers[node_id] == 1:
                streams.add("x")  # the idiomatic forward(self, x): x = self.fc1(x)
            continue
        dying = []
        for port in sorted(st.inputs_of[node_id]):
            source = st.inputs_of[node_id][port].source
            if last_use.get(source) == node_id and var[source] in streams and var[source] not in dying:
                dying.append(var[source])
        if consumers[node_id] > 1:
            name = attr[node_id]
            free.extend(dying)
        elif dying:
            name = dying[0]
            free.extend(dying[1:])
        elif free:
            name = free.pop(0)
        else:
            count += 1
            name = ns.name(("stream", count), "x")
            streams.add(name)
        if name in free:
            free.remove(name)
        var[node_id] = name
    return var


def _shape(shape: tuple[int, ...] | None) -> str:
    return batch_shape(shape or ())


def _input_comments(inputs: list[str], attr: dict[str, str], analysis: Analysis) -> list[str]:
    return [f"# {attr[n]}: {_shape(analysis.nodes[n].output_shape)} {analysis.nodes[n].dtype}" for n in inputs]


def _example_inputs(inputs: list[str], attr: dict[str, str], analysis: Analysis) -> list[str]:
    lines = []
    for n in inputs:
        info = analysis.nodes[n]
        dims = ", ".join(str(d) for d in (4, *info.output_shape))
        if info.dtype == "int64":
            lines.append(f"{attr[n]} = torch.zeros({dims}, dtype=torch.long)")
        else:
            lines.append(f"{attr[n]} = torch.randn({dims}, dtype={_TORCH_DTYPE[info.dtype]})")
    return lines
