"""Policy transfer (L2NAS paper, Sec. 4.4 and Eq. 7): pretrain on one dataset, fine-tune on another.

1. Pretrain L2NAS on the source env with the transfer reward
   ``r = 100 ** (acc / acc_env) / 100 - 1`` (Eq. 7), ``acc_env`` = the source's reference
   accuracy, here the NB201 optimum of the search signal on that dataset (the paper used the
   best supernet validation accuracy, a dataset-level constant playing the same role).
2. Fine-tune the saved actor and critic on each target with the paper's fine-tune settings:
   K = 100, a random warm-up of W = 500 steps, 1000 steps, the target's own ``acc_env``; the
   replay buffer and the top-K history start empty (they describe the source's architectures).
3. Compare with the same search from a fresh initialisation ("scratch") on the same target,
   same settings and seeds. Every run is a :func:`~nas_gym.harness.cell.run_cell` folder.
"""

from __future__ import annotations

import json
import warnings
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from nas_gym.harness.backends import default_workers, init_worker
from nas_gym.harness.cell import run_cell
from nas_gym.report.results import CellRun, read_cell
from nas_gym.report.stats import CI, mean_band

TOP_K, ARMS = 100, ("transfer", "scratch")
# Steps after the warm-up at which the arms are compared (besides the last step): the policy
# only acts after the warm-up, and both arms find the optimum by the end on easy targets.
CHECKPOINT_OFFSETS = (10, 50, 100, 250)


@dataclass(frozen=True)
class TransferConfig:
    source: str
    targets: tuple[str, ...]
    preset: str = "paper"
    pretrain_steps: int = 1000
    steps: int = 1000
    seeds: int = 10
    signal: str = "test200"
    warmup: int = 500  # W of the paper's fine-tune: uniform random steps before the policy acts

    def __post_init__(self):
        if self.preset not in ("paper", "improved"):
            raise ValueError(f"preset must be 'paper' or 'improved', got {self.preset!r}")
        if not 0 <= self.warmup < self.steps:
            raise ValueError(f"--steps ({self.steps}) must exceed the random warm-up --warmup ({self.warmup})")
        if self.seeds < 2:
            raise ValueError(f"--seeds must be >= 2 to compare arms, got {self.seeds}")
        if self.source in self.targets:
            raise ValueError(f"the source {self.source} is also a target")


def reference_accuracy(env_id: str, signal: str, cache: str | None) -> float:
    """``acc_env`` of Eq. 7 for ``env_id``: the optimum of ``signal`` on its dataset, as a fraction."""
    import gymnasium as gym

    import nas_gym  # noqa: F401

    env = gym.make(env_id, signal=signal, **({"cache": cache} if cache else {}))
    optimum = env.unwrapped.benchmark.optimum(signal)
    env.close()
    if optimum is None:
        raise ValueError(f"{env_id} has no {signal} values to take a reference accuracy from")
    return optimum / 100.0


def env_kwargs(signal: str, acc_env: float) -> dict[str, Any]:
    return {"signal": signal, "reward": "transfer", "acc_env": acc_env, "top_k": TOP_K, "budget": "steps"}


def _settings(config: TransferConfig) -> dict[str, Any]:
    """L2NAS overrides of the transfer runs: the random warm-up replaces epsilon-greedy."""
    return {"preset": config.preset, "warmup_steps": config.warmup, "epsilon": None}


