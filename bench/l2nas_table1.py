"""Reproduce Table 1 of the L2NAS paper (NB201, Test columns) with one preset, beside the printed one.

Protocol (the paper's, Sec. 4.1): signal ``test200`` (the search selects on the test set),
budget in steps, 10 seeds; the reported value is the test200 accuracy of the best-by-signal
architecture after 500 and 1000 steps, mean ± std over seeds. A cell "agrees" when the gap to
the paper is within two standard errors of the difference, ``2 * sqrt(sd_ours²/n + sd_paper²/n)``.
Also reports the distinct architectures queried and the fraction of exact ties in executed
alphas (an entry equal to its row's maximum on two or more ops), the symptom of a clipped,
saturated actor.

Usage: ``python bench/l2nas_table1.py --preset paper-lr1e-4 --seeds 0-9 --out results/table1``
(``--hyperparams '{"noise_edge": "clip"}'`` for a variant; ``--cache DIR`` for the data cache).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch as th

import nas_gym  # noqa: F401 (registers the env ids)
from nas_gym.agents.l2nas import L2NAS
from nas_gym.search_log import SearchRecorder

# Copied from Mills et al., CIKM 2021, Table 1 (L2NAS, Test columns): (mean, std) over 10 seeds.
PAPER_TABLE1 = {
    "NB201-cifar10-v0": {500: (94.11, 0.16), 1000: (94.28, 0.08)},
    "NB201-cifar100-v0": {500: (72.69, 0.58), 1000: (73.09, 0.35)},
    "NB201-ImageNet16-120-v0": {500: (46.74, 0.39), 1000: (47.03, 0.27)},
}


def seed_list(text: str) -> list[int]:
    """``"0-9"`` or ``"0,3,5"`` -> seeds."""
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-"))
        return list(range(lo, hi + 1))
    return [int(x) for x in text.split(",")]


def tie_fraction(actions: np.ndarray, n_ops: int) -> float:
    """Fraction of edges whose executed alpha row has its maximum on two or more ops."""
    rows = actions.reshape(-1, n_ops)
    return float(((rows == rows.max(axis=1, keepdims=True)).sum(axis=1) > 1).mean())


def run(env_id: str, preset: str, seed: int, steps: int, overrides: dict, cache: str | None) -> dict:
    env = SearchRecorder(gym.make(env_id, cache=cache, max_queries=steps, signal="test200", budget="steps"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = L2NAS("MlpPolicy", env, preset=preset, seed=seed, **overrides)
    start = time.process_time()
    model.learn(steps)
    cpu = time.process_time() - start
    recs = env.records
    n_ops = env.unwrapped.search_space.alpha_shape[-1]
    return {
        "env": env_id,
        "seed": seed,
        "cpu_s": round(cpu, 2),
        "ties": tie_fraction(model.replay_buffer.actions[:steps, 0], n_ops),
        **{f"best@{b}": next(r.best_report_acc for r in recs if r.step == b) for b in (500, 1000) if b <= steps},
        **{f"unique@{b}": next(r.unique for r in recs if r.step == b) for b in (500, 1000) if b <= steps},
    }


def summarize(rows: list[dict], steps: int) -> list[dict]:
    """Mean ± std per (env, checkpoint), beside the paper with the two-SE verdict."""
    out = []
    for env_id, paper in PAPER_TABLE1.items():
        mine = [r for r in rows if r["env"] == env_id]
        if not mine:
            continue
        for b in (500, 1000):
            if b > steps:
                continue
            vals = np.array([r[f"best@{b}"] for r in mine])
            p_mean, p_sd = paper[b]
            se = math.sqrt(vals.std(ddof=1) ** 2 / len(vals) + p_sd**2 / 10) if len(vals) > 1 else float("nan")
            out.append({
                "env": env_id, "steps": b, "n": len(vals), "mean": round(float(vals.mean()), 3),
                "std": round(float(vals.std(ddof=1)), 3) if len(vals) > 1 else float("nan"),
                "paper_mean": p_mean, "paper_std": p_sd, "gap": round(float(vals.mean()) - p_mean, 3),
                "two_se": round(2 * se, 3), "agrees": bool(abs(vals.mean() - p_mean) <= 2 * se),
                "unique": float(np.mean([r[f"unique@{b}"] for r in mine])),
                "ties": float(np.mean([r["ties"] for r in mine])),
            })  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="paper-lr1e-4")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--envs", nargs="+", default=list(PAPER_TABLE1))
    parser.add_argument("--hyperparams", default="{}", help="JSON overrides of L2NASConfig fields")
    parser.add_argument("--cache", default=None)
    parser.add_argument("--out", default=None, help="folder for runs.csv and table.json")
    args = parser.parse_args()
    th.set_num_threads(1)
    overrides = json.loads(args.hyperparams)
    rows = []
    for env_id in args.envs:
        for seed in seed_list(args.seeds):
            rows.append(run(env_id, args.preset, seed, args.steps, overrides, args.cache))
            print(json.dumps(rows[-1]), flush=True)
    table = summarize(rows, args.steps)
    print(f"\npreset {args.preset} {overrides or ''}; signal test200, budget steps; paper = Mills et al. Table 1")
    for t in table:
        print(
            f"{t['env']:25s} {t['steps']:5d}: {t['mean']:.2f} ± {t['std']:.2f}  paper {t['paper_mean']:.2f} ± "
            f"{t['paper_std']:.2f}  gap {t['gap']:+.2f} (2 SE {t['two_se']:.2f}) "
            f"{'agrees' if t['agrees'] else 'DIFFERS'}  unique {t['unique']:.0f}  ties {t['ties']:.3f}"
        )
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "runs.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        meta = {"preset": args.preset, "overrides": overrides, "signal": "test200", "budget": "steps"}
        (out / "table.json").write_text(json.dumps({**meta, "table": table}, indent=1))


if __name__ == "__main__":
    main()
