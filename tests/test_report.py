"""nas-gym report: tidy rows equal the run logs, tables carry protocol captions and copied numbers,
the statistics are rliable's IQM with reproducible CIs, every plot is written."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import trim_mean
from typer.testing import CliRunner

from nas_gym.cli import app
from nas_gym.harness import ResultStore, parse_study, run_study
from nas_gym.report import load_results, tidy
from nas_gym.report.plots import PLOTS
from nas_gym.report.results import CellRun
from nas_gym.report.stats import (
    iqm_with_ci,
    mean_band,
    performance_profile,
    poi_with_ci,
    probability_of_improvement,
)
from nas_gym.report.tables import protocol_table

STUDY = """\
name: report-test
description: two cheap agents, both protocols
seeds: 2
budgets: [100, 500]
agents:
  - agent: rs
  - agent: rea
envs:
  - id: NB201-cifar10-v0
  - id: NB201-cifar100-v0
protocols:
  - name: test200
    env_kwargs: {signal: test200}
  - name: val12
    env_kwargs: {signal: val12}
"""


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory, nb201_cache):
    out = tmp_path_factory.mktemp("report") / "results"
    run = run_study(parse_study(STUDY), out, workers=1, cache=str(nb201_cache))
    assert len(run.completed) == 2 * 2 * 2 * 2
    return out


@pytest.fixture(scope="module")
def report_dir(results_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("report-out")
    result = CliRunner().invoke(app, ["report", str(results_dir), "--out", str(out), "--reps", "500"])
    assert result.exit_code == 0, result.output
    return out


def test_tidy_rows_are_the_checkpoints_of_the_run_logs(results_dir, report_dir):
    frame = pd.read_csv(report_dir / "results.csv")
    assert len(frame) == 16 * 2
    cell = next(c for c in parse_study(STUDY).cells() if c.protocol == "val12" and c.agent == "rea" and c.seed == 1)
    with open(ResultStore(results_dir).cell_dir(cell) / "queries.csv") as f:
        rows = list(csv.DictReader(f))
    for budget in (100, 500):
        row = frame[(frame.protocol == "val12") & (frame.agent == "rea") & (frame.seed == 1) & (frame.budget == budget)]
        row = row[row.env == cell.env_id].iloc[0]
        assert row.steps == budget
        assert row.best_report_acc == pytest.approx(float(rows[budget - 1]["best_report_acc"]), abs=1e-4)
        assert row.best_signal_acc == pytest.approx(float(rows[budget - 1]["best_signal_acc"]), abs=1e-4)
        assert row.regret == pytest.approx(94.37333333333333 - row.best_report_acc, abs=1e-4)
        assert (row.signal, row.report_metric, row.budget_kind, row.dataset) == ("val12", "test200", "steps", "cifar10")
    test = frame[frame.protocol == "test200"]
    # Searching on test200 itself, the best-by-signal accuracy is the reported one.
    assert np.allclose(test.best_signal_acc, test.best_report_acc)
    assert (frame.found_optimum == (frame.regret <= 1e-6)).all()


def test_table_has_captions_statistics_and_copied_numbers(report_dir):
    text = (report_dir / "report.md").read_text()
    frame = pd.read_csv(report_dir / "results.csv")
    assert "search signal `test200` (a **test-set** metric" in text
    assert "search signal `val12` (not a test metric)" in text
    assert text.count("budget kind `steps`") == 2 and text.count("reported metric `test200`") == 2
    test200, val12 = text.split("## Protocol `val12`")
    # Published numbers sit beside the matching protocol only, with their source key.
    assert "94.11 ± 0.16 [GANAS]" in test200 and "72.54 ± 0.54 [GANAS]" in test200
    assert "[NB201-T5]" not in test200
    assert "93.70 ± 0.36 [NB201-T5]" in val12 and "71.84 ± 0.99 [NB201-T5]" in val12
    assert "94.37 [L2NAS-T1]" in val12 and "73.51 [L2NAS-T1]" in val12
    # Our numbers are those of results.csv.
    part = frame[(frame.protocol == "val12") & (frame.agent == "rea") & (frame.dataset == "cifar100")]
    values = part[part.budget == 500].best_report_acc.to_numpy()
    row = next(line for line in val12.splitlines() if line.startswith("| rea | 500 |"))
    cols = [c.strip() for c in row.strip("|").split("|")]
    assert cols[5] == f"{values.mean():.2f} ± {values.std(ddof=1):.2f}"
    assert cols[6].startswith(f"{trim_mean(values, 0.25):.2f} [")
    assert cols[7] == "71.84 ± 0.99 [NB201-T5]"


def test_every_plot_is_written_as_png_and_pdf(report_dir):
    for protocol in ("test200", "val12"):
        for plot in PLOTS:
            for suffix in ("png", "pdf"):
                assert (report_dir / "plots" / f"{protocol}_{plot}.{suffix}").stat().st_size > 5000
    assert (
        "![best-so-far, signal=val12, report=test200, budget=steps](plots/val12_best_so_far.png)"
        in (report_dir / "report.md").read_text()
    )


def test_report_is_reproducible_and_counts_missing_cells(results_dir, report_dir):
    frame = tidy(load_results(results_dir))
    assert frame.to_csv(index=False, float_format="%.6g") == (report_dir / "results.csv").read_text()
    val12 = frame[frame.protocol == "val12"]
    assert protocol_table(val12, reps=500) in (report_dir / "report.md").read_text()
    cell = next(parse_study(STUDY).cells())
    manifest = ResultStore(results_dir).cell_dir(cell) / "cell.json"
    saved = manifest.read_text()
    manifest.write_text(saved.replace('"key": "', '"key": "x'))
    try:
        results = load_results(results_dir)
        assert len(results.runs) == 15 and results.missing[0][0] == cell
        assert len(tidy(results)) == 15 * 2
    finally:
        manifest.write_text(saved)


def test_report_of_a_folder_without_a_study_says_what_to_run(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "nas-gym bench" in result.output


def _run(step, unique, best, kind) -> CellRun:
    summary = {"protocol": {"budget": kind, "benchmark": "nb201-cifar10", "report": "test200"}, "report_optimum": 94.0}
    arr = np.asarray
    n = len(step)
    return CellRun(None, summary, arr(step), arr(unique), arr(best), arr(best), ["a"] * n, np.zeros(n))


def test_unique_budgets_are_read_at_the_unique_count():
    run = _run([1, 2, 3, 4, 5], [1, 1, 2, 3, 3], [90.0, 90.0, 91.0, 93.0, 93.0], "unique")
    assert run.index_at(2) == 2 and run.index_at(3) == 4
    np.testing.assert_array_equal(run.curve(4), [90.0, 91.0, 93.0, np.nan])
    assert run.index_at(4) == -1  # the run stopped (max_steps) before 4 unique architectures
    steps = _run([1, 2, 3], [1, 1, 2], [90.0, 90.0, 91.0], "steps")
    assert steps.index_at(2) == 1
    assert json.dumps(steps.dataset) == '"cifar10"'


def test_iqm_ci_is_reproducible_and_collapses_on_constant_scores():
    rng = np.random.default_rng(3)
    scores = {"a": rng.normal(93.0, 0.5, (10, 1)), "b": np.full((10, 1), 94.0)}
    first, second = iqm_with_ci(scores, reps=300), iqm_with_ci(scores, reps=300)
    assert first == second
    assert first["b"] == (94.0, 94.0, 94.0)
    point, low, high = first["a"]
    assert point == pytest.approx(trim_mean(scores["a"].ravel(), 0.25))
    assert low < point < high
    taus = np.array([92.0, 93.0, 94.5])
    profile, ci = performance_profile({"b": scores["b"]}, taus, reps=100)["b"]
    np.testing.assert_array_equal(profile, [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(ci, [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(40.0, 95.0), min_size=2, max_size=12))
def test_bootstrap_bounds_stay_within_the_data(values):
    data = np.array(values)[:, None]
    point, low, high = iqm_with_ci({"x": data}, reps=100)["x"]
    assert data.min() - 1e-9 <= low <= high <= data.max() + 1e-9
    assert data.min() - 1e-9 <= point <= data.max() + 1e-9
    mean, band_low, band_high = mean_band(np.array(values)[:, None], reps=50)
    assert band_low[0] - 1e-9 <= mean[0] <= band_high[0] + 1e-9


# -- issue 15: probability of improvement, unfinished cells (the leaderboard: test_leaderboard.py) --


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(90.0, 95.0), min_size=1, max_size=8), st.lists(st.floats(90.0, 95.0), min_size=1, max_size=8))
def test_probability_of_improvement_is_antisymmetric(xs, ys):
    x, y = np.array(xs)[:, None], np.array(ys)[:, None]
    assert probability_of_improvement(x, y) + probability_of_improvement(y, x) == pytest.approx(1.0)
    assert probability_of_improvement(x, x) == pytest.approx(0.5)


def test_probability_of_improvement_values_and_ci():
    low, high = np.array([[1.0], [2.0]]), np.array([[3.0], [4.0], [5.0]])
    assert probability_of_improvement(high, low) == 1.0
    assert probability_of_improvement(np.array([[1.0], [3.0]]), np.array([[2.0], [2.0]])) == 0.5
    first = poi_with_ci(np.array([[1.0], [3.0], [4.0]]), np.array([[2.0], [2.5]]), reps=300)
    assert first == poi_with_ci(np.array([[1.0], [3.0], [4.0]]), np.array([[2.0], [2.5]]), reps=300)
    assert first[0] == pytest.approx(4 / 6) and 0.0 <= first[1] <= first[0] <= first[2] <= 1.0
    with pytest.raises(ValueError, match="same tasks"):
        probability_of_improvement(np.zeros((2, 1)), np.zeros((2, 2)))


def test_report_has_poi_against_the_best_baseline(report_dir):
    text = (report_dir / "report.md").read_text()
    frame = pd.read_csv(report_dir / "results.csv")
    assert text.count("Probability of improvement P(agent > best baseline)") == 2
    part = frame[(frame.protocol == "val12") & (frame.dataset == "cifar100") & (frame.budget == 500)]
    means = part.groupby("agent").best_report_acc.mean()
    best, other = means.idxmax(), means.idxmin()
    val12 = text.split("## Protocol `val12`")[1]
    poi = val12.split("Probability of improvement")[1]
    row = next(line for line in poi.splitlines() if line.startswith(f"| {other} | 500 |"))
    expected = probability_of_improvement(
        part[part.agent == other].best_report_acc.to_numpy()[:, None],
        part[part.agent == best].best_report_acc.to_numpy()[:, None],
    )
    assert row.split("|")[4].strip().startswith(f"{expected:.2f} [")
    assert f"| {best} | 500 |" in poi and "*(best baseline)*" in poi


def test_tables_mark_partial_and_unfinished_agents(report_dir):
    frame = pd.read_csv(report_dir / "results.csv")
    part = frame[(frame.protocol == "val12") & ~((frame.agent == "rea") & (frame.seed == 1))]
    table = protocol_table(part, reps=100, agents=["rs", "rea", "bananas"], seeds=2)
    assert "(1/2 seeds)" in next(line for line in table.splitlines() if line.startswith("| rea | 500 |"))
    assert "(1/2 seeds)" not in next(line for line in table.splitlines() if line.startswith("| rs | 500 |"))
    assert "| bananas | all | unfinished |" in table


def test_checkpoints_above_an_agent_cap_are_cut_not_unfinished(tmp_path, nb201_cache):
    study = """\
