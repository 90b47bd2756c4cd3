"""The optional pieces of an exported train.py: scheduler, L1/L2 penalty, gradient clipping, staged unfreezing.

Each piece is emitted only when the project uses it, so a plain project's script stays plain.  They mirror the
engine (:mod:`nnbuilder.training.stepping`, :mod:`nnbuilder.training.optim`, :mod:`nnbuilder.training.schedulers`):
the penalty is added to the loss that is backpropagated but not to the logged loss, clipping clamps values first
and then the global norm after backward, and staged unfreezing happens at the start of its (1-based) epoch over
parameters that sit in the optimizer's groups from the start.
"""
from __future__ import annotations

from typing import Any

from nnbuilder.training.optim import unfreeze_modules

SCHEDULERS = ("StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau", "OneCycleLR", "LinearWarmup")

_PENALTY = '''

def penalty(model):
    """L1/L2 penalty on the trainable weight matrices and kernels (dim >= 2; biases and norm scales are left out)."""
    weights = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
    if not weights:
        return 0.0
    return ({terms})
'''

_CLIP = '''

def clip_gradients(optimizer):
    """Clip the gradients after backward: {what}."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
{lines}'''

_UNFREEZE = '''

def unfreeze(model, epoch):
    """Make every UNFREEZE module whose epoch (1-based) has come trainable; True when something changed."""
    changed = False
    for at, path in UNFREEZE:
        if at <= epoch:
            for p in model.get_submodule(path).parameters():
                changed = changed or not p.requires_grad
                p.requires_grad_(True)
    return changed
'''

_UNFREEZE_CALL = '''\
        if unfreeze(model, epoch + 1) and distributed:  # DDP reduces only what was trainable when it wrapped
            net = nn.parallel.DistributedDataParallel(model)
'''

_WARMUP = '''\
    warmup, total = {warmup}, steps_per_epoch * epochs

    def factor(step):  # linear warmup to 1, then {after}
        if step < warmup:
            return (step + 1) / warmup
{tail}
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor), "step"'''


def scheduler_body(cfg: Any) -> str:
    """The body of train.py's ``make_scheduler(optimizer, steps_per_epoch, epochs)`` (indented)."""
    s = cfg.scheduler
    if s is None or s.type not in SCHEDULERS:
        return "    return None, None"
    p = dict(s.params)
    sched = "torch.optim.lr_scheduler"
    if s.type == "StepLR":
        return f"    return {sched}.StepLR(optimizer, step_size={p['step_size']!r}, gamma={p['gamma']!r}), \"epoch\""
    if s.type == "ExponentialLR":
        return f"    return {sched}.ExponentialLR(optimizer, gamma={p['gamma']!r}), \"epoch\""
    if s.type == "CosineAnnealingLR":
        t_max = "epochs" if p["T_max"] is None else repr(p["T_max"])
        return f"    return {sched}.CosineAnnealingLR(optimizer, T_max={t_max}, eta_min={p['eta_min']!r}), \"epoch\""
    if s.type == "OneCycleLR":
        max_lr = "LR" if p["max_lr"] is None else repr(p["max_lr"])
        return (f"    momentum = optimizer.defaults.get(\"momentum\", 0.0) > 0 or \"betas\" in optimizer.defaults\n"
                f"    return {sched}.OneCycleLR(\n"
                f"        optimizer, max_lr=[{max_lr} * group[\"multiplier\"] for group in optimizer.param_groups],\n"
                f"        total_steps=max(1, steps_per_epoch * epochs), pct_start={p['pct_start']!r},\n"
                f"        anneal_strategy={p['anneal_strategy']!r}, div_factor={p['div_factor']!r},\n"
                f"        final_div_factor={p['final_div_factor']!r}, cycle_momentum=momentum), \"step\"")
    if s.type == "LinearWarmup":
        warmup = repr(p["warmup_steps"]) if p["warmup_steps"] else f"{p['warmup_epochs']!r} * steps_per_epoch"
        if p["cosine"]:
            ratio = p["min_lr_ratio"]
            cosine = "0.5 * (1.0 + math.cos(math.pi * progress))"
            decay = cosine if ratio == 0 else f"{ratio!r} + (1.0 - {ratio!r}) * {cosine}"
            tail = ("        progress = min(1.0, (step - warmup) / max(1, total - warmup))\n"
                    f"        return {decay}\n")
            after = f"cosine decay to {ratio!r} × the LR"
        else:
            tail, after = "        return 1.0\n", "constant"
        return _WARMUP.format(warmup=warmup, after=after, tail=tail)
    mode = "max" if p["monitor"].removeprefix("val_") in ("accuracy", "r2") else "min"
    return (f"    return {sched}.ReduceLROnPlateau(optimizer, mode={mode!r}, factor={p['factor']!r}, "
            f"patience={p['patience']!r},\n        threshold={p['threshold']!r}, cooldown={p['cooldown']!r}, "
            f"min_lr={p['min_lr']!r}), \"plateau\"")


