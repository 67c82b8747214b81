"""``nas-gym search --out``: a run writes only its own files, refuses what it would clobber, checks
``--out`` before searching, and always writes its summary (JSON-safe, even with nothing feasible)."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

import nas_gym.agents.registry
from nas_gym.cli import app
from nas_gym.search_log import QueryRecord, json_safe, write_run

runner = CliRunner()


def _search(out, cache, *extra: str, budget: int = 3):
    args = ["search", "--agent", "rs", "--budget", str(budget), "--out", str(out), "--cache", str(cache), *extra]
    return runner.invoke(app, args)


@pytest.fixture
def no_search(monkeypatch):
    """Fail the test if a search starts: the checks under test must refuse before any query."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the search started although --out was refused")

    monkeypatch.setattr(nas_gym.agents.registry, "run_agent", forbidden)


def test_a_folder_of_other_files_is_refused_and_kept(tmp_path, nb201_cache, no_search):
    out = tmp_path / "p"
    (out / "src").mkdir(parents=True)
    (out / "README").write_text("x")
    result = _search(out, nb201_cache)
    assert result.exit_code == 2, result.output
    assert "holds files that are not a run" in result.output and "--force" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["README", "src"]


def test_force_writes_beside_other_files_and_deletes_none(tmp_path, nb201_cache):
    out = tmp_path / "p"
    (out / "src").mkdir(parents=True)
    (out / "README").write_text("x")
    result = _search(out, nb201_cache, "--force")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["README", "best_so_far.png", "queries.csv", "src", "summary.json"]
    assert (out / "README").read_text() == "x"


def test_a_file_is_refused_and_left_alone(tmp_path, nb201_cache, no_search):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    for extra in ((), ("--force",)):
        result = _search(notes, nb201_cache, *extra)
        assert result.exit_code == 2 and "is a file, not a folder" in result.output, result.output
    assert notes.read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]  # no hidden .notes.txt.old-<pid>


def test_a_previous_run_is_replaced_only_with_force(tmp_path, nb201_cache):
    out = tmp_path / "run"
    assert _search(out, nb201_cache).exit_code == 0
    first = (out / "queries.csv").read_text()
    result = _search(out, nb201_cache, "--seed", "1")
    assert result.exit_code == 2 and "already holds a run; pass --force" in result.output
    assert (out / "queries.csv").read_text() == first
    assert _search(out, nb201_cache, "--seed", "1", "--force").exit_code == 0
    assert (out / "queries.csv").read_text() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary or old copies left


def test_out_dot_writes_into_the_working_folder_without_renaming_it(tmp_path, nb201_cache, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert _search(".", nb201_cache).exit_code == 0
    assert sorted(p.name for p in work.iterdir()) == ["best_so_far.png", "queries.csv", "summary.json"]
    assert _search(".", nb201_cache, "--force").exit_code == 0  # replaced in place, the folder stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_an_unwritable_out_fails_before_the_search(tmp_path, nb201_cache, no_search):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _search(blocker / "run", nb201_cache)
    assert result.exit_code == 2 and "cannot write to" in result.output and "writable --out" in result.output


def test_an_infeasible_run_is_written_with_nulls_and_a_flag(tmp_path, real_data):
    cache = real_data.require("ofa")
    out = tmp_path / "r"
    args = ["search", "--agent", "rs", "--env", "OFA-MBv3-note10-lat15-v0", "--budget", "2", "--out", str(out)]
    result = runner.invoke(app, [*args, "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    assert "no architecture met the env's constraints in 2 queries" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["feasible_found"] is False
    assert summary["best_arch"] is None and summary["best_signal_acc"] is None and summary["steps"] == 2


def test_write_run_survives_non_finite_values(tmp_path):
    inf = -math.inf
    records = [
        QueryRecord(1, 1, "a", inf, inf, inf, inf, "", 0.1),
        QueryRecord(2, 2, "b", 70.0, inf, 70.0, inf, "b", 0.2),
    ]
    write_run(tmp_path, records, {"env_kwargs": {"latency_weight": math.nan}, "report_optimum": math.inf})
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["feasible_found"] is True and summary["best_arch"] == "b" and summary["best_signal_acc"] == 70.0
    assert summary["best_report_acc"] is None and summary["report_optimum"] is None
    assert summary["env_kwargs"] == {"latency_weight": None}
    assert json_safe({"a": [1.5, math.nan, (math.inf,)]}) == {"a": [1.5, None, [None]]}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--hyperparams", "foo=1"), "agent 'rs' has no hyperparameter"),
        (("--agent", "rea", "--hyperparams", "population_size=fast"), "'population_size' of 'rea' must be int"),
        (("--env", "CartPole-v1"), "unknown env 'CartPole-v1'"),
        (("--env-kwargs", "signal=nope"), "cannot make NB201-cifar10-v0"),
        (("--env-kwargs", "signal=[unclosed"), "the value is not valid YAML"),
        (("--budget", "0"), "the budget must be >= 1"),
        (("--env-kwargs", "max_queries=.nan"), "set max_queries with --budget"),  # was silently overridden
    ],
)
def test_user_errors_exit_2_with_one_line_and_no_traceback(tmp_path, nb201_cache, no_search, extra, message):
    result = _search(tmp_path / "run", nb201_cache, *extra)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_an_agent_refusing_its_settings_is_a_user_error(tmp_path, nb201_cache):
    result = _search(tmp_path / "run", nb201_cache, "--agent", "rea", "--hyperparams", "population_size=-3")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "agent 'rea' refused its settings before the first query" in " ".join(result.output.split())
    assert not (tmp_path / "run").exists()


def test_debug_shows_the_traceback(tmp_path, nb201_cache, no_search):
    args = ["--debug", "search", "--agent", "rs", "--out", str(tmp_path / "r"), "--cache", str(nb201_cache)]
    result = runner.invoke(app, [*args, "--agent", "rea", "--hyperparams", "population_size=fast"])
    assert result.exit_code == 1
    assert "'population_size' of 'rea' must be int" in str(result.exception)
