"""The import check over named models: import → validate → compile → strict load of the source's state
dict → identical eval-mode outputs.  Shared by the test-suite and ``benchmarks/import_coverage.py``."""
from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any

import torch

# Constructor arguments a model needs for an exact import (their auxiliary heads are unused in eval mode).
TORCHVISION_ARGS: dict[str, dict[str, Any]] = {
    "googlenet": {"aux_logits": False, "init_weights": False},
    "inception_v3": {"aux_logits": False, "init_weights": False},
}
# A fixed list of 20 popular timm models (small variants, so the check stays quick on a laptop).
TIMM_MODELS = (
    "resnet18", "resnet50d", "efficientnet_b0", "mobilenetv3_small_100", "mobilenetv2_100", "convnext_atto",
    "vit_tiny_patch16_224", "deit_tiny_patch16_224", "swin_tiny_patch4_window7_224", "regnety_002",
    "densenet121", "ghostnet_100", "mixnet_s", "rexnet_100", "dla34", "dpn68", "hrnet_w18_small", "levit_128s",
    "mobilevit_xxs", "poolformer_s12",
)


def input_size(name: str) -> int:
    """A small square input the model accepts (64 px unless it needs its native size)."""
    if name.startswith(("vit", "maxvit", "swin", "deit", "levit", "timm:vit", "timm:deit", "timm:swin",
                        "timm:levit")):
        return 224
    if "inception" in name or name.startswith("timm:"):
        return 96 if "inception" in name else 64
    return 64


@dataclass
class Outcome:
    name: str
    ok: bool
    message: str = ""


def check_model(name: str) -> Outcome:
    """Run the whole import check on torchvision ``name`` or ``timm:NAME``."""
    from nnbuilder.backbones.fx_convert import UnsupportedModel
    from nnbuilder.backbones.fx_import import import_module
    from nnbuilder.backbones.sources import build_source, verify

    size = input_size(name)
    try:
        source = build_source(name, TORCHVISION_ARGS.get(name))
        shape = (3, size, size)
        if name.startswith("timm:") and source.default_shape and size == 224:
            shape = source.default_shape
        with torch.no_grad():
            result = import_module(source.model, [shape])
            verify(result, source.model, [shape])
        return Outcome(name, True)
    except UnsupportedModel as exc:
        return Outcome(name, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - a crash is a failure to report, with its type
        return Outcome(name, False, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        gc.collect()
