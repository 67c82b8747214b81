"""Data layer: verified import of third-party benchmark files into a compact, pickle-free cache."""

from nas_gym.data.store import (
    ENV_VAR,
    ChecksumError,
    DataError,
    DataMissingError,
    cache_root,
    dataset_dir,
    import_dataset,
    load_arrays,
)

__all__ = [
    "ENV_VAR",
    "ChecksumError",
    "DataError",
    "DataMissingError",
    "cache_root",
    "dataset_dir",
    "import_dataset",
    "load_arrays",
]
