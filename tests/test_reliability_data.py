"""The data cache under kill -9, concurrent imports, tampering and odd source files: the live
dataset survives every kill, a second importer is refused naming the first, damaged files are
refused at load time with the fix, the converter parses the bytes that were hashed, modes follow
the umask, and the data CLI's user errors exit 2 with one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nas_gym.benchmarks.nb201 import NB201Benchmark
from nas_gym.cli import app
from nas_gym.data import nb201 as nb201_data
from nas_gym.data.store import DataCorruptError, DataError, dataset_dir, import_dataset, load_arrays
from nas_gym.locks import LockHeldError
from tests.nb201_fixture import build_sources, spec_for

REPO = Path(__file__).resolve().parents[1]
TEST200 = (slice(None), 0, nb201_data.METRICS.index("test200"))


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory) -> tuple[Path, Path]:
    """Two fixture source folders whose test200 columns differ by 5 points (old and new data)."""
    a, b = tmp_path_factory.mktemp("src-a"), tmp_path_factory.mktemp("src-b")
    build_sources(a)
    build_sources(b, test200_offset=5.0)
    return a, b


def _test200(cache: Path) -> np.ndarray:
    from nas_gym.data import store

    store._load_npz.cache_clear()
    return load_arrays("nb201", nb201_data.TABLE, cache)["metrics"][TEST200]


def _leftovers(cache: Path) -> set[str]:
    live = (cache / "nb201").resolve().name
    return {p.name for p in cache.iterdir()} - {"nb201", live, ".nb201.lock"}


# The import runs in a child that SIGKILLs itself at one moment of the swap, as a crash would.
_KILLED_IMPORT = """
import os, signal, sys
from pathlib import Path
import nas_gym.data.store as store
from nas_gym.data.store import import_dataset
from tests.nb201_fixture import spec_for

moment, src, cache = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
spec = spec_for(src)
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
if moment == "convert":
    convert = spec.convert
    def dying(files, out):
        convert(files, out)
        die()
    spec = spec.__class__(**{**spec.__dict__, "convert": dying})
else:
    real_replace = os.replace
    def replace(a, b):
        if Path(b).name == "nb201" and Path(a).is_symlink():  # the pointer swap
            die()
        return real_replace(a, b)
    store.os.replace = replace
import_dataset(spec, src, cache)
"""


@pytest.mark.parametrize("moment", ["convert", "pointer"])
def test_a_killed_import_keeps_the_old_dataset_and_the_next_one_cleans_up(two_sources, tmp_path, moment):
    old, new = two_sources
    cache = tmp_path / "cache"
    import_dataset(spec_for(old), old, cache)
    before = _test200(cache)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", _KILLED_IMPORT, moment, str(new), str(cache)], env=env, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert _leftovers(cache), "the kill should have left a half import behind"
    np.testing.assert_array_equal(_test200(cache), before)  # the old dataset is still live
    import_dataset(spec_for(new), new, cache)
    np.testing.assert_array_equal(_test200(cache), before + 5.0)
    assert _leftovers(cache) == set()


def test_a_kill_mid_migration_from_the_old_layout_is_recovered_on_the_next_read(two_sources, tmp_path):
    old, new = two_sources
    cache = tmp_path / "cache"
    import_dataset(spec_for(old), old, cache)
    before = _test200(cache)
    version = (cache / "nb201").resolve()
    (cache / "nb201").unlink()
    version.rename(cache / "nb201")  # the layout before versioned folders: a real folder
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", _KILLED_IMPORT, "pointer", str(new), str(cache)], env=env, check=False)
    assert not (cache / "nb201").exists()  # killed after the old folder moved aside, before the link
    assert dataset_dir("nb201", cache).is_symlink()  # the next reader recovers the newest complete version
    np.testing.assert_array_equal(_test200(cache), before)


def test_a_second_import_is_refused_naming_the_first(two_sources, tmp_path):
    old, _ = two_sources
    cache = tmp_path / "cache"
    cache.mkdir()
    holder = textwrap.dedent(f"""
        import sys, time
        from nas_gym.locks import exclusive
        with exclusive({str(cache / ".nb201.lock")!r}, "x"):
            print("held", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout.readline().strip() == b"held"
        with pytest.raises(LockHeldError, match=rf"in use by pid {proc.pid} "):
            import_dataset(spec_for(old), old, cache)
        result = CliRunner().invoke(app, ["data", "import", str(old), "--cache", str(cache), "--only", "nb201"])
        assert result.exit_code == 2 and f"in use by pid {proc.pid}" in " ".join(result.output.split())
    finally:
        proc.kill()
        proc.wait()
    import_dataset(spec_for(old), old, cache)  # the lock died with its holder


def _damage_resave(path: Path) -> None:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["metrics"] = arrays["metrics"] + 1.0
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        (_damage_resave, "md5 differs from the manifest"),
        (lambda p: p.write_bytes(p.read_bytes()[:1000]), "md5 differs from the manifest"),
        (lambda p: (p.parent / "manifest.json").write_text("{not json"), "unreadable manifest"),
        (lambda p: (p.parent / "manifest.json").write_text('{"outputs": {}}'), "the manifest lists no md5"),
    ],
)
def test_a_damaged_cache_is_refused_at_load_time_with_the_fix(two_sources, tmp_path, damage, detail):
    old, _ = two_sources
    import_dataset(spec_for(old), old, tmp_path)
    damage(dataset_dir("nb201", tmp_path) / nb201_data.TABLE)
    with pytest.raises(DataCorruptError) as err:
        NB201Benchmark("cifar10", cache=tmp_path)
    message = str(err.value)
    assert detail in message and "nas-gym data import DIR" in message
    assert "nb201" in message and ("nb201.npz" in message or "manifest.json" in message)


