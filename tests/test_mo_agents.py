"""MO agents (ask/tell, told only the reward vector, bit-exact per seed), the MO study runner
(checks, resume, spec changes) and its report (indicators on real runs and on the true front)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("mo_gymnasium", reason="install the mo extra")
pytest.importorskip("pymoo", reason="install the mo extra")

import mo_gymnasium as mo_gym

from nas_gym.agents.mo import MO_SEARCHERS, run_mo_search
from nas_gym.envs.mo import mo_env
from nas_gym.harness.mo_study import MOStudyError, load_study, run_study
from nas_gym.report.mo_fronts import nb201_true_front, reference_point
from nas_gym.report.mo_report import complete_tasks, indicators, write_report
from tests.conftest import REPO

FAST = {"mo-l2nas": {"n_init": 5, "critic_steps": 2, "actor_steps": 1}}


def search(name: str, cache, seed: int, budget: int = 25) -> tuple[list[np.ndarray], list[np.ndarray], list[dict]]:
    """(told codes, told rewards, infos) of one search."""
    env = mo_gym.make("mo-NB201-cifar10-v0", budget="unique", max_queries=budget, cache=str(cache))
    searcher = MO_SEARCHERS[name](mo_env(env).search_space, 2, np.random.default_rng(seed), **FAST.get(name, {}))
    told_codes, told, infos = [], [], []
    tell = searcher.tell

    def spy(codes, reward):
        told_codes.append(np.asarray(codes).copy())
        told.append(reward)
        tell(codes, reward)

    searcher.tell = spy  # type: ignore[method-assign]
    run_mo_search(searcher, env, seed=seed, on_step=lambda reward, info: infos.append({**info, "reward": reward}))
    return told_codes, told, infos


@pytest.mark.parametrize("name", sorted(MO_SEARCHERS))
def test_agents_are_told_the_reward_vector_only_and_spend_the_unique_budget(nb201_cache, one_thread, name):
    codes, told, infos = search(name, nb201_cache, seed=0)
    assert infos[-1]["unique_queries"] == 25
    for c, reward, info in zip(codes, told, infos, strict=True):
        assert isinstance(reward, np.ndarray) and reward.shape == (2,)
        np.testing.assert_array_equal(reward, info["reward"])
        assert reward[1] == -info["latency_ms"]
        np.testing.assert_array_equal(c, info["codes"])
    if name != "mo-rs":  # the Optuna agents skip known cells; MO-L2NAS never proposes one after its start
        assert len(infos) == 25


@pytest.mark.parametrize("name", sorted(MO_SEARCHERS))
def test_same_seed_same_search_bit_for_bit(nb201_cache, one_thread, name):
    first, rewards, _ = search(name, nb201_cache, seed=4)
    again, rewards_again, _ = search(name, nb201_cache, seed=4)
    np.testing.assert_array_equal(np.stack(first), np.stack(again))
    np.testing.assert_array_equal(np.stack(rewards), np.stack(rewards_again))
    other, _, _ = search(name, nb201_cache, seed=5)
    assert not np.array_equal(np.stack(first), np.stack(other))


def study_file(tmp_path, agents="[mo-rs, mo-nsga2]", env="mo-NB201-cifar10-v0", extra="") -> str:
    path = tmp_path / "study.yaml"
    path.write_text(
        f"name: tiny\nseeds: 2\nbudgets: [10, 20]\nenv_kwargs: {{budget: unique}}\nagents: {agents}\n"
        f"envs:\n  - id: {env}\n    devices: [pixel3, fpga]\n{extra}"
    )
    return str(path)


@pytest.mark.parametrize(
    ("agents", "env", "extra", "message"),
    [
        ("[mo-rs, nsga3]", "mo-NB201-cifar10-v0", "", "unknown agent 'nsga3'; choose one of mo-rs"),
        ("[mo-rs]", "NB201-cifar10-v0", "", "unknown MO env 'NB201-cifar10-v0'; choose one of mo-NB201-cifar10-v0"),
        ("[mo-rs, mo-rs]", "mo-NB201-cifar10-v0", "", "share a label"),
        ("[mo-rs]", "mo-NB201-cifar10-v0", "protocols: []\n", "unknown key"),
    ],
)
def test_bad_study_files_are_refused(tmp_path, agents, env, extra, message):
    with pytest.raises(MOStudyError, match=message):
        load_study(study_file(tmp_path, agents, env, extra))


def test_study_runs_resumes_and_reports(nb201_cache, tmp_path, one_thread, monkeypatch):
    monkeypatch.setenv("NAS_GYM_DATA", str(nb201_cache))
    study = load_study(study_file(tmp_path))
    assert len(list(study.cells())) == 2 * 2 * 2
    out = tmp_path / "out"
    assert run_study(study, out, resume=False) == 8
    with pytest.raises(MOStudyError, match="--resume"):
        run_study(study, out, resume=False)
    assert run_study(study, out, resume=True) == 0  # every cell finished: nothing reruns
    victim = out / "cells/mo-NB201-cifar10-v0/fpga/mo-nsga2/seed-1.csv"
    victim.unlink()
    assert run_study(study, out, resume=True) == 1
    rows = pd.read_csv(victim)
    assert rows.unique.iloc[-1] == 20 and set(rows.columns) >= {"signal_acc", "report_acc", "latency_ms", "is_new"}

    report = write_report(out, tmp_path / "report", champion="mo-nsga2")
    results = pd.read_csv(tmp_path / "report/results.csv")
    assert len(results) == 8 * 2
    assert ((results.hv_ratio > 0) & (results.hv_ratio <= 1)).all()
    # a checkpoint's found set contains the previous one's: its front dominates at least as much
    for _, cell in results.groupby(["device", "agent", "seed"]):
        assert (np.diff(cell.sort_values("budget").hv_ratio.to_numpy()) >= 0).all()
    text = report.read_text()
    assert "exact (all 15,625 cells)" in text and "PoI of mo-nsga2" in text
    assert "IQM and PoI tables: the 2 tasks where every agent has every seed (0, 1)" in text
    # a task missing one agent's seed leaves the IQM and PoI tables (they need one seeds x tasks matrix)
    partial = results[~((results.device == "fpga") & (results.agent == "mo-rs") & (results.seed == 0))]
    assert set(complete_tasks(partial).device) == {"pixel3"}
    assert (tmp_path / "report/fronts.png").stat().st_size > 0 and (tmp_path / "report/hv_ratio.png").exists()


def test_indicators_of_a_search_that_queried_the_whole_front(nb201_cache):
    from nas_gym.benchmarks.nb201 import NB201Benchmark

    bench = NB201Benchmark("cifar10", cache=nb201_cache)
    val, test, lat = (bench.column(m) for m in ("val12", "test200", "latency/pixel3"))
    fronts = {}
    for kind, metric in (("signal", "val12"), ("report", "test200")):
        f = nb201_true_front("cifar10", "pixel3", metric, cache=str(nb201_cache))
        fronts[kind] = (f, reference_point(f), "exact")
    # the cells of the val12 front, then 30 others: the found front is the true front by 40 queries
    on = np.flatnonzero(np.isin(val, fronts["signal"][0][:, 0]) & np.isin(-lat, fronts["signal"][0][:, 1]))
    idx = np.concatenate([on, np.setdiff1d(np.arange(100), on)[:30]])
    rows = pd.DataFrame(
        {
            "unique": np.arange(1, len(idx) + 1),
            "is_new": 1,
            "signal_acc": val[idx],
            "report_acc": test[idx],
            "latency_ms": lat[idx],
        }
    )
    full = indicators(rows, [len(on), len(idx)], fronts)
    assert full[0]["hv_ratio"] == pytest.approx(1.0) and full[0]["igd"] == pytest.approx(0.0)
    assert full[1]["hv_ratio"] == pytest.approx(1.0)
    first = indicators(rows, [1], fronts)[0]
    assert first["hv_ratio"] < 1.0 and first["igd"] > 0


def test_bundled_mo_studies_parse_with_the_documented_sizes():
    from nas_gym.harness.study import bundled_studies

    studies = {name: load_study(REPO / "nas_gym/studies/mo" / f"{name}.yaml") for name in ("mo-nb201", "mo-ofa")}
    nb201 = studies["mo-nb201"]
    assert nb201.budgets == (50, 100, 200, 500) and nb201.seeds == tuple(range(10))
    assert len(list(nb201.cells())) == 4 * 3 * 3 * 10
    assert {c.device for c in nb201.cells()} == {"1080ti_1", "pixel3", "fpga"}
    assert len(list(studies["mo-ofa"].cells())) == 4 * 5
    assert not {"mo-nb201", "mo-ofa"} & set(bundled_studies())  # the scalar harness never sees them


def test_cli_runs_and_reports_an_mo_study(nb201_cache, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from nas_gym.cli import app

    monkeypatch.setenv("NAS_GYM_DATA", str(nb201_cache))
    path = study_file(tmp_path)
    runner = CliRunner()
    done = runner.invoke(app, ["mo-bench", path, "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["report", str(tmp_path / "out"), "--out", str(tmp_path / "rep")])
    assert done.exit_code == 0, done.output
    assert "hv_ratio" in (tmp_path / "rep/report.md").read_text()
    done = runner.invoke(app, ["mo-leaderboard", str(tmp_path / "rep/results.csv"), "--out", str(tmp_path / "lb.md")])
    assert done.exit_code == 0, done.output
    board = (tmp_path / "lb.md").read_text()
    assert "2 agents on 4 cells" in board and "| mo-nsga2 |" in board and "| mo-rs |" in board
    done = runner.invoke(app, ["mo-bench", "mo-nothing", "--out", str(tmp_path / "x")])
    assert done.exit_code == 2 and "bundled MO study" in done.output
