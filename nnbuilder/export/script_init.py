"""The ``training.init`` piece of an exported train.py: the same ``torch.nn.init`` draws, right after seeding.

The app seeds torch's global generator, then :func:`nnbuilder.training.weight_init.apply_init` zeroes the biases
and redraws the weight matrices and kernels of the chosen modules in ``named_modules`` order, then trains.
train.py does the same steps in the same order, so both the initial weights and the random stream after them
(dropout, augmentation) are the app's.
"""
from __future__ import annotations

from typing import Any

from nnbuilder.training.weight_init import init_plan

_FUNCTION = '''

def init_weights(model):
    """training.init: per module, biases to zero and weight matrices/kernels drawn with torch.nn.init (in order)."""
    with torch.no_grad():
        for path, draw, kwargs in INIT:
            for name, p in model.get_submodule(path).named_parameters(recurse=False):
                if name.startswith("bias"):
                    nn.init.zeros_(p)
                elif p.dim() >= 2:
                    getattr(nn.init, draw)(p, **kwargs)
'''


def _draw(scheme: Any) -> tuple[str, dict[str, Any]]:
    """The ``torch.nn.init`` function and arguments of one scheme (as ``_init_tensor`` calls them)."""
    p = scheme.params
    if scheme.type == "normal":
        return "normal_", {"mean": p["mean"], "std": p["std"]}
    if scheme.type in ("xavier", "kaiming"):
        arg = {"gain": p["gain"]} if scheme.type == "xavier" else {"nonlinearity": p["nonlinearity"]}
        return f"{scheme.type}_{p['distribution']}_", arg
    raise KeyError(f"init scheme {scheme.type!r} has no train.py form")  # pragma: no cover - INIT_SCHEMES' types


def init_parts(cfg: Any, model: Any) -> dict[str, str]:
    """Template fields for ``training.init`` (empty when the project keeps PyTorch's initialisation)."""
    plan = init_plan(model, cfg.init)
    if not plan:
        return {"init_constants": "", "init_functions": "", "init_call": ""}
    steps = "".join(f"    ({name!r}, {_draw(s)[0]!r}, {_draw(s)[1]!r}),\n" for name, s in plan.items())
    return {"init_constants": f"INIT = [  # training.init: (module, torch.nn.init function, arguments)\n{steps}]\n",
            "init_functions": _FUNCTION,
            "init_call": "    init_weights(model)  # training.init, right after seeding as nnbuilder does\n"}
