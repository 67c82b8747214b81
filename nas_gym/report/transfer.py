"""The report of a transfer study: ``transfer.md`` (arms at checkpoints, difference, verdict) and
``transfer.{png,pdf}`` (best-so-far curves of both arms per target).

Only seeds whose transfer and scratch cells are both finished are compared (a half-finished
study says how many cells it left out). The difference of means gets a 95% percentile CI from
the report's seeded stratified bootstrap (:func:`nas_gym.report.stats.interval`), each arm
resampled on its own, so the same results always give the same file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nas_gym.harness.transfer import SCRATCH, TOP_K, TRANSFER, TransferStudy
from nas_gym.report.results import CellRun, Results
from nas_gym.report.stats import interval, mean_band


def difference(a: np.ndarray, b: np.ndarray, reps: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``a`` minus mean of ``b`` with its 95% bootstrap CI (runs resampled within each arm)."""
    point, bounds = interval(np.column_stack([a, b]), lambda x: np.array([x[:, 0].mean() - x[:, 1].mean()]), reps, seed)
    return float(point[0]), float(bounds[0, 0]), float(bounds[1, 0])


def verdict(low: float, high: float) -> str:
    return "helps" if low > 0 else ("hurts" if high < 0 else "no significant difference")


def paired_runs(results: Results, target: str) -> dict[str, list[CellRun]]:
    """The transfer and scratch runs on ``target`` of the seeds finished in both arms, by seed."""
    by_arm = {
        arm: {
            r.study_cell.seed: r
            for r in results.runs
            if r.study_cell.env_id == target and r.study_cell.agent_label == arm
        }
        for arm in (TRANSFER, SCRATCH)
    }
    seeds = sorted(set(by_arm[TRANSFER]) & set(by_arm[SCRATCH]))
    return {arm: [by_arm[arm][s] for s in seeds] for arm in (TRANSFER, SCRATCH)}


def _plot(study: TransferStudy, curves: dict[str, dict[str, np.ndarray]], optima: dict[str, float], out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = study.config
    fig, axes = plt.subplots(1, len(curves), figsize=(4.8 * len(curves), 3.8), squeeze=False)
    x = np.arange(1, spec.steps + 1)
    for ax, (target, arms) in zip(axes[0], curves.items(), strict=True):
        for color, (arm, c) in zip(("C0", "C1"), arms.items(), strict=True):
            mean, low, high = mean_band(c)
            ax.plot(x, mean, color=color, label=f"{arm} ({len(c)} seeds)")
            ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)
        ax.axhline(optima[target], color="k", ls=":", lw=0.8, label="optimum")
        ax.axvline(spec.warmup, color="grey", ls="--", lw=0.8, label=f"end of {spec.warmup}-step random warm-up")
        ax.set(title=target, xlabel="queries (env steps)", ylabel="report accuracy of best-by-signal (%)")
        start = max(spec.warmup - 1, 0)
        ax.set_ylim(min(np.nanmean(c[:, start]) for c in arms.values()) - 1.0, optima[target] + 0.3)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(
        f"L2NAS ({spec.preset}) pretrained on {spec.source} ({spec.pretrain_steps} steps) vs scratch; "
        f"signal={spec.signal}, budget=steps, Eq. 7 reward",
        fontsize=8,
    )
    fig.tight_layout()
    written = [out / "transfer.png", out / "transfer.pdf"]
    fig.savefig(written[0], dpi=80)
    fig.savefig(written[1])
    plt.close(fig)
    return written


def write_transfer_report(results: Results, out: str | Path, reps: int = 2000) -> list[Path]:
    """``transfer.md`` and ``transfer.{png,pdf}`` of the transfer study in ``results`` into ``out``."""
    study = results.study
    if not isinstance(study, TransferStudy):
        raise ValueError(f"study {study.name!r} is not a transfer study (it has no transfer: section)")
    spec, out = study.config, Path(out)
    rows, verdicts, curves, optima, seeds_used = [], [], {}, {}, set()
    unfinished = []
    for target in spec.targets:
        runs = paired_runs(results, target)
        if len(runs[TRANSFER]) < 2:  # a difference of two arms needs two seeds in each
            unfinished.append(f"- {target}: left out, {len(runs[TRANSFER])} seed(s) finished in both arms.")
            continue
        seeds_used.add(len(runs[TRANSFER]))
        curves[target] = {arm: np.stack([r.curve(spec.steps) for r in rs]) for arm, rs in runs.items()}
        optima[target] = runs[SCRATCH][0].optimum
        ahead = None
        for step in spec.checkpoints:
            a, b = (curves[target][arm][:, step - 1] for arm in (TRANSFER, SCRATCH))
            diff, low, high = difference(a, b, reps)
            ahead = ahead or (step if low > 0 else None)
            rows.append(
                f"| {target} | {step} | {a.mean():.2f} ± {a.std(ddof=1):.2f} | {b.mean():.2f} ± {b.std(ddof=1):.2f} "
                f"| {diff:+.2f} [{low:+.2f}, {high:+.2f}] | {verdict(low, high)} |"
            )
        verdicts.append(
            f"- {spec.source} -> {target}: after {spec.steps} steps transfer minus scratch = {diff:+.2f} "
            f"[{low:+.2f}, {high:+.2f}]; transfer is significantly ahead "
            + (f"from step {ahead} on the checkpoints above." if ahead else "at no checkpoint above.")
        )
    if not curves:
        raise ValueError(
            f"no target of {study.name!r} has 2 seeds finished in both arms yet; "
            "finish the study with `nas-gym bench STUDY --out DIR --resume`"
        )
    written = _plot(study, curves, optima, out)
    first = results.runs[0].summary["protocol"]
    test_note = " (a **test-set** metric: the paper's protocol, optimistic)" if first["signal_is_test_set"] else ""
    caption = (
        f"*Study `{study.name}`: L2NAS preset `{spec.preset}` pretrained on {spec.source} for "
        f"{spec.pretrain_steps} steps (seed {spec.pretrain_seed}) with the Eq. 7 reward, then fine-tuned on each "
        f"target (K={TOP_K}, W={spec.warmup} random warm-up steps, {spec.steps} steps, the target's own acc_env) "
        f"vs the same search from scratch. Search signal `{spec.signal}`{test_note}; reported metric "
        f"`{first['report']}` of the best-by-signal architecture; budget kind `steps` (every query counts, "
        f"repeats included); {'/'.join(map(str, sorted(seeds_used)))} seeds per arm (seeds finished in both arms; "
        f"{len(results.missing)} unfinished cells left out); both arms of a seed share the same random warm-up. "
        f"Mean ± std over seeds; difference of means with a 95% stratified bootstrap CI ({reps} resamples, "
        "each arm resampled on its own).*"
    )
    table = [
        "| target | queries | transfer | scratch | transfer − scratch [95% CI] | verdict |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    text = ["# Policy transfer (L2NAS Eq. 7)", "", caption, "", *table, "", *verdicts, *unfinished]
    text += ["", f"![]({written[0].name})"]
    (out / "transfer.md").write_text("\n".join(text) + "\n")
    return [*written, out / "transfer.md"]
