"""Shared setup for the training-engine tests: one torch thread (2 shared cores), tiny models and data."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _single_thread() -> None:
    torch.set_num_threads(1)
