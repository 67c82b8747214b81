"""The on-disk cache: where it lives, how it is verified, written atomically and loaded.

Layout: ``<root>/<dataset>`` is a symlink to a versioned folder ``<root>/.<dataset>.v-<stamp>``
that holds the converter's outputs (plain ``.npz``/``.npy`` arrays, loaded with
``allow_pickle=False``) and ``manifest.json`` (source md5s, output md5s, where the sources came
from). An import builds a new version beside the live one and then swaps the symlink with one
atomic rename, so a reader sees the old dataset or the new one, and a kill at any moment leaves
the old one live. Imports of one dataset hold a lock (a second importer stops naming the
first); each import, and a read that finds no live version, removes or recovers what a killed
import left. Every file is checked against the manifest's md5 when it is loaded.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import stat
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nas_gym.data.sources import DatasetSpec, SourceFile
from nas_gym.fs import fsync_files, make_temp_dir, make_temp_file
from nas_gym.locks import LockHeldError, exclusive

ENV_VAR = "NAS_GYM_DATA"
MANIFEST = "manifest.json"


class DataError(RuntimeError):
    """Base class of every data-layer error; the message always says how to fix it."""


class DataMissingError(DataError, FileNotFoundError):
    """A dataset is not in the cache, or a source file is not in the source folder."""


class ChecksumError(DataError):
    """A file's md5 differs from the pinned one (corrupt, truncated or a different version)."""


class DataCorruptError(DataError):
    """An imported cache file differs from its manifest, or cannot be read; re-import it."""


class CacheError(DataError):
    """The cache folder itself is unusable (a file, or not writable)."""


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


