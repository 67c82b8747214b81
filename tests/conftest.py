"""Shared fixtures: the real data (imported once per session when ../shared/data is there)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nas_gym.data.registry import get_spec
from nas_gym.data.store import DataError, import_dataset

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NAS_GYM_SHARED_DATA", REPO.parent / "shared" / "data"))


class RealData:
    """Imports real datasets from ``SHARED_DATA`` into one session cache, each at most once."""

    def __init__(self, cache: Path):
        self.cache = cache
        self._done: set[str] = set()

    def require(self, name: str) -> Path:
        """Cache folder holding ``name``; skips the test when the source files are absent."""
        if name not in self._done:
            if not (SHARED_DATA / name).is_dir():
                pytest.skip(f"real data {SHARED_DATA / name} is absent")
            try:
                import_dataset(get_spec(name), SHARED_DATA, self.cache)
            except DataError as err:
                pytest.fail(f"real data {name} did not import: {err}")
            self._done.add(name)
        return self.cache


@pytest.fixture(scope="session")
def real_data(tmp_path_factory) -> RealData:
    return RealData(tmp_path_factory.mktemp("nas-gym-cache"))


@pytest.fixture(scope="session")
def nb201_cache(real_data) -> Path:
    """Cache folder with the real NB201 table imported."""
    return real_data.require("nb201")
