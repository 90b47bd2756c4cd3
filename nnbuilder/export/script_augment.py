"""The ``data.augment`` piece of an exported train.py: the app's torchvision v2 transforms, drawn the same way.

It mirrors :class:`nnbuilder.data.augment.BatchAugment`: after a training batch is gathered, flips get one coin
per sample from a vectorised ``torch.rand`` and every other step runs per sample; all draws come from torch's
global generator, seeded as the app seeds it, in the same order (batch, augmentation, forward pass), so a
single-process run reproduces the app's history.  Standardised batches are mapped back to pixel values first.
"""
from __future__ import annotations

from typing import Any

_FUNCTION = '''

def make_augment():
    """data.augment: torchvision v2 transforms; ("flip", dim, p) steps flip each sample on its own coin."""
    from torchvision.transforms import v2

    return [
{steps}    ]


def augment(x, steps):
    """Each sample of a training batch (B, C, H, W) gets its own random draw from torch's global generator.

    Single-process, the draws are nnbuilder's; under torchrun every process seeds the same stream, so the
    processes draw the same parameters for their different samples (valid augmentation, not nnbuilder's draws).
    """
    if AUGMENT_STATS is not None:  # the batch is standardised: augment in pixel units
        mean, std = (torch.tensor(s, device=x.device).view(1, -1, 1, 1) for s in AUGMENT_STATS)
        x = x * std + mean
    for step in steps:
        if isinstance(step, tuple):
            _, dim, p = step
            coin = torch.rand(x.shape[0], device=x.device) < p
            x = torch.where(coin.view(-1, 1, 1, 1), x.flip(dim), x)
        else:
            x = torch.stack([step(sample) for sample in x])
    return x if AUGMENT_STATS is None else (x - mean) / std
'''

_FLIPS = {"RandomHorizontalFlip": -1, "RandomVerticalFlip": -2}


def _pair(value: Any) -> tuple[float, float]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)  # type: ignore[return-value]


def _step(kind: str, p: dict[str, Any], size: tuple[int, int]) -> str:
    """The source of one step, built with the arguments :func:`nnbuilder.data.augment._build` uses."""
    if kind in _FLIPS:
        return f"(\"flip\", {_FLIPS[kind]}, {p['p']!r})"
    args = {
        "RandomCrop": f"{size!r}, padding={p.get('padding')!r}, padding_mode={p.get('padding_mode')!r}",
        "RandomResizedCrop": f"{size!r}, scale={_pair(p.get('scale'))!r}, antialias=True",
        "RandomRotation": f"{p.get('degrees')!r}",
        "RandomAffine": (f"{p.get('degrees')!r}, translate={(p.get('translate'), p.get('translate'))!r}, "
                         f"scale={_pair(p.get('scale'))!r}, shear={p.get('shear') or None!r}"),
        "ColorJitter": ", ".join(repr(p.get(k)) for k in ("brightness", "contrast", "saturation", "hue")),
        "GaussianBlur": f"{p.get('kernel_size')!r}, sigma={_pair(p.get('sigma'))!r}",
        "RandomErasing": f"{p.get('p')!r}, scale={_pair(p.get('scale'))!r}, value={p.get('value')!r}",
    }
    return f"v2.{kind}({args[kind]})"


def augment_parts(bundle: Any) -> dict[str, str]:
    """Template fields for ``bundle.augment`` (empty when the data set has none): constant, functions, calls."""
    aug = bundle.augment
    if aug is None:
        return {"augment_constants": "", "augment_functions": "", "augment_setup": "", "augment_call": ""}
    shape = bundle.inputs[0].shape
    size = (int(shape[-2]), int(shape[-1]))
    stats = None if aug.mean is None else (aug.mean.tolist(), aug.std.tolist())
    steps = "".join(f"        {_step(kind, p, size)},\n" for kind, p in aug.steps)
    constant = f"AUGMENT_STATS = {stats!r}  # (mean, std) per channel when batches are standardised\n"
    return {"augment_constants": constant,
            "augment_functions": _FUNCTION.format(steps=steps),
            "augment_setup": "    augment_steps = make_augment()\n",
            "augment_call": "            inputs = (augment(inputs[0], augment_steps),) + inputs[1:]  # data.augment\n"}