def _source_problem(path: Path) -> str | None:
    """Why ``path`` is not a readable regular file, in words (None when it is one)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "is a dangling symlink" if path.is_symlink() else "is missing"
    except OSError as err:  # ELOOP, EACCES, ...
        return f"cannot be opened ({err.strerror})"
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    return None


def _copy_verified(f: SourceFile, path: Path, into: Path) -> Path:
    """Copy ``path`` into the private folder ``into`` while hashing it, and check size and md5.

    The converter then parses the copy: the very bytes that were hashed, so a source swapped
    between the check and the parse (a pickle, for some sources) is never read.
    """
    copy = into / f.path
    copy.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.md5(), 0
    with open(path, "rb") as src, open(copy, "wb") as dst:
        while block := src.read(1 << 20):
            digest.update(block)
            dst.write(block)
            size += len(block)
    if size != f.size:
        raise ChecksumError(
            f"{path}: {size} bytes, expected {f.size} (md5 {f.md5}); the file is truncated or a different "
            f"version. Replace it with the original from {f.url}"
        )
    if digest.hexdigest() != f.md5:
        raise ChecksumError(
            f"{path}: md5 {digest.hexdigest()}, expected {f.md5}; the file is corrupt or a different version. "
            f"Replace it with the original from {f.url}"
        )
    return copy


def verify_sources(spec: DatasetSpec, source_root: Path, into: Path) -> dict[str, Path]:
    """Check every source file of ``spec`` under ``source_root`` (present, a file, pinned size and
    md5) and copy it into the private folder ``into``; returns the verified copies by source path."""
    problems = [(f.path, p) for f in spec.files if (p := _source_problem(source_root / f.path)) is not None]
    missing = [path for path, p in problems if p == "is missing"]
    if missing and len(missing) == len(problems):
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DataMissingError(f"{spec.name}: missing source files under {source_root}: {shown}. {fix_hint(spec.name)}")
    if problems:
        path, problem = next((path, p) for path, p in problems if p != "is missing")
        raise DataError(f"{source_root / path} {problem}; replace it with the original file. {fix_hint(spec.name)}")
    return {f.path: _copy_verified(f, source_root / f.path, into) for f in spec.files}


def prepare_cache(cache: str | os.PathLike | None = None) -> Path:
    """The cache folder, created if needed and checked to be a writable folder (:class:`CacheError`)."""
    root = cache_root(cache)
    hint = f"choose another with --cache or ${ENV_VAR}"
    if root.exists() and not root.is_dir():
        raise CacheError(f"the data cache {root} is a file, not a folder; {hint}")
    try:
        root.mkdir(parents=True, exist_ok=True)
        os.rmdir(make_temp_dir(".probe-", root))
    except OSError as err:
        raise CacheError(
            f"cannot write to the data cache {root} ({err.strerror}); {hint}, or fix its permissions"
        ) from None
    return root


def _versions(root: Path, name: str) -> list[Path]:
    """Complete versioned folders of ``name`` (they hold a manifest), best candidate for the live one
    first: folders that *were* live (``-legacy``: moved aside by the migration to versioned folders;
    ``-old-``: left by the importer before versioned folders), so a killed import keeps the old data;
    then the newest."""
    found = [p for p in (*root.glob(f".{name}.v-*"), *root.glob(f".{name}-old-*")) if (p / MANIFEST).is_file()]

    def rank(p: Path) -> tuple[bool, int]:
        was_live = p.name.endswith("-legacy") or p.name.startswith(f".{name}-old-")
        return was_live, p.stat().st_mtime_ns

    return sorted(found, key=rank, reverse=True)


def _point(root: Path, name: str, version: Path) -> None:
    """Make ``<root>/<name>`` point at ``version`` with one atomic rename of a fresh symlink."""
    live = root / name
    if live.is_dir() and not live.is_symlink():  # the layout before versioned folders: move it aside first
        os.replace(live, root / f".{name}.v-{time.time_ns()}-legacy")
    link = root / f".{name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version.name, link)
    os.replace(link, live)


def _clean(root: Path, name: str) -> None:
    """Remove what killed imports of ``name`` left (temp folders, unused versions, symlinks); the
    caller holds the import lock. A missing live version is recovered from the newest complete one."""
    live = root / name
    if not live.exists() and (versions := _versions(root, name)):
        _point(root, name, versions[0])
    current = live.resolve() if live.exists() else None
    for path in root.glob(f".{name}[.-]*"):
        if path.name.startswith(f".{name}.lock") or path.resolve() == current:
            continue
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _lock(root: Path, name: str):
    return exclusive(root / f".{name}.lock", f"the {name!r} data cache in {root} (an import)")


def import_dataset(spec: DatasetSpec, source_root: str | os.PathLike, cache: str | os.PathLike | None = None) -> Path:
    """Verify the sources of ``spec`` under ``source_root``, convert them and install the result atomically."""
    source_root = Path(source_root).expanduser().resolve()
    root = prepare_cache(cache)
    with _lock(root, spec.name):
        _clean(root, spec.name)
        version = make_temp_dir(f".{spec.name}.v-{time.time_ns()}-", root)
        try:
            scratch = make_temp_dir(".sources-", version)
            scratch.chmod(0o700)  # the verified copies are private until parsed
            files = verify_sources(spec, source_root, scratch)
            metadata = spec.convert(files, version)
            shutil.rmtree(scratch)
            manifest = {
                "dataset": spec.name,
                "imported_from": str(source_root),
                "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "sources": {f.path: {"md5": f.md5, "size": f.size, "url": f.url} for f in spec.files},
                "outputs": {name: md5sum(version / name) for name in spec.outputs},
                "license": spec.license,
                "metadata": metadata,
            }
            (version / MANIFEST).write_text(json.dumps(manifest, indent=2))
            fsync_files(version)
            _point(root, spec.name, version)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        _clean(root, spec.name)
    _load_npz.cache_clear()
    _verified.cache_clear()
    return root / spec.name


def dataset_dir(name: str, cache: str | os.PathLike | None = None) -> Path:
    """The folder of an imported dataset; raises :class:`DataMissingError` with the fix if absent.

    A dataset whose live link a killed import removed is recovered here from its newest complete
    version (when no import runs and the cache is writable).
    """
    root = cache_root(cache)
    path = root / name
    if not (path / MANIFEST).is_file() and _versions(root, name):
        try:
            with _lock(root, name):
                _clean(root, name)
        except (LockHeldError, OSError):
            pass  # an import is running (it installs a version itself), or the cache is read-only
    if not (path / MANIFEST).is_file():
        raise DataMissingError(f"dataset {name!r} is not imported in {root}. {fix_hint(name)}")
    return path


def read_manifest(name: str, cache: str | os.PathLike | None = None) -> dict:
    path = dataset_dir(name, cache) / MANIFEST
    try:
        return json.loads(path.read_text())
    except (ValueError, OSError) as err:
        raise DataCorruptError(_corrupt(path, name, f"unreadable manifest ({err})")) from None


def _corrupt(path: Path, name: str, what: str) -> str:
    return f"{path}: {what}; the {name!r} cache is damaged. Fix: `nas-gym data import DIR` to rebuild it. " + fix_hint(
        name
    )


def _expected(name: str, file: str, cache: str | os.PathLike | None) -> tuple[Path, str]:
    """The resolved path of ``file`` in the live version of ``name`` and its md5 in the manifest."""
    manifest = read_manifest(name, cache)
    path = (dataset_dir(name, cache) / file).resolve()
    if not path.is_file():
        raise DataMissingError(f"{path} is missing from the {name!r} cache; re-import it. {fix_hint(name)}")
    md5 = manifest.get("outputs", {}).get(file) if isinstance(manifest, dict) else None
    if not isinstance(md5, str):
        raise DataCorruptError(_corrupt(path, name, "the manifest lists no md5 for it"))
    return path, md5


def _read_checked(path: Path, name: str, md5: str) -> bytes:
    data = path.read_bytes()
    if hashlib.md5(data).hexdigest() != md5:
        raise DataCorruptError(_corrupt(path, name, "its md5 differs from the manifest (the file was changed)"))
    return data


@functools.cache
def _load_npz(path: Path, name: str, md5: str, size: int, mtime_ns: int) -> Mapping[str, np.ndarray]:
    """The arrays of a checked ``.npz``, parsed from the very bytes that were hashed."""
    data = _read_checked(path, name, md5)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, KeyError) as err:
        raise DataCorruptError(_corrupt(path, name, f"unreadable ({type(err).__name__}: {err})")) from None
    for arr in arrays.values():
        arr.flags.writeable = False  # shared by every env in the process
    return arrays


def load_arrays(name: str, file: str, cache: str | os.PathLike | None = None) -> Mapping[str, np.ndarray]:
    """Arrays of ``<cache>/<name>/<file>`` (an ``.npz``), md5-checked against the manifest, loaded
    once per process and shared read-only; a damaged file raises :class:`DataCorruptError`."""
    path, md5 = _expected(name, file, cache)
    st = path.stat()
    return _load_npz(path, name, md5, st.st_size, st.st_mtime_ns)


@functools.cache
def _verified(path: Path, name: str, md5: str, size: int, mtime_ns: int) -> Path:
    _read_checked(path, name, md5)
    return path


def verified_path(name: str, file: str, cache: str | os.PathLike | None = None) -> Path:
    """Path of ``<cache>/<name>/<file>`` after checking its md5 against the manifest (once per process
    and file version), for files another library opens itself (the ONNX surrogates)."""
    path, md5 = _expected(name, file, cache)
    st = path.stat()
    return _verified(path, name, md5, st.st_size, st.st_mtime_ns)


def atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    """``np.savez`` to a temp file in the same folder, then rename: a reader never sees half a file."""
    tmp = make_temp_file(f".{path.name}-", ".npz", path.parent)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
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
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (ValueError, OSError) as err:
        return {**row, "state": "corrupt", "detail": f"unreadable {MANIFEST} ({err}); re-import"}
    row["source"] = manifest.get("imported_from", "?")
    row["size"] = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    for name in spec.outputs:
        expected = manifest.get("outputs", {}).get(name)
        if not (path / name).is_file():
            return {**row, "state": "corrupt", "detail": f"{name} is missing; re-import"}
        if expected != md5sum(path / name):
            return {**row, "state": "corrupt", "detail": f"{name} md5 differs from the manifest; re-import"}
    return {**row, "state": "present", "detail": ""}
