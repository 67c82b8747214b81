"""Data layer on fixture sources: import, md5 refusal, truncation, missing data, atomicity, download."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nas_gym.benchmarks.nb201 import NB201Benchmark
from nas_gym.cli import app
from nas_gym.data import nb201 as nb201_data
from nas_gym.data.download import download_dataset
from nas_gym.data.store import (
    ChecksumError,
    DataError,
    DataMissingError,
    dataset_dir,
    dataset_status,
    import_dataset,
    load_arrays,
)
from tests.nb201_fixture import build_sources, spec_for


def _leftovers(cache: Path) -> set[str]:
    """Entries of ``cache`` besides each live dataset link, its version folder and the import lock."""
    live = {p.name for p in cache.iterdir() if p.is_symlink()}
    keep = live | {(cache / n).resolve().name for n in live} | {f".{n}.lock" for n in live} | {".nb201.lock"}
    return {p.name for p in cache.iterdir()} - keep


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> tuple[Path, np.ndarray]:
    root = tmp_path_factory.mktemp("sources")
    return root, build_sources(root)


def test_import_builds_the_table(sources, tmp_path):
    root, codes = sources
    out = import_dataset(spec_for(root), root, tmp_path)
    table = load_arrays("nb201", nb201_data.TABLE, tmp_path)
    assert out == tmp_path / "nb201"
    np.testing.assert_array_equal(table["ops"], codes)
    assert table["metrics"].shape == (15625, 3, len(nb201_data.METRICS))
    assert table["latency"].shape == (15625, 27)
    # NASLib columns exist only for the 5 sampled cells: NaN elsewhere, never zero
    val200 = table["metrics"][:, 0, nb201_data.METRICS.index("val200")]
    assert np.count_nonzero(~np.isnan(val200)) == 5
    assert not (val200 == 0).any()
    with pytest.raises(ValueError, match="read-only"):
        table["metrics"][0, 0, 0] = 1.0


def test_benchmark_on_fixture_agrees_with_source_order(sources, tmp_path):
    root, codes = sources
    import_dataset(spec_for(root), root, tmp_path)
    bench = NB201Benchmark("cifar10", cache=tmp_path)
    np.testing.assert_array_equal(bench.search_space.index_to_codes(np.arange(100)), codes[:100])
    np.testing.assert_array_equal(bench.indices(codes[:100]), np.arange(100))


def test_md5_mismatch_is_refused_with_path_and_expected_md5(sources, tmp_path):
    root, _ = sources
    spec = spec_for(root)
    bad = tmp_path / "src"
    shutil.copytree(root / "nb201", bad / "nb201")
    target = bad / "nb201" / "nats_bench.csv"
    data = bytearray(target.read_bytes())
    data[100] ^= 1  # same size, one bit flipped
    target.write_bytes(bytes(data))
    with pytest.raises(ChecksumError) as err:
        import_dataset(spec, bad, tmp_path / "cache")
    assert str(target) in str(err.value)
    assert spec.files[0].md5 in str(err.value)
    assert not (tmp_path / "cache" / "nb201").exists()


def test_truncated_file_is_refused_and_nothing_half_written(sources, tmp_path):
    root, _ = sources
    spec = spec_for(root)
    bad = tmp_path / "src"
    shutil.copytree(root / "nb201", bad / "nb201")
    target = bad / "nb201" / "latency" / "fpga.pt"
    target.write_bytes(target.read_bytes()[:1000])
    with pytest.raises(ChecksumError, match="truncated"):
        import_dataset(spec, bad, tmp_path / "cache")
    assert not (tmp_path / "cache" / "nb201").exists()
    assert _leftovers(tmp_path / "cache") == set()


def test_failed_conversion_leaves_previous_cache_intact(sources, tmp_path):
    root, _ = sources
    spec = spec_for(root)
    import_dataset(spec, root, tmp_path)
    before = (tmp_path / "nb201" / "nb201.npz").read_bytes()

    def broken(files, out):
        (out / "nb201.npz").write_bytes(b"half")
        raise RuntimeError("converter crashed")

    with pytest.raises(RuntimeError, match="converter crashed"):
        import_dataset(dataclasses.replace(spec, convert=broken), root, tmp_path)
    assert (tmp_path / "nb201" / "nb201.npz").read_bytes() == before
    assert _leftovers(tmp_path) == set()


def test_missing_data_names_the_fix(tmp_path):
    with pytest.raises(DataMissingError, match="nas-gym data import") as err:
        NB201Benchmark("cifar10", cache=tmp_path)
    assert "nas-gym data download nb201" in str(err.value)
    with pytest.raises(DataMissingError, match="missing source files"):
        import_dataset(nb201_data.SPEC, tmp_path, tmp_path / "cache")


def test_status_reports_present_missing_and_corrupt(sources, tmp_path):
    root, _ = sources
    spec = spec_for(root)
    assert dataset_status(spec, tmp_path)["state"] == "missing"
    import_dataset(spec, root, tmp_path)
    assert dataset_status(spec, tmp_path)["state"] == "present"
    npz = dataset_dir("nb201", tmp_path) / "nb201.npz"
    npz.write_bytes(npz.read_bytes()[:-10])
    row = dataset_status(spec, tmp_path)
    assert row["state"] == "corrupt" and "md5" in row["detail"]


def test_cli_import_and_status(sources, tmp_path, monkeypatch):
    root, _ = sources
    monkeypatch.setattr(nb201_data, "SPEC", spec_for(root))
    from nas_gym.data import registry

    monkeypatch.setitem(registry.DATASETS, "nb201", spec_for(root))
    runner = CliRunner()
    result = runner.invoke(app, ["data", "import", str(root), "--cache", str(tmp_path), "--only", "nb201"])
    assert result.exit_code == 0, result.output
    assert "imported" in result.output
    result = runner.invoke(app, ["data", "status", "--cache", str(tmp_path)])
    assert result.exit_code == 0 and "present" in result.output
    result = runner.invoke(app, ["data", "import", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "is not a folder" in " ".join(result.output.split())


def test_download_fetches_pins_and_imports(sources, tmp_path, monkeypatch):
    """pooch against a loopback HTTP server laid out like shared/data (no internet here)."""
    root, codes = sources
    spec = spec_for(root)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        mirror = f"http://127.0.0.1:{server.server_address[1]}"
        download_dataset(spec, tmp_path, mirror=mirror)
        np.testing.assert_array_equal(load_arrays("nb201", nb201_data.TABLE, tmp_path)["ops"], codes)
        assert (tmp_path / "sources" / "nb201" / "nats_bench.csv").is_file()
        wrong = dataclasses.replace(spec, files=(dataclasses.replace(spec.files[0], md5="0" * 32),))
        with pytest.raises(DataError, match=r"nats_bench\.csv"):
            download_dataset(wrong, tmp_path / "other", mirror=mirror)
    finally:
        server.shutdown()
