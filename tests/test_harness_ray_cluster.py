"""``--backend ray --address`` on a multi-node cluster, simulated on this machine with Ray's own
``ray.cluster_utils.Cluster`` (a head and a worker node): the smoke study gives the rows of the
local backend, and a worker node removed mid-study costs no finished cell; --resume completes it."""

from __future__ import annotations

import threading
import time

import pytest

from nas_gym.harness import ResultStore, load_study, parse_study, run_study
from nas_gym.harness.study import bundled_studies
from tests.conftest import RAY_NICENESS, search_result

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'nas-gym[ray]')")
from ray.cluster_utils import Cluster  # noqa: E402

# Random search with a large budget: a cell takes seconds, long enough to remove a node mid-study.
SLOW = """\
name: slow
seeds: 6
budgets: [3000]
agents:
  - agent: rs
envs:
  - id: NB201-cifar100-v0
"""


@pytest.fixture
def cluster(monkeypatch):
    """A head node and one worker node, one CPU each (nodes inherit the niceness override)."""
    monkeypatch.setenv(RAY_NICENESS, "0")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    yield cluster, worker
    if ray.is_initialized():
        ray.shutdown()
    cluster.shutdown()


def test_smoke_study_on_two_nodes_matches_the_local_backend(tmp_path, nb201_cache, cluster):
    cluster, _ = cluster
    study = load_study(bundled_studies()["smoke"])
    remote = run_study(study, tmp_path / "ray", backend="ray", address=cluster.address, cache=str(nb201_cache))
    local = run_study(study, tmp_path / "local", backend="local", workers=2, cache=str(nb201_cache))
    cells = list(study.cells())
    assert len(remote.completed) == len(local.completed) == len(cells) and not remote.failed
    stores = ResultStore(tmp_path / "local"), ResultStore(tmp_path / "ray")
    for cell in cells:
        assert search_result(stores[0].cell_dir(cell)) == search_result(stores[1].cell_dir(cell)), cell.relpath


def test_a_worker_node_removed_mid_study_costs_no_finished_cell(tmp_path, nb201_cache, cluster):
    cluster, worker = cluster
    study = parse_study(SLOW)
    cells = list(study.cells())
    out = tmp_path / "out"
    store = ResultStore(out)

    def remove_after_the_first_cell() -> None:
        deadline = time.monotonic() + 300
        while not any(store.check(c) is None for c in cells) and time.monotonic() < deadline:
            time.sleep(0.2)
        cluster.remove_node(worker)

    remover = threading.Thread(target=remove_after_the_first_cell, daemon=True)
    remover.start()
    first = run_study(study, out, backend="ray", address=cluster.address, cache=str(nb201_cache))
    remover.join()
    finished = [c for c in cells if store.check(c) is None]
    assert {c.relpath for c in first.completed} == {c.relpath for c in finished}  # every committed cell is intact
    # A cell running on the removed node fails with the node (unless its result was already handed back).
    assert len(first.completed) + len(first.failed) == len(cells)
    assert all("NodeDiedError" in why or "WorkerCrashedError" in why for _, why in first.failed), first.failed
    before = {c.relpath: (store.cell_dir(c) / "queries.csv").read_bytes() for c in finished}

    resumed = run_study(study, out, backend="ray", address=cluster.address, cache=str(nb201_cache), resume=True)
    assert resumed.skipped == len(finished) and not resumed.failed
    assert all(store.check(c) is None for c in cells)
    assert {c.relpath: (store.cell_dir(c) / "queries.csv").read_bytes() for c in finished} == before
