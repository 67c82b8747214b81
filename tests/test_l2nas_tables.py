"""bench/l2nas_v3_tables.py: ablation / versus tables and the agent filter, on a synthetic results table."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.l2nas_v3_tables import compare, main, markdown


def _frame() -> pd.DataFrame:
    rows = []
    for seed in range(10):
        for agent, value in (("l2nas", 90.0 + seed * 0.1), ("worse", 89.0 + seed * 0.1), ("same", 90.0 + seed * 0.1)):
            rows.append(
                {"env": "E-v0", "signal": "s", "budget_kind": "steps", "budget": 500, "seed": seed,
                 "agent": agent, "best_report_acc": value}
            )  # fmt: skip
        # a cell only l2nas ran is skipped, not compared with nothing
        rows.append({"env": "E-v0", "signal": "s", "budget_kind": "steps", "budget": 1000, "seed": seed,
                     "agent": "l2nas", "best_report_acc": 91.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_a_row_worse_on_every_seed_is_significantly_worse():
    table = compare(_frame(), "l2nas", "worse", reps=200)
    assert len(table) == 1 and table.seeds.iloc[0] == 10
    row = table.iloc[0]
    assert row.poi == 1.0 and row.poi_low == 1.0 and row.verdict == "l2nas better"
    assert row.paired_p == pytest.approx(2 / 2**10)  # exact permutation test: all 10 differences +1
    assert "| E-v0 | s | steps 500 | 10 | 90.45 | 89.45 | 1.00 [1.00, 1.00] | 0.002 | l2nas better |" in markdown(
        table, "l2nas", "worse"
    )


def test_labels_with_a_dash_are_tabulated():
    frame = _frame().replace({"agent": {"worse": "l2nas-v2"}})
    assert "| 90.45 | 89.45 |" in markdown(compare(frame, "l2nas", "l2nas-v2", reps=50), "l2nas", "l2nas-v2")


def test_the_same_value_at_another_precision_is_a_tie():
    frame = _frame()
    frame.loc[frame.agent == "same", "best_report_acc"] += 3e-6  # 94.373333 written as 94.3733
    assert compare(frame, "l2nas", "same", reps=50).poi.iloc[0] == 0.5


def test_identical_rows_are_level():
    row = compare(_frame(), "l2nas", "same", reps=200).iloc[0]
    assert row.poi == 0.5 and row.paired_p == 1.0 and row.verdict == "level"


def test_only_keeps_the_named_agents(tmp_path):
    src, out = tmp_path / "results.csv", tmp_path / "lb" / "results.csv"
    _frame().to_csv(src, index=False)
    main(["only", str(src), "--agents", "l2nas", "--out", str(out)])
    kept = pd.read_csv(out)
    assert set(kept.agent) == {"l2nas"} and len(kept) == 20


def test_only_folds_studies_one_cell_from_one_file(tmp_path):
    """A cell two studies ran comes whole from the file with most seeds there (the later on a tie)."""
    short, long = _frame().assign(study="short"), _frame().assign(study="long")
    long = long[~((long.budget == 1000) & (long.seed >= 6))]  # the long study has 6 seeds at 1000
    paths = [tmp_path / "short.csv", tmp_path / "long.csv"]
    short.to_csv(paths[0], index=False)
    long.to_csv(paths[1], index=False)
    out = tmp_path / "folded.csv"
    main(["only", *map(str, paths), "--agents", "l2nas", "worse", "--out", str(out)])
    kept = pd.read_csv(out)
    assert not kept.duplicated(["env", "signal", "budget_kind", "budget", "agent", "seed"]).any()
    studies = kept.groupby(["budget", "agent"]).study.agg(set).to_dict()
    assert studies == {(500, "l2nas"): {"long"}, (500, "worse"): {"long"}, (1000, "l2nas"): {"short"}}
    assert len(kept) == 30


def test_same_settings_moves_rows_only_where_the_presets_agree(tmp_path):
    """Preset v5 is v4 on NB201 and differs on DARTS: v4's NB201 rows become `l2nas` (v5) rows, its DARTS
    rows stay `l2nas-v4`, and v5's own DARTS rows are kept beside them."""
    rows = [
        {"env": env, "signal": "s", "budget_kind": "steps", "budget": 500, "seed": seed, "agent": agent,
         "agent_name": agent, "study": "s4" if agent == "l2nas-v4" else "s5", "best_report_acc": 90.0}
        for env, agent in (("NB201-cifar10-v0", "l2nas-v4"), ("DARTS-cifar10-v0", "l2nas-v4"),
                           ("DARTS-cifar10-v0", "l2nas"))
        for seed in range(3)
    ]  # fmt: skip
    path, out = tmp_path / "rows.csv", tmp_path / "folded.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    main(["only", str(path), "--agents", "l2nas", "l2nas-v4", "--same-settings", "l2nas=l2nas-v4", "--out", str(out)])
    kept = pd.read_csv(out)
    assert kept.groupby("env").agent.agg(lambda a: sorted(set(a))).to_dict() == {
        "DARTS-cifar10-v0": ["l2nas", "l2nas-v4"],
        "NB201-cifar10-v0": ["l2nas"],
    }
    assert (kept.agent == kept.agent_name).all() and len(kept) == 9
    assert kept.groupby(["env", "agent"]).study.first().to_dict() == {
        ("DARTS-cifar10-v0", "l2nas"): "s5",
        ("DARTS-cifar10-v0", "l2nas-v4"): "s4",
        ("NB201-cifar10-v0", "l2nas"): "s4-as-l2nas",
    }
    with pytest.raises(SystemExit):
        main(["only", str(path), "--agents", "l2nas", "--same-settings", "l2nas", "--out", str(out)])


