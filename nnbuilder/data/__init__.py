"""Data sets for nnbuilder (Qt-free): registry, loaders, splits, normalisation, augmentation, previews."""
from .bundle import DataBundle, InputInfo, TensorSplit
from .errors import DataError
from .info import DatasetInfo
from .loading import load_data
from .preview import preview, preview_augmented
from .registry import get_dataset, list_datasets, validate_data_section

__all__ = [
    "DataBundle", "DataError", "DatasetInfo", "InputInfo", "TensorSplit", "get_dataset", "list_datasets",
    "load_data", "preview", "preview_augmented", "validate_data_section",
]