@contextmanager
def _transfer_env_expected():
    """Silence L2NAS's "preset expects top_k=64 / reward=exp100" warning: the transfer protocol
    deliberately uses K=100 and the Eq. 7 reward."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"L2NAS preset .* expects the env kwarg (top_k|reward|acc_env)=")
        yield


def _learn(model, env, steps: int) -> None:
    from stable_baselines3.common.callbacks import StopTrainingOnMaxEpisodes

    model.learn(total_timesteps=steps, callback=StopTrainingOnMaxEpisodes(max_episodes=1))


def pretrain(config: TransferConfig, out: Path, cache: str | None) -> Path:
    """Pretrain on the source (seed 0); saves ``out/pretrained.zip`` and the run in ``out/pretrain``."""
    from agents.l2nas import L2NAS

    model_path = out / "pretrained.zip"
    settings = _settings(config)

    def search(env, seed: int) -> dict[str, Any]:
        with _transfer_env_expected():
            model = L2NAS("MlpPolicy", env, seed=seed, **settings)
        _learn(model, env, config.pretrain_steps)
        model.save(model_path)
        return {**model.hyperparameters(), "role": "pretrain"}

    acc_env = reference_accuracy(config.source, config.signal, cache)
    run_cell(
        "l2nas", config.source, config.pretrain_steps, 0, out / "pretrain",
        env_kwargs(config.signal, acc_env), cache=cache, search=search,
    )  # fmt: skip
    return model_path


def run_arm(arm: str, target: str, seed: int, config: TransferConfig, model_path: str, out: str, cache: str | None):
    """One fine-tune (``arm="transfer"``) or from-scratch search on ``target``; runs in a worker."""
    init_worker()
    from agents.l2nas import L2NAS

    settings = _settings(config)

    def search(env, seed: int) -> dict[str, Any]:
        if arm == "transfer":
            overrides = {k: v for k, v in settings.items() if k != "preset"}
            with _transfer_env_expected():
                model = L2NAS.load(model_path, env=env, seed=seed, **overrides)
            model.set_random_seed(seed)
        else:
            with _transfer_env_expected():
                model = L2NAS("MlpPolicy", env, seed=seed, **settings)
        _learn(model, env, config.steps)
        return {**settings, "arm": arm, "pretrained": model_path if arm == "transfer" else None}

    acc_env = reference_accuracy(target, config.signal, cache)
    run_cell("l2nas", target, config.steps, seed, out, env_kwargs(config.signal, acc_env), cache=cache, search=search)


def _finished(folder: Path) -> bool:
    try:
        return not json.loads((folder / "summary.json").read_text())["interrupted"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return False


def _diff_ci(a: np.ndarray, b: np.ndarray, reps: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``a`` minus mean of ``b`` and its 95% bootstrap CI (each arm resampled on its own)."""
    rng = np.random.default_rng(seed)
    boot = np.array(
        [a[rng.integers(0, len(a), len(a))].mean() - b[rng.integers(0, len(b), len(b))].mean() for _ in range(reps)]
    )
    low, high = np.percentile(boot, [100 * (1 - CI) / 2, 100 * (1 + CI) / 2])
    return float(a.mean() - b.mean()), float(low), float(high)


def run_transfer(
    config: TransferConfig, out: str | Path, workers: int | None = None, cache: str | None = None, console=None
) -> list[Path]:
    """The whole experiment; finished runs in ``out`` are kept, so a rerun only does what is missing."""
    console = console or Console()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2) + "\n")
    model_path = out / "pretrained.zip"
    if not (model_path.is_file() and _finished(out / "pretrain")):
        console.print(f"pretraining L2NAS ({config.preset}) on {config.source} for {config.pretrain_steps} steps")
        init_worker()
        pretrain(config, out, cache)
    jobs = [
        (arm, target, seed, config, str(model_path), str(out / target / arm / f"seed-{seed}"), cache)
        for target in config.targets
        for arm in ARMS
        for seed in range(config.seeds)
        if not _finished(out / target / arm / f"seed-{seed}")
    ]
    console.print(f"{len(jobs)} fine-tune/scratch runs to do")
    if jobs and (workers or default_workers()) == 1:
        for job in jobs:
            run_arm(*job)
    elif jobs:
        ctx = get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers or default_workers(), len(jobs)), mp_context=ctx) as pool:
            for future in [pool.submit(run_arm, *job) for job in jobs]:
                future.result()
    return write_transfer_report(config, out)


def _runs(out: Path, target: str, arm: str, seeds: int) -> list[CellRun]:
    return [read_cell(out / target / arm / f"seed-{s}", None) for s in range(seeds)]


