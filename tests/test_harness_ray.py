"""The bundled smoke study gives identical results on the local process pool and on Ray."""

from __future__ import annotations

import json
import os

import pytest

from nas_gym.harness import ResultStore, load_study, run_study
from nas_gym.harness.study import bundled_studies
from tests.conftest import RAY_NICENESS, search_result

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'nas-gym[ray]')")


@pytest.fixture(scope="module")
def ray_session():
    """One local Ray for the module. Its workers run at Ray's default niceness 15, which starves
    them on a busy CI machine (10x slower cells measured); the test runs them at 0 like the pool."""
    saved = os.environ.get(RAY_NICENESS)
    os.environ[RAY_NICENESS] = "0"
    try:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    finally:
        if saved is None:
            del os.environ[RAY_NICENESS]
        else:
            os.environ[RAY_NICENESS] = saved
    yield
    ray.shutdown()


def test_smoke_study_is_identical_on_local_and_ray(tmp_path, nb201_cache, ray_session):
    study = load_study(bundled_studies()["smoke"])
    local = run_study(study, tmp_path / "local", backend="local", workers=2, cache=str(nb201_cache))
    remote = run_study(study, tmp_path / "ray", backend="ray", cache=str(nb201_cache))
    cells = list(study.cells())
    assert len(local.completed) == len(remote.completed) == len(cells)
    assert not local.failed and not remote.failed
    stores = ResultStore(tmp_path / "local"), ResultStore(tmp_path / "ray")
    for cell in cells:
        rows_local, summary_local = search_result(stores[0].cell_dir(cell))
        rows_ray, summary_ray = search_result(stores[1].cell_dir(cell))
        assert len(rows_local) == cell.budget
        assert rows_local == rows_ray, cell.relpath
        assert summary_local == summary_ray, cell.relpath
    # The learned agents really learned something different per seed (the comparison is not vacuous).
    l2nas = [c for c in cells if c.agent == "l2nas-paper" and c.env_id == "NB201-cifar10-v0"]
    assert search_result(stores[0].cell_dir(l2nas[0]))[0] != search_result(stores[0].cell_dir(l2nas[1]))[0]


def test_without_address_the_backend_starts_a_private_ray(monkeypatch):
    """A shared machine may run other Ray clusters; joining the latest one would mix users' studies."""
    from nas_gym.harness import parse_study
    from nas_gym.harness.backends import run_ray

    calls = []

    class Stop(Exception):
        pass

    def init(**options):
        calls.append(options)
        raise Stop

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", init)
    cells = list(
        parse_study("name: f\nseeds: 1\nbudgets: [5]\nagents: [{agent: rs}]\nenvs: [{id: NB201-cifar10-v0}]\n").cells()
    )
    with pytest.raises(Stop):
        next(run_ray(cells, None, 2, None))
    with pytest.raises(Stop):
        next(run_ray(cells, None, 2, "10.0.0.1:6379"))
    assert calls[0]["address"] == "local" and calls[0]["num_cpus"] == 2
    assert calls[1]["address"] == "10.0.0.1:6379" and "num_cpus" not in calls[1]


def test_a_failing_ray_task_is_reported_not_committed(tmp_path, nb201_cache, ray_session):
    from nas_gym.harness import parse_study

    study = parse_study(
        "name: f\nseeds: 1\nbudgets: [5]\nagents:\n  - agent: rea\n"
        "    hyperparams: {population_size: 2, sample_size: 3}\nenvs:\n  - id: NB201-cifar10-v0\n"
    )
    run = run_study(study, tmp_path / "out", backend="ray", cache=str(nb201_cache))
    assert len(run.failed) == 1 and "sample_size <= population_size" in run.failed[0][1]
    assert ResultStore(tmp_path / "out").check(next(study.cells())) == "not run"


def test_a_transfer_study_is_identical_on_local_and_ray(tmp_path, nb201_cache, ray_session):
    """The fine-tune cells get the pretrained model through the driver, so Ray needs no shared disk."""
    from nas_gym.harness.transfer import parse_transfer_study, transfer_study_yaml

    text = transfer_study_yaml(
        "t", 2, source="NB201-cifar10-v0", targets=["NB201-cifar100-v0"], pretrain_steps=12, steps=25, warmup=10
    )
    study = parse_transfer_study(text)
    for backend in ("local", "ray"):
        run = run_study(study, tmp_path / backend, backend=backend, workers=2, cache=str(nb201_cache))
        assert len(run.completed) == 5 and not run.failed
    stores = ResultStore(tmp_path / "local"), ResultStore(tmp_path / "ray")
    pretrain = next(study.cells())
    for cell in study.cells():
        (rows_local, summary_local), (rows_ray, summary_ray) = (search_result(s.cell_dir(cell)) for s in stores)
        assert rows_local == rows_ray, cell.relpath
        if cell.agent_label == "transfer":  # each loaded the model of its own run (zip timestamps differ)
            for store, summary in zip(stores, (summary_local, summary_ray), strict=True):
                manifest = json.loads((store.cell_dir(pretrain) / "cell.json").read_text())
                assert summary["hyperparams"].pop("pretrained")["md5"] == manifest["files"]["model.zip"]
        assert summary_local == summary_ray, cell.relpath
