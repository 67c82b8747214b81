"""The on-disk cache: where it lives, how it is verified, written atomically and loaded.

Layout: ``<root>/<dataset>/`` holds the converter's outputs (plain ``.npz``/``.npy`` arrays,
loaded with ``allow_pickle=False``) and ``manifest.json`` (source md5s, output md5s, where the
sources came from). A dataset folder only ever appears complete: it is built in a temporary
sibling folder and renamed into place.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nas_gym.data.sources import DatasetSpec

ENV_VAR = "NAS_GYM_DATA"
MANIFEST = "manifest.json"


class DataError(RuntimeError):
    """Base class of every data-layer error; the message always says how to fix it."""


class DataMissingError(DataError, FileNotFoundError):
    """A dataset is not in the cache, or a source file is not in the source folder."""


class ChecksumError(DataError):
    """A file's md5 differs from the pinned one (corrupt, truncated or a different version)."""


def cache_root(cache: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache`` if given, else ``$NAS_GYM_DATA``, else the user cache dir."""
    if cache is not None:
        return Path(cache).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("nas-gym"))


def md5sum(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def fix_hint(name: str) -> str:
    return (
        f"Fix: `nas-gym data import DIR` with DIR a folder laid out like shared/data (it must hold {name}/...), "
        f"or `nas-gym data download {name}` when you have internet. Set ${ENV_VAR} or --cache to choose the cache."
    )


def verify_sources(spec: DatasetSpec, source_root: Path) -> dict[str, Path]:
    """Check that every source file of ``spec`` exists under ``source_root`` with the pinned md5."""
    found: dict[str, Path] = {}
    missing = [f.path for f in spec.files if not (source_root / f.path).is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DataMissingError(f"{spec.name}: missing source files under {source_root}: {shown}. {fix_hint(spec.name)}")
    for f in spec.files:
        path = source_root / f.path
        size = path.stat().st_size
        if size != f.size:
            raise ChecksumError(
                f"{path}: {size} bytes, expected {f.size} (md5 {f.md5}); the file is truncated or a different "
                f"version. Replace it with the original from {f.url}"
            )
        got = md5sum(path)
        if got != f.md5:
            raise ChecksumError(
                f"{path}: md5 {got}, expected {f.md5}; the file is corrupt or a different version. "
                f"Replace it with the original from {f.url}"
            )
        found[f.path] = path
    return found


def import_dataset(spec: DatasetSpec, source_root: str | os.PathLike, cache: str | os.PathLike | None = None) -> Path:
    """Verify the sources of ``spec`` under ``source_root``, convert them and install the result atomically."""
    source_root = Path(source_root).expanduser().resolve()
    files = verify_sources(spec, source_root)
    root = cache_root(cache)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=root))
    try:
        metadata = spec.convert(files, tmp)
        manifest = {
            "dataset": spec.name,
            "imported_from": str(source_root),
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "sources": {f.path: {"md5": f.md5, "size": f.size, "url": f.url} for f in spec.files},
            "outputs": {name: md5sum(tmp / name) for name in spec.outputs},
            "license": spec.license,
            "metadata": metadata,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        _replace_dir(tmp, root / spec.name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _load_npz.cache_clear()
    return root / spec.name


def _replace_dir(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst``; an existing ``dst`` is swapped out first so no reader sees a half state."""
    if dst.exists():
        old = dst.with_name(f".{dst.name}-old-{os.getpid()}")
        os.replace(dst, old)
        os.replace(src, dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dst)


def dataset_dir(name: str, cache: str | os.PathLike | None = None) -> Path:
    """The folder of an imported dataset; raises :class:`DataMissingError` with the fix if absent."""
    path = cache_root(cache) / name
    if not (path / MANIFEST).is_file():
        raise DataMissingError(f"dataset {name!r} is not imported in {cache_root(cache)}. {fix_hint(name)}")
    return path


def read_manifest(name: str, cache: str | os.PathLike | None = None) -> dict:
    return json.loads((dataset_dir(name, cache) / MANIFEST).read_text())


@functools.cache
def _load_npz(path: Path, mtime_ns: int) -> Mapping[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for arr in arrays.values():
        arr.flags.writeable = False  # shared by every env in the process
    return arrays


def load_arrays(name: str, file: str, cache: str | os.PathLike | None = None) -> Mapping[str, np.ndarray]:
    """Arrays of ``<cache>/<name>/<file>`` (an ``.npz``), loaded once per process and shared read-only."""
    path = (dataset_dir(name, cache) / file).resolve()
    if not path.is_file():
        raise DataMissingError(f"{path} is missing from the {name!r} cache; re-import it. {fix_hint(name)}")
    return _load_npz(path, path.stat().st_mtime_ns)


def atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    """``np.savez`` to a temp file in the same folder, then rename: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".npz", dir=path.parent)
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dataset_status(spec: DatasetSpec, cache: str | os.PathLike | None = None) -> dict:
    """State of one dataset in the cache: ``present``, ``missing`` or ``corrupt`` (with the reason)."""
    path = cache_root(cache) / spec.name
    row = {"dataset": spec.name, "description": spec.description, "path": str(path), "size": 0, "source": "-"}
    if not (path / MANIFEST).is_file():
        return {
            **row,
            "state": "missing",
            "detail": f"run `nas-gym data import DIR` or `nas-gym data download {spec.name}`",
        }
    manifest = json.loads((path / MANIFEST).read_text())
    row["source"] = manifest.get("imported_from", "?")
    row["size"] = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    for name in spec.outputs:
        expected = manifest.get("outputs", {}).get(name)
        if not (path / name).is_file():
            return {**row, "state": "corrupt", "detail": f"{name} is missing; re-import"}
        if expected != md5sum(path / name):
            return {**row, "state": "corrupt", "detail": f"{name} md5 differs from the manifest; re-import"}
    return {**row, "state": "present", "detail": ""}
