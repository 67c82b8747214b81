"""Running studies: kill -9 mid-study and --resume loses nothing and redoes only what is unfinished;
corrupt or stale cells are detected and redone; cell folders are swapped in atomically."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nas_gym.harness import ResultStore, parse_study, run_cell, run_study
from nas_gym.harness.run_dir import replace_dir
from nas_gym.harness.runner import StudyOutputExists

_CLI = "import sys; from nas_gym.cli import app; sys.argv[0] = 'nas-gym'; app()"

# Random search with a large budget: each cell takes about a second (queries + its plot), long
# enough to kill the run between cells.
SLOW = """\
name: slow
seeds: 6
budgets: [1000, 3000]
agents:
  - agent: rs
envs:
  - id: NB201-cifar100-v0
"""


def _snapshot(store: ResultStore, cells) -> dict[str, tuple[int, int, bytes]]:
    """inode, mtime and content of every file of every finished cell: proves a file was not rewritten."""
    out = {}
    for cell in cells:
        if store.check(cell) is None:
            for path in sorted(store.cell_dir(cell).iterdir()):
                st = path.stat()
                out[str(path)] = (st.st_ino, st.st_mtime_ns, path.read_bytes())
    return out


def _rows(path: Path) -> list[dict]:
    with open(path) as f:
        return [{k: v for k, v in row.items() if k != "wall_s"} for row in csv.DictReader(f)]


def test_kill_9_then_resume_loses_nothing(tmp_path, nb201_cache):
    study_file = tmp_path / "slow.yaml"
    study_file.write_text(SLOW)
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-c",
        _CLI,
        "bench",
        str(study_file),
        "--out",
        str(out),
        "--cache",
        str(nb201_cache),
        "--workers",
        "1",
    ]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    study = parse_study(SLOW)
    cells = list(study.cells())
    store = ResultStore(out)
    deadline = time.monotonic() + 90
    while sum(store.check(c) is None for c in cells) < 2:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the study did not finish two cells in 90 s"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker, as in a crash
    proc.wait()
    finished = [c for c in cells if store.check(c) is None]
    assert 2 <= len(finished) < len(cells), "kill the study mid-way"
    before = _snapshot(store, cells)

    with pytest.raises(StudyOutputExists):
        run_study(study, out, cache=str(nb201_cache), workers=1)
    run = run_study(study, out, resume=True, cache=str(nb201_cache), workers=1)
    assert run.skipped == len(finished)
    assert sorted(c.seed for c in run.completed) == sorted(c.seed for c in cells if c not in finished)
    assert not run.failed
    assert all(store.check(c) is None for c in cells)
    after = _snapshot(store, cells)
    assert {k: v for k, v in after.items() if k in before} == before  # finished cells untouched
    assert not [p for p in (out / "cells").rglob(".*")], "scratch folders are cleaned up"

    # A resumed cell holds exactly what an uninterrupted run writes.
    redone = run.completed[0]
    fresh = tmp_path / "fresh"
    run_cell("rs", redone.env_id, redone.budget, redone.seed, fresh, redone.env_kwargs, {}, nb201_cache)
    assert _rows(store.cell_dir(redone) / "queries.csv") == _rows(fresh / "queries.csv")
    assert len(_rows(fresh / "queries.csv")) == 3000


SMALL = """\
name: small
seeds: [0, 1]
budgets: [20]
agents:
  - agent: rs
  - agent: rea
envs:
  - id: NB201-cifar10-v0
"""


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, nb201_cache):
    out = tmp_path_factory.mktemp("small")
    study = parse_study(SMALL)
    run = run_study(study, out, cache=str(nb201_cache), workers=1)
    assert len(run.completed) == 4 and run.skipped == 0
    return study, out


def test_corrupt_and_half_written_cells_are_redone(small_run, nb201_cache):
    study, out = small_run
    store = ResultStore(out)
    rs0, rs1, rea0, rea1 = sorted(study.cells(), key=lambda c: (c.agent, c.seed))
    queries = store.cell_dir(rs0) / "queries.csv"
    queries.write_text(queries.read_text()[:-20])  # truncated
    (store.cell_dir(rea1) / "cell.json").unlink()  # killed before the manifest was written
    (store.cell_dir(rs1) / "best_so_far.png").unlink()
    untouched = _snapshot(store, [rea0])
    assert store.check(rs0) == "queries.csv is corrupt (md5 mismatch)"
    assert store.check(rea1) == "no manifest (the run did not finish)"
    assert store.check(rs1) == "best_so_far.png is missing"

    run = run_study(study, out, resume=True, cache=str(nb201_cache), workers=1)
    assert {c.relpath for c, _ in run.redone} == {rs0.relpath, rs1.relpath, rea1.relpath}
    assert run.skipped == 1 and len(run.completed) == 3
    assert all(store.check(c) is None for c in study.cells())
    assert _snapshot(store, [rea0]) == untouched


def test_a_changed_study_redoes_only_the_changed_cells(small_run, nb201_cache):
    _, out = small_run
    changed = parse_study(SMALL.replace("  - agent: rea", "  - agent: rea\n    hyperparams: {sample_size: 2}"))
    store = ResultStore(out)
    assert [store.check(c) for c in changed.cells() if c.agent == "rea"] == ["stale (the study changed this cell)"] * 2
    run = run_study(changed, out, resume=True, cache=str(nb201_cache), workers=1)
    assert {c.agent for c in run.completed} == {"rea"} and run.skipped == 2
    assert (out / "study.yaml").read_text() == changed.source


def test_replace_dir_keeps_the_old_run_when_writing_fails(tmp_path):
    target = tmp_path / "cell"
    replace_dir(target, lambda tmp: (tmp / "a.txt").write_text("old"))

    def failing(tmp: Path) -> None:
        (tmp / "a.txt").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_dir(target, failing)
    assert (target / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["cell"]
    replace_dir(target, lambda tmp: (tmp / "b.txt").write_text("new"))
    assert [p.name for p in target.iterdir()] == ["b.txt"]
