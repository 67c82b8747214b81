"""Transfer is a study: its pretrain, fine-tune and scratch arms are store cells keyed by their
full spec. A changed preset or signal reruns the arms, --resume redoes only unfinished arms,
the fine-tune cells load the pretrained model only after its md5 matched the manifest, and the
report compares the arms at checkpoints."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nas_gym.cli import app
from nas_gym.harness import ResultStore, StudyError, load_study, run_study
from nas_gym.harness.study import bundled_studies
from nas_gym.harness.transfer import TransferStudy, parse_transfer_study, transfer_study_yaml
from nas_gym.harness.transfer_run import MODEL_FILE, execute_transfer_cell, read_model
from nas_gym.report import write_report

SMALL = {
    "source": "NB201-cifar10-v0",
    "targets": ["NB201-cifar100-v0"],
    "preset": "paper",
    "signal": "test200",
    "pretrain_steps": 12,
    "pretrain_seed": 0,
    "steps": 25,
    "warmup": 10,
}


def _study(**changes) -> TransferStudy:
    return parse_transfer_study(transfer_study_yaml("small-transfer", 2, **{**SMALL, **changes}))


def _archs(folder) -> list[str]:
    with open(folder / "queries.csv") as f:
        return [row["arch"] for row in csv.DictReader(f)]


def _snapshot(store: ResultStore, cells) -> dict[str, tuple[int, int]]:
    """inode and mtime of every file of ``cells``: proves a finished cell was not rewritten."""
    return {str(p): (p.stat().st_ino, p.stat().st_mtime_ns) for c in cells for p in sorted(store.cell_dir(c).iterdir())}


def _by_arm(study: TransferStudy) -> dict[tuple[str, int], object]:
    return {(c.agent_label, c.seed): c for c in study.cells()}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, nb201_cache):
    out = tmp_path_factory.mktemp("transfer")
    study = _study()
    run = run_study(study, out, workers=1, cache=str(nb201_cache))
    assert len(run.completed) == 5 and not run.failed
    return study, out


def _copy(small_run, tmp_path):
    study, out = small_run
    shutil.copytree(out, tmp_path / "run")
    return study, tmp_path / "run"


def test_the_arms_are_cells_and_the_fine_tune_loads_the_verified_pretrained_model(small_run):
    study, out = small_run
    store, cells = ResultStore(out), _by_arm(study)
    assert all(store.check(c) is None for c in study.cells())
    pretrain = cells[("pretrain", 0)]
    manifest = json.loads((store.cell_dir(pretrain) / "cell.json").read_text())
    assert (store.cell_dir(pretrain) / MODEL_FILE).stat().st_size > 10_000
    summary = json.loads((store.cell_dir(pretrain) / "summary.json").read_text())
    assert summary["env"] == "NB201-cifar10-v0" and summary["steps"] == 12
    assert summary["env_kwargs"]["reward"] == "transfer" and summary["env_kwargs"]["top_k"] == 100
    assert summary["env_kwargs"]["acc_env"] == pytest.approx(0.9437333333333333)  # the cifar10 test200 optimum

    for seed in range(2):
        arms = {arm: store.cell_dir(cells[(arm, seed)]) for arm in ("transfer", "scratch")}
        summaries = {arm: json.loads((path / "summary.json").read_text()) for arm, path in arms.items()}
        for arm, s in summaries.items():
            assert s["steps"] == 25 and s["hyperparams"]["arm"] == arm
            assert s["env_kwargs"]["acc_env"] == pytest.approx(0.7351333333333333)  # the target's own
            assert s["hyperparams"]["warmup_steps"] == 10 and s["hyperparams"]["epsilon"] is None
        # The fine-tune cell is tied to this pretraining: its spec holds the key, its run the model's md5.
        assert cells[("transfer", seed)].pretrained == pretrain.key
        assert summaries["transfer"]["hyperparams"]["pretrained"] == {
            "cell": pretrain.key,
            "md5": manifest["files"][MODEL_FILE],
        }
        assert summaries["scratch"]["hyperparams"]["pretrained"] is None
        # Same seed -> same random warm-up in both arms: any later difference is the policy's.
        assert _archs(arms["transfer"])[:10] == _archs(arms["scratch"])[:10]


def test_a_changed_preset_or_signal_reruns_the_arms(small_run, tmp_path, nb201_cache):
    _, out = _copy(small_run, tmp_path)
    improved = _study(preset="improved")
    run = run_study(improved, out, resume=True, workers=1, cache=str(nb201_cache))
    assert run.skipped == 0 and len(run.completed) == 5
    assert {why for _, why in run.redone} == {"stale (the study changed this cell)"}
    store = ResultStore(out)
    for cell in improved.cells():
        summary = json.loads((store.cell_dir(cell) / "summary.json").read_text())
        assert summary["hyperparams"]["preset"] == "improved" and summary["hyperparams"]["screen_candidates"] == 64

    val12 = _study(signal="val12")
    run = run_study(val12, out, resume=True, workers=1, cache=str(nb201_cache))
    assert run.skipped == 0 and len(run.completed) == 5 and not run.redone  # new cells, under cells/val12/
    summaries = [json.loads((store.cell_dir(c) / "summary.json").read_text()) for c in val12.cells()]
    assert {s["protocol"]["signal"] for s in summaries} == {"val12"}
    # acc_env is the optimum of the new signal, not test200's.
    assert all(s["env_kwargs"]["acc_env"] != pytest.approx(0.7351333333333333) for s in summaries[1:])
    write_report(out, reps=50)
    assert "Search signal `val12` (a **test-set**" not in (out / "transfer.md").read_text()
    assert "Search signal `val12`;" in (out / "transfer.md").read_text()


def test_a_changed_pretraining_reruns_the_fine_tune_cells_but_not_scratch(small_run):
    old = _by_arm(small_run[0])
    for change in ({"pretrain_steps": 13}, {"pretrain_seed": 1}, {"source": "NB201-ImageNet16-120-v0"}):
        new = _by_arm(_study(**change))
        assert all(new[("transfer", s)].key != old[("transfer", s)].key for s in (0, 1)), change
        assert all(new[("scratch", s)].key == old[("scratch", s)].key for s in (0, 1)), change


def test_resume_after_an_interruption_redoes_only_the_unfinished_arms(small_run, tmp_path, nb201_cache, monkeypatch):
    import nas_gym.harness.transfer_run as transfer_run

    study, reference = small_run
    out, cells = tmp_path / "run", _by_arm(study)
    search = transfer_run._search

    def interrupted_at_transfer_seed_1(env, seed, cell, load, save):
        if (cell.agent_label, cell.seed) == ("transfer", 1):
            raise KeyboardInterrupt  # Ctrl-C during this cell
        return search(env, seed, cell, load, save)

    monkeypatch.setattr(transfer_run, "_search", interrupted_at_transfer_seed_1)
    with pytest.raises(KeyboardInterrupt):
        run_study(study, out, workers=1, cache=str(nb201_cache))
    store = ResultStore(out)
    done = [c for c in study.cells() if store.check(c) is None]
    assert done == [cells[("pretrain", 0)], cells[("transfer", 0)]]
    untouched = _snapshot(store, done)

    monkeypatch.setattr(transfer_run, "_search", search)
    run = run_study(study, out, resume=True, workers=1, cache=str(nb201_cache))
    assert run.skipped == 2
    redone = [("transfer", 1), ("scratch", 0), ("scratch", 1)]
    assert [c.relpath for c in run.completed] == [cells[k].relpath for k in redone]
    assert _snapshot(store, done) == untouched
    for cell in study.cells():  # the resumed study holds what the uninterrupted one holds
        assert _archs(store.cell_dir(cell)) == _archs(ResultStore(reference).cell_dir(cell))


def test_a_corrupt_pretrained_model_is_never_loaded(small_run, tmp_path, nb201_cache):
    study, out = _copy(small_run, tmp_path)
    store, cells = ResultStore(out), _by_arm(study)
    pretrain, transfer = cells[("pretrain", 0)], cells[("transfer", 0)]
    data = (store.cell_dir(pretrain) / MODEL_FILE).read_bytes()
    (store.cell_dir(pretrain) / MODEL_FILE).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    why = f"the pretraining cell {pretrain.relpath} is not finished ({MODEL_FILE} is corrupt (md5 mismatch))"
    assert read_model(store, pretrain) == {pretrain.key: why}
    with pytest.raises(RuntimeError, match=r"cannot fine-tune .*transfer/seed-0: the pretraining cell .* not finished"):
        execute_transfer_cell(transfer, str(nb201_cache), read_model(store, pretrain))
    digest = json.loads((store.cell_dir(pretrain) / "cell.json").read_text())["files"][MODEL_FILE]
    with pytest.raises(RuntimeError, match="the pretrained model arrived corrupt"):
        execute_transfer_cell(transfer, str(nb201_cache), {pretrain.key: (b"not the model", digest)})
    run = run_study(study, out, resume=True, workers=1, cache=str(nb201_cache))
    assert [(c, why) for c, why in run.redone] == [(pretrain, f"{MODEL_FILE} is corrupt (md5 mismatch)")]
    assert isinstance(read_model(store, pretrain)[pretrain.key], tuple)


def test_the_report_compares_the_arms_at_the_checkpoints(small_run, tmp_path):
    _, out = small_run
    files = write_report(out, tmp_path, reps=200)
    assert {p.name for p in files} == {"results.csv", "transfer.md", "transfer.png", "transfer.pdf"}
    text = (tmp_path / "transfer.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| NB201-cifar100-v0 |")]
    assert [int(r.split("|")[2]) for r in rows] == [20, 25]  # warm-up + 10, and the last step
    assert "K=100, W=10 random warm-up steps" in text and "Search signal `test200` (a **test-set**" in text
    assert "2 seeds per arm" in text and "0 unfinished cells left out" in text
    assert "NB201-cifar10-v0 -> NB201-cifar100-v0: after 25 steps transfer minus scratch" in text
    assert write_report(out, tmp_path / "again", reps=200) and (tmp_path / "again" / "transfer.md").read_text() == text


def test_the_report_of_a_half_finished_study_compares_only_paired_seeds(small_run, tmp_path):
    study, out = _copy(small_run, tmp_path)
    (ResultStore(out).cell_dir(_by_arm(study)[("scratch", 1)]) / "cell.json").unlink()  # killed mid-commit
    with pytest.raises(ValueError, match="no target of 'small-transfer' has 2 seeds finished in both arms yet"):
        write_report(out, reps=50)


def test_nas_gym_transfer_runs_the_study_of_its_flags(tmp_path, nb201_cache):
    flags = ["--target", "NB201-cifar100-v0", "--pretrain-steps", "12", "--steps", "25", "--warmup", "10"]
    flags += ["--seeds", "2", "--out", str(tmp_path), "--workers", "1", "--cache", str(nb201_cache)]
    result = CliRunner().invoke(app, ["transfer", *flags])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "transfer.md").is_file() and isinstance(load_study(tmp_path / "study.yaml"), TransferStudy)
    assert load_study(tmp_path / "study.yaml").config == _study().config

    result = CliRunner().invoke(app, ["transfer", *flags])
    assert result.exit_code == 2 and "pass --resume" in result.output
    result = CliRunner().invoke(app, ["transfer", *flags, "--resume", "--preset", "improved"])
    assert result.exit_code == 0 and "5 cells run, 0 already finished" in result.output
    assert "preset `improved`" in (tmp_path / "transfer.md").read_text()


def test_the_bundled_transfer_study_is_the_papers_setting():
    study = load_study(bundled_studies()["transfer-nb201"])
    spec = study.config
    assert (spec.preset, spec.signal, spec.pretrain_steps, spec.steps) == ("paper", "test200", 1000, 1000)
    assert spec.warmup == 500
    assert study.seeds == tuple(range(10)) and len(list(study.cells())) == 1 + 2 * 2 * 10
    assert study.budgets == (510, 550, 600, 750, 1000)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"preset": "no-such"}, r":7: unknown L2NAS preset 'no-such'; choose one of paper, "),
        ({"steps": 500, "warmup": 500}, r":12: transfer.steps \(500\) must exceed the random warm-up"),
        ({"targets": ["NB201-cifar10-v0"]}, r":6: the source NB201-cifar10-v0 is also a target"),
        ({"targets": []}, r":6: transfer.targets must be a non-empty list"),
        ({"source": "NB201-cifar11-v0"}, r":5: unknown source env 'NB201-cifar11-v0'"),
        ({"pretrain_steps": 0}, r":9: transfer.pretrain_steps must be an integer >= 1, got 0"),
        ({"epsilon": 0.1}, r":13: unknown transfer key 'epsilon'; allowed: source, targets"),
    ],
)
def test_a_bad_transfer_study_is_refused_with_its_line(change, message):
    with pytest.raises(StudyError, match=message):
        parse_transfer_study(transfer_study_yaml("bad", 2, **{**SMALL, **change}), "bad.yaml")


def test_one_seed_cannot_compare_arms():
    with pytest.raises(StudyError, match=r"bad.yaml:3: a transfer study needs >= 2 seeds"):
        parse_transfer_study(transfer_study_yaml("bad", 1, **SMALL), "bad.yaml")


@settings(max_examples=40, deadline=None)
@given(
    preset=st.sampled_from(["paper", "improved"]),
    signal=st.sampled_from(["test200", "val12", "val200"]),
    pretrain_steps=st.integers(1, 5000),
    steps=st.integers(2, 5000),
    warmup=st.integers(0, 4999),
    seeds=st.lists(st.integers(0, 200), min_size=2, max_size=5, unique=True),
)
def test_flags_round_trip_through_the_study_file(preset, signal, pretrain_steps, steps, warmup, seeds):
    warmup = min(warmup, steps - 1)
    values = {**SMALL, "preset": preset, "signal": signal, "pretrain_steps": pretrain_steps}
    values |= {"steps": steps, "warmup": warmup}
    study = parse_transfer_study(transfer_study_yaml("t", seeds, **values))
    assert study.seeds == tuple(seeds)
    assert {k: getattr(study.config, k) for k in values} == {**values, "targets": tuple(values["targets"])}
    cells = list(study.cells())
    assert len(cells) == 1 + 2 * len(seeds) and len({c.relpath for c in cells}) == len(cells)
    assert study.budgets[-1] == steps and all(warmup < b <= steps for b in study.budgets)
    assert {c.pretrained for c in cells if c.agent_label == "transfer"} == {cells[0].key}