def plateau_monitor(cfg: Any) -> str:
    s = cfg.scheduler
    return s.params["monitor"] if s is not None and s.type == "ReduceLROnPlateau" else "val_loss"


def training_parts(cfg: Any, model: Any) -> dict[str, str]:
    """The template fields for penalty, clipping and unfreezing (empty strings when the project does not use them).

    ``model`` is the prepared module: staged unfreezing is resolved on it, so a wrong layer or block name is an
    error here, as it would be when training starts.
    """
    constants, functions = [], []
    parts = {"penalty_code": "", "objective": "loss", "logged": "value", "clip_code": "", "unfreeze_code": "",
             "later_doc": "", "later_code": "", "later_test": ""}
    reg = cfg.regularization
    if reg.active:
        l1 = reg.l1 + reg.elastic_alpha * reg.elastic_l1_ratio
        l2 = reg.l2 + reg.elastic_alpha * (1.0 - reg.elastic_l1_ratio) / 2.0
        constants.append(f"PENALTY_L1, PENALTY_L2 = {l1!r}, {l2!r}  # training.regularization: "
                         "l1 + alpha·ratio, l2 + alpha·(1 - ratio)/2")
        terms = [term for coefficient, term in (
            (l1, "PENALTY_L1 * torch.stack([w.abs().sum() for w in weights]).sum()"),
            (l2, "PENALTY_L2 * torch.stack([w.pow(2).sum() for w in weights]).sum()")) if coefficient > 0]
        functions.append(_PENALTY.format(terms="\n            + ".join(terms)))
        parts.update(objective="total", logged="loss.item()",
                     penalty_code="            total = loss + penalty(model)  # the history logs the loss without it\n")
    clip = cfg.grad_clip
    if clip is not None and (clip.value is not None or clip.max_norm is not None):
        constants.append(f"GRAD_CLIP = {{'value': {clip.value!r}, 'max_norm': {clip.max_norm!r}}}  # training.grad_clip")
        lines, what = "", []
        if clip.value is not None:
            lines += "    torch.nn.utils.clip_grad_value_(params, GRAD_CLIP[\"value\"])\n"
            what.append("each element to ±value")
        if clip.max_norm is not None:
            lines += "    torch.nn.utils.clip_grad_norm_(params, GRAD_CLIP[\"max_norm\"])\n"
            what.append("then the global norm to max_norm" if what else "the global norm to max_norm")
        functions.append(_CLIP.format(what=", ".join(what), lines=lines))
        parts["clip_code"] = "            clip_gradients(optimizer)\n"
    if cfg.unfreeze:
        unfreeze_modules(model, cfg)  # a wrong layer or block: ConfigError naming training.unfreeze[i]
        steps = [(step.epoch, name) for step in cfg.unfreeze for name, _ in
                 unfreeze_modules(model, _only(cfg, step))]
        constants.append(f"UNFREEZE = {steps!r}  # (epoch, module): trainable from the start of that epoch")
        functions.append(_UNFREEZE)
        parts.update(unfreeze_code=_UNFREEZE_CALL,
                     later_doc="\n\n    Parameters UNFREEZE makes trainable later are placed now (frozen, they get no updates).",
                     later_code="    later = {id(p) for _, path in UNFREEZE for p in model.get_submodule(path).parameters()}\n",
                     later_test=" and id(p) not in later")
    parts["extra_constants"] = "".join(f"{line}\n" for line in constants)
    parts["extra_functions"] = "".join(functions)
    return parts


def _only(cfg: Any, step: Any) -> Any:
    """``cfg`` with ``step`` as its only unfreeze step (to list that step's modules)."""
    from dataclasses import replace

    return replace(cfg, unfreeze=(step,))