name: capped
seeds: 2
budgets: [20, 60]
agents:
  - agent: rs
  - agent: rea
    budget: 20
envs:
  - id: NB201-cifar10-v0
protocols:
  - name: val12
    env_kwargs: {signal: val12}
"""
    results = tmp_path / "results"
    run_study(parse_study(study), results, workers=1, cache=str(nb201_cache))
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", str(results), "--out", str(out), "--reps", "100"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "results.csv")
    assert sorted(frame[frame.agent == "rea"].budget) == [20, 20]  # no row past the cap
    assert set(frame[frame.agent == "rea"].agent_budget) == {20}
    assert set(frame[frame.agent == "rs"].agent_budget) == {60}
    rea = load_results(results).runs[-1]
    assert rea.study_cell.agent == "rea" and rea.step[-1] == 20
    report = (out / "report.md").read_text()
    assert "| rea | 60 | cut (cap 20) | – | – |" in report
    assert "| rea | 60 | cut |" in report  # the P(improvement) table
    assert "`rea` (20 queries)" in report and "| unfinished" not in report and "## Unfinished" not in report
    assert "| rea | 20 | " in report and "| rs | 60 | " in report


def test_bench_help_lists_every_bundled_study():
    from nas_gym.harness.study import bundled_studies

    result = CliRunner().invoke(app, ["bench", "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    assert len(bundled_studies()) >= 7
    assert all(name in result.output for name in bundled_studies())


def test_reports_script_regenerates_reports_and_the_leaderboard(results_dir, tmp_path):
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = tmp_path / "root"
    shutil.copytree(results_dir, root / "mine")  # not a bundled study's name: reported by its own study.yaml
    (root / "empty").mkdir()
    (root / "empty" / "study.yaml").write_text((results_dir / "study.yaml").read_text())  # no finished cell
    script = Path(__file__).resolve().parents[1] / "scripts" / "reports.sh"
    env = {**os.environ, "PYTHON": sys.executable, "REPS": "100", "LEADERBOARD_STUDIES": "mine empty"}
    docs = tmp_path / "docs"
    done = subprocess.run(["bash", str(script), str(root), str(docs)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 report(s) written, 0 failed" in done.stdout and "has no finished cell yet" in done.stdout
    assert (docs / "mine" / "report.md").read_text().startswith("# Results of study `report-test`")
    assert not (docs / "empty").exists()
    board = (docs / "leaderboard.md").read_text()
    assert "| rea |" in board and "| rs |" in board and "*8 cells (" in board  # 2 datasets x 2 signals x 2 budgets
    usage = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: bash scripts/reports.sh RESULTS_ROOT" in usage.stderr
