"""The leaderboard's rules on a small synthetic results table: agents count in a cell only with every
seed, a part an agent never ran is marked ``not run``, every table ranks its agents on one common
cell set, and wins/losses come from an exact paired test (a zero-variance best included)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nas_gym.cli import app
from nas_gym.report.leaderboard import (
    CELL,
    FULL,
    NOT_RANKED,
    Board,
    absent,
    coverage,
    leaderboard,
    leaderboard_markdown,
    league_tests,
    leagues_of,
    load_frames,
    write_leaderboard,
)
from nas_gym.report.stats import bh_adjust, paired_test, smallest_p

OPTIMUM = 94.37
SEEDS = range(10)
SPREAD = [90.0 + 0.5 * seed for seed in SEEDS]  # seed difficulty shared by every agent of a cell


def rows(agent, dataset, budget, values, study="grid", space="nb201", cap=500):
    return [
        {"study": study, "benchmark": f"{space}-{dataset}", "dataset": dataset, "signal": "val12",
         "budget_kind": "unique", "budget": budget, "agent": agent, "seed": seed, "best_report_acc": value,
         "agent_budget": cap}
        for seed, value in enumerate(values)
    ]  # fmt: skip


def grid_rows() -> list[dict]:
    """Study ``grid`` (10 seeds): two parts (cifar10, cifar100) x checkpoints 100 and 500.

    - cifar10 100 and cifar100 500: every agent the same value on each seed (no difference);
    - cifar10 500: ``opt`` on the optimum on every seed (zero variance), ``near`` too except 2 seeds,
      ``low`` 0.06 below on every seed;
    - cifar100 100: a wide spread over seeds shared by all, ``opt`` and ``near`` 0.2 above ``low``
      on every seed: CIs overlap, the paired test separates them;
    - ``t`` is capped at 100 and never ran cifar100; ``f`` has 7 of 10 seeds at cifar100 500.
    """
    same = [93.0 + 0.1 * seed for seed in SEEDS]
    out = []
    for agent in ("opt", "near", "low", "t", "f"):
        out += rows(agent, "cifar10", 100, same, cap=100 if agent == "t" else 500)
    out += rows("f", "cifar10", 500, same)
    out += rows("opt", "cifar10", 500, [OPTIMUM] * 10)
    out += rows("near", "cifar10", 500, [OPTIMUM] * 8 + [94.0, 94.0])
    out += rows("low", "cifar10", 500, [OPTIMUM - 0.06] * 10)
    for agent in ("opt", "near", "f"):
        out += rows(agent, "cifar100", 100, [v + 0.2 for v in SPREAD])
    out += rows("low", "cifar100", 100, SPREAD)
    for agent in ("opt", "near", "low"):
        out += rows(agent, "cifar100", 500, same)
    out += rows("f", "cifar100", 500, same[:7])
    return out


def other_rows() -> list[dict]:
    """Study ``other`` (5 seeds, another space): only ``opt`` and ``low``; ``opt`` better on every seed."""
    values = [95.0 + 0.1 * seed for seed in range(5)]
    return rows("opt", "c10", 500, [v + 0.5 for v in values], "other", "nb301") + rows(
        "low", "c10", 500, values, "other", "nb301"
    )


@pytest.fixture
def csvs(tmp_path):
    paths = []
    for name, table in (("grid", grid_rows()), ("other", other_rows())):
        path = tmp_path / name / "results.csv"
        path.parent.mkdir()
        pd.DataFrame(table).to_csv(path, index=False)
        paths.append(path)
    return paths


def status_of(status, agent, dataset, budget):
    row = status[(status.agent == agent) & (status.dataset == dataset) & (status.budget == budget)]
    return row.status.item()


def test_paired_test_is_exact_and_handles_zero_variance():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NaN, no degenerate-data warning
        assert paired_test(np.full(10, OPTIMUM), np.full(10, OPTIMUM)) == (0.0, 1.0)
        diff, p = paired_test(np.full(10, OPTIMUM), np.full(10, OPTIMUM - 0.06))
        assert diff == pytest.approx(0.06) and p == pytest.approx(2 / 2**10)  # every seed lower: smallest p
        _, p = paired_test(np.full(10, OPTIMUM), np.array([OPTIMUM] * 8 + [94.0, 94.0]))
        assert p == pytest.approx(0.5)  # 2 seeds of evidence: 2 of the 4 sign patterns are as extreme
    assert paired_test(np.arange(5.0) + 1, np.arange(5.0))[1] == pytest.approx(2 / 2**5)  # 0.0625: never < 5%
    assert smallest_p(np.arange(5.0) + 1, np.arange(5.0)) == pytest.approx(2 / 2**5)
    assert smallest_p(np.full(10, OPTIMUM), np.array([OPTIMUM] * 4 + [94.0] * 6)) == pytest.approx(2 / 2**6)
    assert smallest_p(np.zeros(3), np.zeros(3)) == 1.0
    with pytest.raises(ValueError, match="same seeds"):
        paired_test(np.zeros(3), np.zeros(4))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(90, 95), st.floats(90, 95)), min_size=1, max_size=8))
def test_paired_test_is_symmetric_and_a_probability(pairs):
    x, y = np.array(pairs).T
    diff, p = paired_test(x, y)
    back, q = paired_test(y, x)
    assert 0.0 < p <= 1.0 and p == pytest.approx(q) and diff == pytest.approx(-back)
    assert p >= smallest_p(x, y) - 1e-12 >= 2 / 2 ** len(x) - 1e-12


def test_bh_adjustment_is_scipys():
    adjusted = bh_adjust(np.array([0.002, 0.002, 0.5, 0.01]))
    assert adjusted == pytest.approx([0.004, 0.004, 0.5, 0.04 / 3])
    assert bh_adjust(np.array([])).size == 0


def test_coverage_marks_fewer_seeds_cut_unfinished_and_a_part_never_run(csvs):
    status = coverage(load_frames(csvs))
    assert status_of(status, "t", "cifar10", 100) == FULL
    assert status_of(status, "t", "cifar10", 500) == "cut"  # above its cap of 100
    assert status_of(status, "t", "cifar100", 100) == "not run"  # the whole cifar100 part
    assert status_of(status, "t", "cifar100", 500) == "cut"
    assert status_of(status, "f", "cifar100", 500) == "fewer seeds"
    f = status[(status.agent == "f") & (status.dataset == "cifar100") & (status.budget == 500)].iloc[0]
    assert (f.seeds, f["of"]) == (7, 10)
    assert set(status[status.study == "other"].agent) == {"opt", "low"}  # agents of one study only
    assert (status[status.study == "other"]["of"] == 5).all()
    assert set(status.status) <= {FULL, *NOT_RANKED}
    marks = absent(load_frames(csvs))
    assert set(marks.mark) == {"cut", "not run", "fewer seeds"}


def test_unfinished_is_a_missing_checkpoint_of_a_part_the_agent_ran(csvs):
    frame = load_frames(csvs)
    frame = frame[~((frame.agent == "near") & (frame.dataset == "cifar100") & (frame.budget == 500))]
    status = coverage(frame)
    assert status_of(status, "near", "cifar100", 500) == "unfinished"


def test_every_league_ranks_its_agents_on_cells_where_each_has_every_seed(csvs):
    board = Board.of(load_frames(csvs))
    leagues = leagues_of(board.status, "All cells")
    full = set(board.status[board.status.status == FULL][[*CELL, "agent"]].itertuples(index=False, name=None))
    for league in leagues:
        assert all((*cell, agent) in full for cell in league.cells for agent in league.agents)
    # in one study: its agents on the one cell all have, then the agents with every seed everywhere
    assert [(league.agents, len(league.cells)) for league in leagues] == [(("low", "opt"), 5)]  # both: all 5
    grid = board.status[board.status.study == "grid"]
    first, second = leagues_of(grid, "grid")
    assert first.agents == ("f", "low", "near", "opt", "t") and first.cells == (("nb201", "cifar10", "val12",
                                                                                  "unique", 100),)  # fmt: skip
    assert second.agents == ("low", "near", "opt") and len(second.cells) == 4


def test_wins_and_losses_come_from_the_paired_test(csvs):
    board = Board.of(load_frames(csvs))
    grid = board.status[board.status.study == "grid"]
    league = leagues_of(grid, "grid")[1]
    tests = league_tests(board.pairs, league)
    assert len(tests) == 3 * 4  # 3 pairs x 4 cells
    # Benjamini-Hochberg over the 4 with >= 6 seeds of differing results: opt-low, near-low at cifar10 500,
    # opt-low, near-low at cifar100 100; identical agents and opt-near (2 seeds differ) cannot be significant
    assert tests.testable.sum() == 4 and tests[~tests.testable].p_adjusted.isna().all()
    assert (tests[~tests.testable].verdict == "nsd").all()
    table = leaderboard(board.stats, tests, league)
    assert table.index.tolist() == ["opt", "near", "low"]
    assert table.loc["opt"].tolist() == [pytest.approx(1.625), 4, 2, 0, 6, 4]
    assert table.loc["near"].tolist() == [pytest.approx(2.125), 4, 1, 0, 7, 4]  # zero-variance best: no loss
    assert table.loc["low"].tolist() == [pytest.approx(2.25), 4, 0, 3, 5, 2]
    spread = tests[(tests.dataset == "cifar100") & (tests.budget == 100)].set_index(["agent_a", "agent_b"])
    assert spread.loc[("low", "opt"), "verdict"] == "b" and spread.loc[("near", "opt"), "verdict"] == "nsd"
    stats = board.stats[(board.stats.dataset == "cifar100") & (board.stats.budget == 100)].set_index("agent")
    assert stats.loc["low", "mean"] + 2 * stats.loc["low", "std"] > stats.loc["opt", "mean"]  # CIs would overlap


def test_markdown_shows_not_run_parts_and_never_ranks_short_agents_with_the_rest(csvs, tmp_path):
    text = leaderboard_markdown(load_frames(csvs), reps=200)
    grid_full = text.split("### nb201, signal `val12`, budget `unique`: agents with every seed in every cell")[1]
    table = grid_full.split("\n\n")[2].splitlines()
    assert [line.split(" | ")[0][2:] for line in table[2:]] == ["opt", "near", "low"]
    assert "| opt | 1.62 | 2 | 0 | 6 | 4/4 |" in table
    assert "12 paired comparisons, 4 of them testable, 3 significant after Benjamini-Hochberg" in grid_full
    assert "f 3/4 (7/10 seeds: 1); t 1/4 (not run: 1 (cifar100); cut: 2)" in grid_full
    assert "| t | 1/4 (not run: 1 (cifar100); cut: 2) | – |" in text  # coverage: nb201, then nb301 (not its study)
    assert "the cells of other (5 seeds) cannot show a significant difference" in text
    assert "| nb201 | cifar10 | val12 | unique | 500 | 4 | opt | 94.37 ± 0.00 | 10 |" in text
    assert "t (cut), f" not in text and "f (7/10 seeds), t (cut)" in text  # not ranked, with the mark


def test_write_leaderboard_is_byte_identical_and_writes_its_statistics(csvs, tmp_path):
    first = write_leaderboard(csvs, tmp_path / "a" / "leaderboard.md", reps=300).read_bytes()
    assert write_leaderboard(csvs, tmp_path / "b" / "leaderboard.md", reps=300).read_bytes() == first
    cells = pd.read_csv(tmp_path / "a" / "leaderboard-cells.csv")
    assert len(cells) == 5 * 4 + 2  # every agent of a study in every cell of it
    assert cells[(cells.agent == "t") & (cells.status == "not run")]["mean"].isna().all()
    pairs = pd.read_csv(tmp_path / "a" / "leaderboard-pairs.csv")
    assert pairs.p.between(0, 1).all() and len(pairs) == 10 + 6 + 6 + 3 + 1  # 5, 4, 4, 3 agents; other 2


def test_the_same_seed_twice_is_an_error(csvs, tmp_path):
    copy = tmp_path / "copy" / "results.csv"
    copy.parent.mkdir()
    copy.write_text(csvs[1].read_text())
    with pytest.raises(ValueError, match="appears twice"):
        load_frames([csvs[1], copy])


def test_leaderboard_cli(csvs, tmp_path):
    out = tmp_path / "board" / "leaderboard.md"
    result = CliRunner().invoke(app, ["leaderboard", *map(str, csvs), "--out", str(out), "--reps", "100"])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# Cross-space leaderboard") and (out.parent / "leaderboard-pairs.csv").exists()
    missing = CliRunner().invoke(app, ["leaderboard", str(tmp_path / "nope.csv"), "--out", str(out)])
    assert missing.exit_code == 2 and "no such results.csv" in missing.output


def test_a_study_rerunning_one_agent_joins_the_tables_of_its_protocols(csvs, tmp_path):
    """As when a new preset of an agent is run as its own study over the same cells."""
    rerun = [r for r in grid_rows() if r["agent"] == "opt"]
    path = tmp_path / "rerun" / "results.csv"
    path.parent.mkdir()
    pd.DataFrame([{**r, "study": "rerun", "agent": "new"} for r in rerun]).to_csv(path, index=False)
    board = Board.of(load_frames([*csvs, path]))
    assert [league.agents for league in leagues_of(board.status, "All cells")] == [("low", "opt")]
    grid = board.status[board.status.space == "nb201"]
    assert leagues_of(grid, "grid")[1].agents == ("low", "near", "new", "opt")  # ranked beside the grid's agents
    text = leaderboard_markdown(load_frames([*csvs, path]), reps=100)
    assert "new 4/4 (in 1 of 2 protocols)" in text
