"""bench/perf_doc.py: each bench script replaces only its own rows of the one generated speed table."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def load_perf_doc(tmp_path: Path, monkeypatch):
    spec = importlib.util.spec_from_file_location("perf_doc", REPO / "bench" / "perf_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "perf_doc", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    module.DOCS, module.DATA, module.PAGE = tmp_path, tmp_path / "performance.json", tmp_path / "performance.md"
    return module


def test_a_script_replaces_its_own_rows_and_keeps_the_others(tmp_path, monkeypatch):
    doc = load_perf_doc(tmp_path, monkeypatch)
    doc.record("a.py", [doc.Figure("rows/s", "10", "1", "10.0x", ">= 20x", False)])
    doc.record("b.py", [doc.Figure("steps/s", "5", "10", "0.50x", ">= 0.5x", True, "1.5")], extra="## Profile\n\n| x |")
    doc.record("a.py", [doc.Figure("rows/s", "30", "1", "30.0x", ">= 20x", True)])
    page = (tmp_path / "performance.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `bench/")]
    assert rows == [
        "| `bench/a.py` | rows/s | 30 | 1 | 30.0x | >= 20x | met |  |",
        "| `bench/b.py` | steps/s | 5 | 10 | 0.50x | >= 0.5x | met | 1.5 |",
    ]
    assert page.rstrip().endswith("## Profile\n\n| x |") and "Machine: " in page
    assert set(json.loads((tmp_path / "performance.json").read_text())) == {"a.py", "b.py"}


def test_a_missed_target_is_marked(tmp_path, monkeypatch):
    doc = load_perf_doc(tmp_path, monkeypatch)
    doc.record("a.py", [doc.Figure("rows/s", "10", "1", "10.0x", ">= 20x", False), doc.Figure("GFLOP/s", "50")])
    rows = [line for line in (tmp_path / "performance.md").read_text().splitlines() if line.startswith("| `bench/")]
    assert rows == [
        "| `bench/a.py` | rows/s | 10 | 1 | 10.0x | >= 20x | **not met** |  |",
        "| `bench/a.py` | GFLOP/s | 50 |  |  |  |  |  |",
    ]


def test_conditions_print_under_the_machine_and_are_no_script(tmp_path, monkeypatch):
    doc = load_perf_doc(tmp_path, monkeypatch)
    doc.record("a.py", [doc.Figure("rows/s", "10", load="2.0")])
    monkeypatch.setattr(sys, "argv", ["perf_doc.py", "--conditions", "one core runs a study"])
    doc.main()
    page = (tmp_path / "performance.md").read_text()
    assert "Conditions: one core runs a study" in page
    assert [line for line in page.splitlines() if line.startswith("| `bench/")] == [
        "| `bench/a.py` | rows/s | 10 |  |  |  |  | 2.0 |"
    ]
    assert json.loads((tmp_path / "performance.json").read_text())["conditions"] == "one core runs a study"


def test_the_load_during_a_run_is_the_mean_of_its_samples(tmp_path, monkeypatch):
    doc = load_perf_doc(tmp_path, monkeypatch)
    loads = iter([1.0, 2.0, 3.0, 3.0, 3.0])
    monkeypatch.setattr(doc.os, "getloadavg", lambda: (next(loads), 0.0, 0.0))
    with doc.LoadDuring(every=0.01) as load:
        while len(load.samples) < 3:
            pass
    assert load.samples[:3] == [1.0, 2.0, 3.0] and load.mean() == f"{sum(load.samples) / len(load.samples):.1f}"
