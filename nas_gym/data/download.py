"""``nas-gym data download``: fetch the pinned public source files with pooch, then import them.

Files land in ``<cache>/sources/`` laid out like ``shared/data`` (md5-checked by pooch on
arrival, again by the importer), so a later ``nas-gym data import <cache>/sources`` works offline.
"""

from __future__ import annotations

import os
from pathlib import Path

from nas_gym.data.sources import DatasetSpec
from nas_gym.data.store import DataError, cache_root, import_dataset

SOURCES_DIR = "sources"


def download_dataset(spec: DatasetSpec, cache: str | os.PathLike | None = None, mirror: str | None = None) -> Path:
    """Download every source file of ``spec`` (from ``mirror`` + path when given) and import it."""
    import pooch

    root = cache_root(cache) / SOURCES_DIR
    for f in spec.files:
        if f.recipe and not mirror:
            raise DataError(f"no URL serves {f.path} byte for byte; pass --mirror, or rebuild it: {f.recipe}")
        url = f"{mirror.rstrip('/')}/{f.path}" if mirror else f.url
        target = root / f.path
        try:
            pooch.retrieve(url, known_hash=f"md5:{f.md5}", fname=target.name, path=target.parent, progressbar=False)
        except Exception as err:  # network errors, HTTP errors, hash mismatch: all say which file
            raise DataError(f"could not download {f.path} from {url}: {err}") from err
    return import_dataset(spec, root, cache)
