"""bench/l2nas_cells.py: a study cell's queries.csv read at budgets by the best-at rule of search_quality."""

from __future__ import annotations

import pytest

from bench.l2nas_cells import best_report_at

_HEADER = "step,unique,arch,signal_acc,report_acc,best_signal_acc,best_report_acc,best_arch,wall_s\n"


def _queries(tmp_path, rows):
    path = tmp_path / "queries.csv"
    path.write_text(_HEADER + "".join(f"{s},{u},a,0,0,0,{b},a,0\n" for s, u, b in rows))
    return path


def test_best_report_at_reads_the_last_query_within_each_budget(tmp_path):
    # A repeat at step 3 (unique stays 2): by unique budget 2 the best is the one logged at step 3.
    path = _queries(tmp_path, [(1, 1, 90.0), (2, 2, 91.5), (3, 2, 91.7), (4, 3, 93.0), (5, 4, 93.0)])
    assert best_report_at(path, [1, 2, 4], "unique") == {1: 90.0, 2: 91.7, 4: 93.0}
    assert best_report_at(path, [2, 5], "step") == {2: 91.5, 5: 93.0}


def test_a_cell_short_of_the_budget_is_refused(tmp_path):
    path = _queries(tmp_path, [(1, 1, 90.0), (2, 2, 91.0)])
    with pytest.raises(ValueError, match="short of 3"):
        best_report_at(path, [1, 3], "unique")
