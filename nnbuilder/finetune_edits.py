"""Fine-tuning edits of a project (Qt-free; the inspector's fine-tuning section calls them).

* the head's size comes from the project's ``data`` section by the task rule :func:`nnbuilder.sections.output_size`;
* :func:`replace_head_command` builds the one-step :class:`Macro` that puts a ``Linear`` head between a
  ``Backbone`` (``output: features``) and the Output, removing the chain of layers that was there;
* :func:`attribute_names` and :func:`with_multiplier` map nodes to the ``training.lr_multipliers`` keys
  the engine reads (the top-level submodule = the node's attribute name in the generated code; a Backbone's
  blocks are ``"<attribute>.<block>"``, see :func:`inherited_multiplier`);
* :func:`renamed_training` moves those keys when a rename changes attribute names;
* :func:`unfreeze_epochs` and :func:`with_unfreeze` read and edit a Backbone's ``training.unfreeze`` steps
  (staged unfreezing: a block becomes trainable at the start of an epoch).
"""
from __future__ import annotations

import copy
from typing import Any

from nnbuilder.graph.commands import AddNode, Command, Connect, Macro, MoveNodes, RemoveNodes, SetParam, new_node
from nnbuilder.graph.document import Edge, GraphDocument
from nnbuilder.sections import default_training

HEAD_GAP = 220.0  # horizontal distance between a node and the one it feeds, as in the examples


def _head_chain(doc: GraphDocument, backbone: str) -> tuple[list[str], str | None]:
    """The single-input, single-consumer nodes between ``backbone`` and an Output (the old head), and that
    Output; ``([], None)`` when the backbone does not lead to an Output through such a chain."""
    chain: list[str] = []
    current = backbone
    while True:
        outs = doc.out_edges(current)
        if len(outs) != 1:
            return [], None
        nxt = outs[0].target
        node = doc.node(nxt)
        if node.type == "Output":
            return chain, nxt
        if len(doc.in_edges(nxt)) != 1 or nxt in chain:
            return [], None
        chain.append(nxt)
        current = nxt


def replace_head_command(doc: GraphDocument, backbone: str, out_features: int) -> tuple[Command | None, str]:
    """One undo step giving ``backbone`` a ``Linear(out_features)`` head connected to the Output.

    The layers between the backbone and its Output (a simple chain: the old head) are replaced by a new
    Linear; when that chain is already one Linear only its ``out_features`` is set (None: nothing to do).
    A backbone that leads to no Output gets the head wired to an Output without input, or to a new Output.
    Returns the command and the head's id.
    """
    node = doc.node(backbone)
    x, y = node.pos if node.pos is not None else (0.0, 0.0)
    chain, output = _head_chain(doc, backbone)
    if len(chain) == 1 and doc.node(chain[0]).type == "Linear":
        current = doc.node(chain[0]).params.get("out_features")
        if current == out_features:
            return None, chain[0]
        return SetParam(chain[0], "out_features", int(out_features)), chain[0]
    commands: list[Command] = []
    if chain:
        commands.append(RemoveNodes(chain))
    else:
        # The backbone feeds something else too (or nothing): leave that, add the head beside it.
        free = [n.id for n in doc.nodes if n.type == "Output" and not doc.in_edges(n.id)]
        if output is None:
            output = free[0] if free else None
    head = new_node(doc, "Linear", (x + HEAD_GAP, y), {"out_features": int(out_features)}, node_id="head")
    commands += [AddNode(head), Connect(Edge(backbone, head.id))]
    if output is None:
        out = new_node(doc, "Output", (x + 2 * HEAD_GAP, y), node_id="output")
        commands += [AddNode(out), Connect(Edge(head.id, out.id))]
    else:
        commands.append(Connect(Edge(head.id, output)))
        out_pos = doc.node(output).pos
        if chain or out_pos is None or out_pos[0] < x + HEAD_GAP + 40:
            commands.append(MoveNodes({output: (x + 2 * HEAD_GAP, y)}))
    return Macro(f"replace head of '{backbone}'", commands), head.id


def attribute_names(analysis: Any, project_name: str) -> dict[str, str]:
    """Node id -> attribute name in the generated module (what ``training.lr_multipliers`` is keyed by)."""
    from nnbuilder.compile.codegen import attribute_names as names

    return names(analysis.order, project_name)