def test_xored_onnx_weights_are_refused(real_data, tmp_path):
    import shutil

    from nas_gym.benchmarks.nb301 import NB301Benchmark

    cache = tmp_path / "cache"
    shutil.copytree(real_data.require("nb301"), cache, symlinks=True)
    model = dataset_dir("nb301", cache) / "new_model_2021.onnx"
    data = bytearray(model.read_bytes())
    data[-5000:] = bytes(b ^ 0x5A for b in data[-5000:])
    model.write_bytes(bytes(data))
    with pytest.raises(DataCorruptError, match=r"new_model_2021\.onnx: its md5 differs .*nas-gym data import"):
        NB301Benchmark(cache=cache)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: (p.unlink(), p.mkdir()), "is a folder, not a file"),
        (lambda p: (p.unlink(), p.symlink_to(p.name)), "cannot be opened (Too many levels of symbolic links)"),
        (lambda p: (p.unlink(), p.symlink_to("nowhere")), "is a dangling symlink"),
    ],
)
def test_odd_source_files_are_named_not_called_missing(two_sources, tmp_path, make, message):
    import shutil

    old, _ = two_sources
    src = tmp_path / "src"
    shutil.copytree(old, src)
    make(src / "nb201" / "nats_bench.csv")
    with pytest.raises(DataError) as err:
        import_dataset(spec_for(old), src, tmp_path / "cache")
    assert f"{src / 'nb201' / 'nats_bench.csv'} {message}" in str(err.value)
    assert "missing" not in str(err.value)


def test_the_converter_parses_the_bytes_that_were_hashed(two_sources, tmp_path):
    import dataclasses
    import shutil

    old, new = two_sources
    src = tmp_path / "src"
    shutil.copytree(old, src)
    spec = spec_for(old)
    swapped = src / "nb201" / "mini-bench-arch-cell-accs.pd"

    def swapping(files, out):
        swapped.write_bytes((new / "nb201" / "mini-bench-arch-cell-accs.pd").read_bytes())  # after the md5 check
        assert all(not Path(p).is_relative_to(src) for p in files.values())
        return spec.convert(files, out)

    import_dataset(dataclasses.replace(spec, convert=swapping), src, tmp_path / "cache")
    clean = tmp_path / "clean"
    import_dataset(spec, old, clean)
    from nas_gym.data import store

    store._load_npz.cache_clear()
    a = load_arrays("nb201", nb201_data.TABLE, tmp_path / "cache")["metrics"]
    b = load_arrays("nb201", nb201_data.TABLE, clean)["metrics"]
    np.testing.assert_array_equal(a, b)


def test_cache_modes_follow_the_umask(two_sources, tmp_path):
    old, _ = two_sources
    mask = os.umask(0o022)
    try:
        import_dataset(spec_for(old), old, tmp_path)
    finally:
        os.umask(mask)
    version = (tmp_path / "nb201").resolve()
    assert version.stat().st_mode & 0o777 == 0o755
    assert {p.stat().st_mode & 0o777 for p in version.iterdir()} == {0o644}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--only", "nb999"), "unknown dataset 'nb999'"),
        (("--cache", "FILE"), "is a file, not a folder"),
        (("--cache", "FILE/sub"), "cannot write to the data cache"),
    ],
)
def test_data_cli_user_errors_exit_2(two_sources, tmp_path, args, message):
    (tmp_path / "FILE").write_text("")
    args = [a.replace("FILE", str(tmp_path / "FILE")) for a in args]
    result = CliRunner().invoke(app, ["data", "import", str(two_sources[0]), *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.replace("│", " ").split())
    assert isinstance(result.exception, SystemExit)


def test_cold_start_stays_fast(two_sources, tmp_path):
    """The md5 check at load time must keep a cold NB201 start well under 0.3 s (bench/env_speed.py)."""
    old, _ = two_sources
    import_dataset(spec_for(old), old, tmp_path)
    code = (
        "import time, nas_gym.benchmarks.nb201 as m; t = time.perf_counter(); "
        f"m.NB201Benchmark('cifar10', cache={str(tmp_path)!r}); print(time.perf_counter() - t)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    best = min(float(subprocess.check_output([sys.executable, "-c", code], env=env)) for _ in range(2))
    assert best < 0.3, f"cold load took {best:.3f} s"
