"""The training devices this machine offers, for the run setup's device list (imports torch lazily)."""
from __future__ import annotations


def detect_devices() -> list[tuple[str, str]]:
    """(value for training.device, label) pairs: auto, CPU, each CUDA GPU with name and memory, MPS."""
    import torch

    devices = [("auto", "auto (best available)"), ("cpu", "CPU")]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            devices.append((f"cuda:{index}", f"cuda:{index} — {props.name} ({props.total_memory / 2**30:.0f} GiB)"))
    backend = getattr(torch.backends, "mps", None)
    if backend is not None and backend.is_available():
        devices.append(("mps", "MPS (Apple GPU)"))
    return devices