def test_relabelled_cells_are_the_new_agents_finished_cells(tmp_path):
    """A v3 cell recorded as agent `l2nas` is moved to `l2nas-v3` with the key a fresh `l2nas-v3` cell has."""
    import hashlib
    import json

    from bench.l2nas_relabel_results import relabel_cell
    from nas_gym.harness.spec import Cell

    def cell(agent: str) -> Cell:
        return Cell("default", "NB201-cifar10-v0", agent, agent, 0, 50, {"budget": "unique"}, {})

    spec = {**cell("l2nas-v3").spec(), "agent": "l2nas", "agent_label": "l2nas"}  # v3's settings, old name
    folder = tmp_path / "cells" / "default" / "NB201-cifar10-v0" / "l2nas" / "seed-0"
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps({"agent": "l2nas", "seed": 0}))
    (folder / "cell.json").write_text(json.dumps({"key": "old", "spec": spec, "files": {}}))
    moved = relabel_cell(folder, "l2nas", "l2nas-v3")
    assert moved == tmp_path / "cells" / "default" / "NB201-cifar10-v0" / "l2nas-v3" / "seed-0"
    manifest = json.loads((moved / "cell.json").read_text())
    assert manifest["key"] == cell("l2nas-v3").key and manifest["spec"] == cell("l2nas-v3").spec()
    summary = (moved / "summary.json").read_bytes()
    assert json.loads(summary)["agent"] == "l2nas-v3"
    assert manifest["files"]["summary.json"] == hashlib.md5(summary).hexdigest()
    other = {**cell("l2nas").spec(), "agent_label": "v4-cell"}  # today's l2nas settings: not v3's, left alone
    folder = tmp_path / "cells" / "default" / "NB201-cifar10-v0" / "v4-cell" / "seed-0"
    folder.mkdir(parents=True)
    (folder / "cell.json").write_text(json.dumps({"key": "k", "spec": other, "files": {}}))
    assert relabel_cell(folder, "l2nas", "l2nas-v3") is None


def test_a_cell_run_as_v4_with_v5s_darts_overrides_is_a_v5_cell(tmp_path):
    """Preset v5 is v4 plus two DARTS overrides: a DARTS cell run as `l2nas` (then v4) with them, labelled
    `l2nas-v5`, becomes a cell of agent `l2nas-v5` with the key a fresh one has; a DARTS cell of plain v4
    did not run with v5's settings and is left alone, and neither moves to today's `l2nas` (v6)."""
    import json

    from bench.l2nas_relabel_results import relabel_cell
    from nas_gym.harness.spec import Cell

    env = "DARTS-cifar10-v0"
    for label, overrides in (("l2nas-v5", {"critic_targets": "standardised", "mutation_parents": 1}), ("v4", {})):
        as_v4 = Cell("default", env, label, "l2nas-v4", 0, 500, {"max_queries": 500}, overrides).spec()
        folder = tmp_path / "cells" / "default" / env / label / "seed-0"
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps({"agent": "l2nas", "seed": 0}))
        (folder / "cell.json").write_text(json.dumps({"key": "old", "spec": {**as_v4, "agent": "l2nas"}, "files": {}}))
        assert relabel_cell(folder, label, "l2nas") is None  # v6 on DARTS: other settings
        moved = relabel_cell(folder, label, "l2nas-v5")
        if overrides:
            fresh = Cell("default", env, "l2nas-v5", "l2nas-v5", 0, 500, {"max_queries": 500}, overrides)
            assert moved == tmp_path / "cells" / "default" / env / "l2nas-v5" / "seed-0"
            assert json.loads((moved / "cell.json").read_text())["key"] == fresh.key
        else:
            assert moved is None
