"""``nas-gym search``: files written, env kwargs passed through, Ctrl-C keeps the partial run."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from nas_gym.cli import app

runner = CliRunner()


def _search(tmp_path, cache, *extra: str):
    out = tmp_path / "run"
    args = ["search", "--env", "NB201-cifar10-v0", "--seed", "3", "--out", str(out), "--cache", str(cache), *extra]
    return runner.invoke(app, args), out


def _rows(out) -> list[dict]:
    with open(out / "queries.csv") as f:
        return list(csv.DictReader(f))


def test_random_search_writes_run(tmp_path, nb201_cache):
    result, out = _search(tmp_path, nb201_cache, "--agent", "rs", "--budget", "40")
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert [int(r["step"]) for r in rows] == list(range(1, 41))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["protocol"]["signal"] == "val12" and summary["protocol"]["report"] == "test200"
    assert summary["protocol"]["signal_is_test_set"] is False
    assert summary["steps"] == 40 and summary["interrupted"] is False
    # The reported architecture is the best by signal (first one on ties), with its own test accuracy.
    best = max(rows, key=lambda r: float(r["signal_acc"]))
    assert summary["best_arch"] == best["arch"]
    assert summary["best_report_acc"] == pytest.approx(float(best["report_acc"]))
    assert summary["report_optimum"] == pytest.approx(94.37333333333333)
    assert (out / "best_so_far.png").stat().st_size > 1000


def test_env_kwargs_pass_through(tmp_path, nb201_cache):
    result, out = _search(
        tmp_path, nb201_cache, "--agent", "rea", "--budget", "30", "--env-kwargs", "signal=test200", "budget=unique"
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert int(rows[-1]["unique"]) == 30
    assert all(r["signal_acc"] == r["report_acc"] for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["env_kwargs"] == {"signal": "test200", "budget": "unique", "max_queries": 30}
    assert summary["protocol"]["signal_is_test_set"] is True


def test_bad_agent_and_env_are_refused(tmp_path, nb201_cache):
    result, _ = _search(tmp_path, nb201_cache, "--agent", "nope")
    assert result.exit_code == 2 and "unknown agent" in result.output
    result, _ = runner.invoke(app, ["search", "--agent", "rs", "--env", "Nope-v0", "--out", str(tmp_path)]), None
    assert result.exit_code == 2 and "unknown env" in result.output


def test_ctrl_c_saves_partial_run(tmp_path, nb201_cache, monkeypatch):
    import nas_gym.agents.registry

    def interrupted_agent(name, env, env_id, seed, overrides):
        env.reset(seed=seed)
        for _ in range(7):
            env.step(env.action_space.sample())
        raise KeyboardInterrupt

    monkeypatch.setattr(nas_gym.agents.registry, "run_agent", interrupted_agent)
    result, out = _search(tmp_path, nb201_cache, "--agent", "rs", "--budget", "100")
    assert result.exit_code == 130
    assert len(_rows(out)) == 7
    assert json.loads((out / "summary.json").read_text())["interrupted"] is True


@pytest.mark.parametrize(("agent", "env_id"), [("l2nas", "NB201-cifar10-v0"), ("ppo", "NB201-cifar10-discrete-v0")])
def test_learning_agents_run_through_the_cli(tmp_path, nb201_cache, agent, env_id):
    out = tmp_path / agent
    args = [
        "search",
        "--agent",
        agent,
        "--env",
        env_id,
        "--budget",
        "20",
        "--out",
        str(out),
        "--cache",
        str(nb201_cache),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 20 and len(_rows(out)) == 20
    assert summary["hyperparams"]["preset" if agent == "l2nas" else "n_steps"] == (
        "v6" if agent == "l2nas" else 64
    )


def test_trained_env_without_a_report_metric(tmp_path, real_data):
    """The trained env measures no test accuracy by default: the run says so instead of failing."""
    cache = real_data.require("cifar10")
    out = tmp_path / "run"
    tiny = ["epochs=1", "channels=4", "cells_per_stage=1", "train_subset=128", "eval_subset=128", "device=cpu"]
    args = ["search", "--agent", "rs", "--env", "NB201-cifar10-trained-v0", "--budget", "2", "--out", str(out)]
    result = runner.invoke(app, [*args, "--cache", str(cache), "--env-kwargs", *tiny])
    assert result.exit_code == 0, result.output
    assert "test_acc=not measured" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best_report_acc"] is None and summary["report_optimum"] is None
    assert "no test accuracy is measured" in summary["protocol"]["note"]
    assert len(_rows(out)) == 2


def test_one_metric_is_printed_once(tmp_path, nb201_cache):
    result, _ = _search(tmp_path, nb201_cache, "--agent", "rs", "--budget", "20", "--env-kwargs", "signal=test200")
    assert result.exit_code == 0, result.output
    assert result.output.count("test200=") == 1  # signal and report coincide: said once


def test_python_m_nas_gym_runs_the_cli_and_flags_show_no_bool_metavar():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "nas_gym", "bench", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--resume" in out.stdout
    line = next(line for line in out.stdout.splitlines() if "--resume" in line and "continue" in line)
    assert "<bool>" not in line


def test_exponent_numbers_on_the_command_line_are_numbers():
    from nas_gym.cli.search import parse_kwargs

    parsed = parse_kwargs(["actor_lr=1e-4", "top_k=32", "signal=test200", "epsilon=[1, 0.05, 175]"], "--hyperparams")
    assert parsed == {"actor_lr": 1e-4, "top_k": 32, "signal": "test200", "epsilon": [1, 0.05, 175]}
