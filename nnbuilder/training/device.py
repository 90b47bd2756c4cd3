"""Device resolution and mixed precision (autocast, GradScaler) for the training engine."""
from __future__ import annotations

import contextlib
import random
from contextlib import AbstractContextManager

import numpy as np
import torch

from nnbuilder.training.errors import DeviceError

_AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(spec: str = "auto") -> torch.device:
    """Turn ``auto|cpu|cuda|cuda:N|mps`` into a device that exists here, or raise :class:`DeviceError`."""
    if spec == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "mps":
        if not _mps_available():
            raise DeviceError("training.device: 'mps' is not available on this machine; use 'cpu' or 'auto'")
        return torch.device("mps")
    if spec == "cuda" or spec.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise DeviceError(f"training.device: {spec!r} requested but CUDA is not available on this machine "
                              "(no GPU or a CPU-only torch build); use 'cpu' or 'auto'")
        index = int(spec.split(":", 1)[1]) if ":" in spec else 0
        count = torch.cuda.device_count()
        if index >= count:
            raise DeviceError(f"training.device: {spec!r} does not exist; this machine has {count} CUDA "
                              f"device(s): cuda:0..cuda:{count - 1}")
        return torch.device("cuda", index)
    raise DeviceError(f"training.device: unknown device {spec!r}; expected auto, cpu, cuda, cuda:N or mps")


def check_precision(precision: str, device: torch.device) -> None:
    """Refuse bf16/fp16 autocast anywhere but CUDA, with a message that says what to use instead."""
    if precision == "fp32":
        return
    if precision not in _AMP_DTYPES:
        raise DeviceError(f"training.precision: unknown precision {precision!r}; expected fp32, bf16 or fp16")
    if device.type != "cuda":
        raise DeviceError(f"training.precision: {precision!r} mixed precision needs a CUDA device, but training "
                          f"runs on {device.type!r}; set precision to 'fp32'")
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise DeviceError("training.precision: this GPU does not support bf16; use 'fp16' or 'fp32'")


def autocast(precision: str, device: torch.device) -> AbstractContextManager:
    """Autocast context for the forward pass (a no-op for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=_AMP_DTYPES[precision])


def make_scaler(precision: str, device: torch.device) -> torch.amp.GradScaler | None:
    """A GradScaler for fp16 on CUDA (bf16 and fp32 need none)."""
    return torch.amp.GradScaler(device.type) if precision == "fp16" else None


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's (CPU and CUDA) random generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict:
    """Snapshot of the global RNGs as plain Python/tensor data (loadable with ``weights_only=True``)."""
    np_state = np.random.get_state()
    state = {"python": random.getstate(), "torch": torch.get_rng_state(),
             "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *map(_plain, np_state[2:])]}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`rng_state` captured."""
    version, pos = state["python"][0], state["python"][1]
    random.setstate((version, tuple(pos), state["python"][2]))
    torch.set_rng_state(state["torch"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())