def multiplier_of(training: Any, key: str) -> float | None:
    """The LR multiplier stored for ``key`` (None: unset, i.e. ×1)."""
    table = training.get("lr_multipliers") if isinstance(training, dict) else None
    value = table.get(key) if isinstance(table, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def inherited_multiplier(training: Any, key: str) -> float | None:
    """The multiplier a dotted ``key`` (``"backbone.layer4"``) inherits: that of its longest stored prefix
    (the key the optimizer's parameter groups would file it under, :func:`nnbuilder.training.optim.owning_key`)."""
    from nnbuilder.training.optim import owning_key

    parent, dot, _ = key.rpartition(".")
    table = training.get("lr_multipliers") if isinstance(training, dict) else None
    if not dot or not isinstance(table, dict):
        return None
    owner = owning_key(parent, [k for k in table if isinstance(k, str) and multiplier_of(training, k) is not None])
    return None if owner is None else multiplier_of(training, owner)


def with_multiplier(training: dict[str, Any] | None, key: str, value: float | None,
                    default: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``training`` (``default``, else the default training section, when absent) with
    ``lr_multipliers[key]`` set, or removed for None; an emptied table is dropped."""
    out = _copy_or_default(training, default)
    table = dict(out.get("lr_multipliers") or {})
    if value is None:
        table.pop(key, None)
    else:
        table[key] = float(value)
    if table:
        out["lr_multipliers"] = table
    else:
        out.pop("lr_multipliers", None)
    return out


def renamed_training(training: Any, order: list[str], old: str, new: str,
                     project_name: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """``training`` after renaming node ``old`` to ``new``, and the node attribute names after it.

    Renaming a node renames its attribute in the generated code (and may shift others that clash), so the
    ``training.lr_multipliers`` keys and ``training.unfreeze[].module`` names of the moved attributes follow.
    ``order`` is the nodes' topological order (the analysis'); the first item is None when nothing changes.
    """
    from nnbuilder.compile.codegen import attribute_names as names

    before = names(order, project_name)
    after = names([new if n == old else n for n in order], project_name)
    moved = {before[n]: after[new if n == old else n] for n in order
             if before[n] != after[new if n == old else n]}
    if not moved or not isinstance(training, dict):
        return None, after
    out = copy.deepcopy(training)
    changed = False
    table = out.get("lr_multipliers")
    if isinstance(table, dict) and any(_moved_key(k, moved) != k for k in table):  # "backbone.layer4" follows too
        renamed = {_moved_key(k, moved): v for k, v in table.items() if _moved_key(k, moved) != k}
        renamed.update({k: v for k, v in table.items() if _moved_key(k, moved) == k and k not in renamed})
        out["lr_multipliers"] = renamed
        changed = True
    steps = out.get("unfreeze")
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict) and isinstance(step.get("module"), str) and step["module"] in moved:
            step["module"] = moved[step["module"]]
            changed = True
    return (out if changed else None), after


def _moved_key(key: str, moved: dict[str, str]) -> str:
    """``key`` with its top-level attribute renamed as ``moved`` says (dotted block paths keep their tail)."""
    top, dot, tail = key.partition(".")
    return f"{moved[top]}{dot}{tail}" if top in moved else key


def unfreeze_epochs(training: Any, module: str) -> tuple[dict[str, int], int | None]:
    """``training.unfreeze`` for ``module``: block -> epoch it unfreezes at (the earliest step), and the epoch of
    the earliest whole-module step (a step without blocks; None: none).  Steps are read as the trainer reads
    them (:func:`nnbuilder.training.config.parse_unfreeze`); invalid ones are left out."""
    from nnbuilder.training.config import parse_unfreeze

    blocks: dict[str, int] = {}
    whole: int | None = None
    steps = parse_unfreeze(training.get("unfreeze") if isinstance(training, dict) else None)[0]
    for step in steps:
        if step.module != module:
            continue
        if not step.blocks:
            whole = step.epoch if whole is None else min(whole, step.epoch)
        for name in step.blocks:
            blocks[name] = min(blocks.get(name, step.epoch), step.epoch)
    return blocks, whole


def with_unfreeze(training: dict[str, Any] | None, module: str, block: str | None, epoch: int | None,
                  default: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``training`` (``default``, else the default training section, when absent) where ``block`` of ``module`` (None: the whole module)
    unfreezes at ``epoch`` (None: never).

    The block is first taken out of every step of the module (a step it empties goes); then it joins the step of
    the same module and epoch, or a new ``{"epoch", "module", "blocks"}`` step. An emptied list is dropped.
    """
    out = _copy_or_default(training, default)
    raw = out.get("unfreeze")
    steps: list[Any] = []
    for step in raw if isinstance(raw, list) else []:
        if not isinstance(step, dict) or step.get("module") != module:
            steps.append(step)
            continue
        names = step.get("blocks")
        if block is None:
            if names:  # keep block steps; whole-module steps go
                steps.append(step)
            continue
        if not names or not isinstance(names, list) or block not in names:
            steps.append(step)
            continue
        rest = [b for b in names if b != block]
        if rest:
            steps.append({**step, "blocks": rest})
    if epoch is not None:
        if block is None:
            steps.append({"epoch": int(epoch), "module": module})
        else:
            same = next((s for s in steps if isinstance(s, dict) and s.get("module") == module
                         and s.get("epoch") == epoch and isinstance(s.get("blocks"), list) and s["blocks"]), None)
            if same is not None:
                same["blocks"] = [*same["blocks"], block]
            else:
                steps.append({"epoch": int(epoch), "module": module, "blocks": [block]})
    if steps:
        out["unfreeze"] = steps
    else:
        out.pop("unfreeze", None)
    return out


def _copy_or_default(training: Any, default: dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(training, dict):
        return copy.deepcopy(training)
    return copy.deepcopy(default) if default is not None else default_training()
