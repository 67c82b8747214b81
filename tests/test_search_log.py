"""Run files carry no float noise: accuracies at the tables' float32 precision, read back exactly.

The NB201 table holds float64 means of float32 per-seed accuracies (``55.83999999572754``);
``queries.csv`` and ``summary.json`` write them as ``55.84``, and the report's exact-optimum
detection must still see the optimum when a run found it.
"""

from __future__ import annotations

import csv
import json
import math

import gymnasium as gym
import numpy as np
import pytest

from nas_gym.harness.cell import run_cell
from nas_gym.report.results import OPTIMUM_ATOL, read_cell
from nas_gym.search_log import SearchRecorder, float32_short, write_run

ACC_COLUMNS = ("signal_acc", "report_acc", "best_signal_acc", "best_report_acc")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (94.63565826416016, "94.63566"),  # a float32 widened to float64 (DARTS/NB301, OFA)
        (55.83999999572754, "55.84"),  # an NB201 mean of float32 seeds
        (94.37333333333333, "94.373333"),  # nearest to the value, not numpy's float32 repr 94.37334
        (0.0018685969999978624, "0.001868597"),
        (1.0, "1.0"),
    ],
)
def test_float32_short_is_short_and_keeps_the_float32(value, text):
    assert repr(float32_short(value)) == text
    assert np.float32(float32_short(value)) == np.float32(value)


@pytest.mark.parametrize("value", [math.inf, -math.inf, 0.0, 1e-45, 1e39])
def test_float32_short_keeps_what_float32_would_lose(value):
    assert float32_short(value) == value


def test_float32_short_keeps_nan():
    assert math.isnan(float32_short(math.nan))


def _query(env: gym.Env, indices: list[int]) -> list[dict]:
    """Query the NB201 architectures ``indices`` (official indices) through ``env``; their infos."""
    codes = env.unwrapped.benchmark.search_space.index_to_codes(np.array(indices))
    env.reset(seed=0)
    return [env.step(action)[4] for action in codes]


@pytest.mark.realdata
def test_queries_csv_reads_the_table_value_of_index_6111(nb201_cache, tmp_path):
    env = gym.make("NB201-cifar10-discrete-v0", cache=nb201_cache, signal="test200", max_queries=3)
    recorder = SearchRecorder(env)
    infos = _query(recorder, [6111, 11, 6111])
    api = env.unwrapped
    summary = {"report_optimum": api.report_optimum, "env_kwargs": {"latency_weight": 0.123456789}}
    write_run(tmp_path, recorder.records, summary)

    text = (tmp_path / "queries.csv").read_text().splitlines()
    assert text[1].split(",")[3:7] == ["94.373333"] * 4  # not 94.37333333333333
    assert text[2].split(",")[3:5] == ["91.583333"] * 2
    with open(tmp_path / "queries.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row, info in zip(rows, infos, strict=True):
        for column in ACC_COLUMNS:
            read, table = float(row[column]), float(info[column])
            assert read != table  # the table value has float noise the file does not
            assert np.float32(read) == np.float32(table)
            assert abs(read - table) <= 0.5 * np.spacing(np.float32(table))

    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["report_optimum"] == 94.373333 == written["best_report_acc"]
    assert written["env_kwargs"] == {"latency_weight": 0.123456789}  # configuration is kept exact


@pytest.mark.realdata
def test_report_sees_the_optimum_a_run_found(nb201_cache, tmp_path):
    """A run that queries the test200 optimum: its best and the summary's optimum read back equal."""

    def search(env: gym.Env, seed: int) -> dict:
        _query(env, [11, 6111, 11])
        return {}  # no hyperparameters

    summary = run_cell("rs", "NB201-cifar10-discrete-v0", 3, 0, tmp_path, cache=nb201_cache, search=search)
    run = read_cell(tmp_path, None)
    assert summary["report_optimum"] == 94.37333333333333  # the table's value, in memory
    assert run.optimum == 94.373333 and run.best_report.tolist() == [91.583333, 94.373333, 94.373333]
    assert run.best_report[-1] >= run.optimum - OPTIMUM_ATOL and run.best_report[-1] == run.optimum