def write_transfer_report(config: TransferConfig, out: Path) -> list[Path]:
    """``transfer.md`` (table, verdict per target) and ``transfer.{png,pdf}`` (best-so-far curves)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, verdicts = [], []
    fig, axes = plt.subplots(1, len(config.targets), figsize=(4.8 * len(config.targets), 3.8), squeeze=False)
    x = np.arange(1, config.steps + 1)
    checkpoints = [config.warmup + d for d in CHECKPOINT_OFFSETS if config.warmup + d < config.steps]
    checkpoints.append(config.steps)
    for ax, target in zip(axes[0], config.targets, strict=True):
        curves = {}
        for color, arm in zip(("C0", "C1"), ARMS, strict=True):
            runs = _runs(out, target, arm, config.seeds)
            curves[arm] = np.stack([r.curve(config.steps) for r in runs])
            mean, low, high = mean_band(curves[arm])
            ax.plot(x, mean, color=color, label=f"{arm} ({len(runs)} seeds)")
            ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)
            optimum = runs[0].optimum
        ax.axhline(optimum, color="k", ls=":", lw=0.8, label="optimum")
        ax.axvline(config.warmup, color="grey", ls="--", lw=0.8, label=f"end of {config.warmup}-step random warm-up")
        ax.set(title=target, xlabel="queries (env steps)", ylabel="test200 of best-by-signal (%)")
        ax.set_ylim(min(np.nanmean(c[:, max(config.warmup - 1, 0)]) for c in curves.values()) - 1.0, optimum + 0.3)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
        for step in checkpoints:
            a, b = curves["transfer"][:, step - 1], curves["scratch"][:, step - 1]
            diff, low, high = _diff_ci(a, b)
            verdict = "helps" if low > 0 else ("hurts" if high < 0 else "no significant difference")
            rows.append(
                f"| {target} | {step} | {a.mean():.2f} ± {a.std(ddof=1):.2f} | {b.mean():.2f} ± {b.std(ddof=1):.2f} "
                f"| {diff:+.2f} [{low:+.2f}, {high:+.2f}] | {verdict} |"
            )
        first = next(
            (s for s in checkpoints if _diff_ci(curves["transfer"][:, s - 1], curves["scratch"][:, s - 1])[1] > 0), None
        )
        final = _diff_ci(curves["transfer"][:, -1], curves["scratch"][:, -1])
        verdicts.append(
            f"- {config.source} -> {target}: after {config.steps} steps transfer minus scratch = {final[0]:+.2f} "
            f"[{final[1]:+.2f}, {final[2]:+.2f}]; transfer is significantly ahead "
            + (f"from step {first} on the checkpoints above." if first else "at no checkpoint above.")
        )
    fig.suptitle(
        f"L2NAS ({config.preset}) pretrained on {config.source} ({config.pretrain_steps} steps) vs scratch; "
        f"signal={config.signal}, report=test200, budget=steps, Eq. 7 reward",
        fontsize=8,
    )
    fig.tight_layout()
    written = [out / "transfer.png", out / "transfer.pdf"]
    fig.savefig(written[0], dpi=80)
    fig.savefig(written[1])
    plt.close(fig)
    caption = (
        f"*L2NAS preset `{config.preset}` pretrained on {config.source} for {config.pretrain_steps} steps (seed 0) "
        f"with the Eq. 7 reward, then fine-tuned on each target (K={TOP_K}, W={config.warmup} random warm-up steps, "
        f"{config.steps} steps, target's own acc_env) vs the same search from scratch. Search signal "
        f"`{config.signal}`{' (a test-set metric, the paper protocol)' if config.signal.startswith('test') else ''}; "
        f"reported metric `test200` of the best-by-signal architecture; budget kind "
        f"`steps`; {config.seeds} seeds per arm; both arms of a seed share the same random warm-up. Mean ± std "
        "over seeds; difference of means with a 95% bootstrap CI (each arm resampled on its own).*"
    )
    table = [
        "| target | queries | transfer | scratch | transfer − scratch [95% CI] | verdict |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    plot_name = written[0].name
    text = "\n".join(
        ["# Policy transfer (L2NAS Eq. 7)", "", caption, "", *table, "", *verdicts, "", f"![]({plot_name})"]
    )
    (out / "transfer.md").write_text(text + "\n")
    return [*written, out / "transfer.md"]
