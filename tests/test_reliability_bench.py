"""``nas-gym bench`` on shared state: one process per results folder (a lock naming the holder),
pool workers that die with a killed driver, and user errors that exit 2 with one line."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nas_gym.cli import app
from nas_gym.harness import ResultStore, parse_study
from nas_gym.harness.runner import LOCK_FILE

runner = CliRunner()
_CLI = "import sys; from nas_gym.cli import app; sys.argv[0] = 'nas-gym'; app()"

# Random search with a large budget: a cell takes about a second, long enough to act mid-study.
SLOW = """\
name: slow
seeds: 4
budgets: [3000]
agents:
  - agent: rs
envs:
  - id: NB201-cifar100-v0
"""


def _bench(study: Path, out: Path, cache: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-c", _CLI, "bench", str(study), "--out", str(out), "--cache", str(cache), *extra]
    return subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        out |= {int(c) for c in (task / "children").read_text().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _states(pids) -> dict[int, str]:
    out = {}
    for pid in pids:
        try:
            out[pid] = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:80]
        except FileNotFoundError:
            out[pid] = "gone"
    return out


def _wait(condition, seconds: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the study exited early: {proc.stderr.read().decode()}")
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.fixture
def slow_study(tmp_path) -> Path:
    path = tmp_path / "slow.yaml"
    path.write_text(SLOW)
    return path


def test_a_second_bench_on_the_same_out_stops_naming_the_first(tmp_path, nb201_cache, slow_study):
    out = tmp_path / "out"
    first = _bench(slow_study, out, nb201_cache, "--workers", "1")
    try:
        _wait(lambda: (out / f"{LOCK_FILE}.owner").is_file(), 60, "the first bench never took the lock", first)
        args = ["bench", str(slow_study), "--out", str(out), "--cache", str(nb201_cache), "--resume"]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        text = " ".join(result.output.split())
        assert f"results folder {out} is in use by pid {first.pid}" in text and "wait for that process" in text
        assert first.poll() is None  # the first one was not disturbed
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # The lock died with its holder: a resume now runs (and finds no cell committed twice or torn).
    args = ["bench", str(slow_study), "--out", str(out), "--cache", str(nb201_cache), "--resume", "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    study = parse_study(SLOW)
    assert all(ResultStore(out).check(c) is None for c in study.cells())


def test_pool_workers_exit_when_the_driver_is_killed(tmp_path, nb201_cache, slow_study):
    out = tmp_path / "out"
    driver = _bench(slow_study, out, nb201_cache, "--workers", "2")
    try:
        study = parse_study(SLOW)
        store = ResultStore(out)
        # after a first commit the workers are past their start-up (imports) and inside cells
        _wait(lambda: any(store.check(c) is None for c in study.cells()), 180, "no cell finished", driver)
        workers = _children(driver.pid)
        os.kill(driver.pid, signal.SIGKILL)  # the driver only, as the OOM killer would
        driver.wait()
        _wait(lambda: not any(_alive(p) for p in workers), 10, f"pool workers outlived the driver: {_states(workers)}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGKILL)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--workers", "-1"), "--workers must be >= 1"),
        (("--out", "FILE"), "is a file, not a folder"),
        (("--backend", "nope"), "unknown backend 'nope'"),
    ],
)
def test_bench_user_errors_exit_2_without_traceback(tmp_path, nb201_cache, args, message):
    (tmp_path / "FILE").write_text("mine")
    args = [a.replace("FILE", str(tmp_path / "FILE")) for a in args]
    out = [] if "--out" in args else ["--out", str(tmp_path / "out")]
    result = runner.invoke(app, ["bench", "smoke", *out, "--cache", str(nb201_cache), *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.replace("│", " ").split())
    assert isinstance(result.exception, SystemExit)
    assert (tmp_path / "FILE").read_text() == "mine"


def test_study_errors_print_brackets_literally(tmp_path, nb201_cache):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: t\nseeds: 1\nbudgets: [5]\nagents: [{agent: '[red]x[/red]'}]\nenvs: [{id: NB201-cifar10-v0}]\n"
    )
    result = runner.invoke(app, ["bench", str(bad), "--out", str(tmp_path / "o"), "--cache", str(nb201_cache)])
    assert result.exit_code == 2
    assert "unknown agent '[red]x[/red]'" in result.output
