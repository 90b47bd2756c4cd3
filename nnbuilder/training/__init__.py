"""The Qt-free training engine: config, trainer with events, probes, LR tools and checkpoints."""
from nnbuilder.training.callbacks import Callback, ProgressBar
from nnbuilder.training.checkpoint import load_weights
from nnbuilder.training.config import TrainingConfig
from nnbuilder.training.device import resolve_device
from nnbuilder.training.engine import Trainer
from nnbuilder.training.errors import CheckpointError, ConfigError, DataError, DeviceError, TrainingError
from nnbuilder.training.lr_finder import LRFinderResult, find_lr
from nnbuilder.training.probes import Probe
from nnbuilder.training.result import RunPlan, TrainResult
from nnbuilder.training.schedule import SchedulePreview, preview_schedule

__all__ = [
    "Callback", "CheckpointError", "ConfigError", "DataError", "DeviceError", "LRFinderResult", "Probe",
    "ProgressBar", "RunPlan", "SchedulePreview", "TrainResult", "Trainer", "TrainingConfig", "TrainingError",
    "find_lr", "load_weights", "preview_schedule", "resolve_device",
]
