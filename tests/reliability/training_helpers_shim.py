"""The training tests' tiny data and model, for tests outside tests/training."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))

from training_helpers import mlp, regression_bundle


def tiny_model():
    return mlp(1)


__all__ = ["regression_bundle", "tiny_model"]
