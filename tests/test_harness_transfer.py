"""nas-gym transfer: Eq. 7 reward with each dataset's acc_env, fine-tune loads the pretrained policy,
both arms share the seed's random warm-up, the report compares them at checkpoints."""

from __future__ import annotations

import csv
import json

import pytest

from nas_gym.harness.transfer import TransferConfig, run_transfer


def _archs(folder) -> list[str]:
    with open(folder / "queries.csv") as f:
        return [row["arch"] for row in csv.DictReader(f)]


def test_transfer_runs_both_arms_and_reports(tmp_path, nb201_cache):
    config = TransferConfig(
        "NB201-cifar10-v0", ("NB201-cifar100-v0",), "paper", pretrain_steps=12, steps=25, seeds=2, warmup=10
    )
    files = run_transfer(config, tmp_path, workers=1, cache=str(nb201_cache))
    assert {p.name for p in files} == {"transfer.md", "transfer.png", "transfer.pdf"}
    assert (tmp_path / "pretrained.zip").stat().st_size > 10_000

    pretrain = json.loads((tmp_path / "pretrain" / "summary.json").read_text())
    assert pretrain["env"] == "NB201-cifar10-v0" and pretrain["steps"] == 12
    assert pretrain["env_kwargs"]["reward"] == "transfer" and pretrain["env_kwargs"]["top_k"] == 100
    assert pretrain["env_kwargs"]["acc_env"] == pytest.approx(0.9437333333333333)  # the cifar10 test200 optimum

    for seed in range(2):
        arms = {arm: tmp_path / "NB201-cifar100-v0" / arm / f"seed-{seed}" for arm in ("transfer", "scratch")}
        summaries = {arm: json.loads((path / "summary.json").read_text()) for arm, path in arms.items()}
        for arm, summary in summaries.items():
            assert summary["steps"] == 25 and summary["hyperparams"]["arm"] == arm
            assert summary["env_kwargs"]["acc_env"] == pytest.approx(0.7351333333333333)  # the target's own
            assert summary["hyperparams"]["warmup_steps"] == 10 and summary["hyperparams"]["epsilon"] is None
        assert summaries["transfer"]["hyperparams"]["pretrained"].endswith("pretrained.zip")
        # Same seed -> same random warm-up in both arms: any later difference is the policy's.
        assert _archs(arms["transfer"])[:10] == _archs(arms["scratch"])[:10]

    text = (tmp_path / "transfer.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| NB201-cifar100-v0 |")]
    assert [int(r.split("|")[2]) for r in rows] == [20, 25]  # warm-up + 10, and the last step
    assert "K=100, W=10 random warm-up steps" in text and "Search signal `test200`" in text
    assert "NB201-cifar10-v0 -> NB201-cifar100-v0: after 25 steps transfer minus scratch" in text

    # A rerun finds every run finished and only rewrites the report.
    mtime = (tmp_path / "pretrained.zip").stat().st_mtime_ns
    run_transfer(config, tmp_path, workers=1, cache=str(nb201_cache))
    assert (tmp_path / "pretrained.zip").stat().st_mtime_ns == mtime


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"preset": "paper-transfer"}, "preset must be 'paper' or 'improved'"),
        ({"steps": 500}, r"--steps \(500\) must exceed the random warm-up --warmup \(500\)"),
        ({"seeds": 1}, "--seeds must be >= 2"),
        ({"targets": ("NB201-cifar10-v0",)}, "the source NB201-cifar10-v0 is also a target"),
    ],
)
def test_bad_transfer_settings_are_refused(kwargs, message):
    base = {"source": "NB201-cifar10-v0", "targets": ("NB201-cifar100-v0",)}
    with pytest.raises(ValueError, match=message):
        TransferConfig(**{**base, **kwargs})
