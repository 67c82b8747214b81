"""TD3 on a continuous nas-gym search env, CleanRL style: one readable file, tyro arguments, Gymnasium 1.x.

    python examples/td3_nb201.py --env-id NB201-cifar10-v0 --total-timesteps 5000

Differences from upstream CleanRL, which pins gymnasium 0.29:

* No ``final_observation``/``final_info``: Gymnasium 1.x vector envs autoreset on the *next*
  step, so the truncation step itself returns the final observation (stored as ``next_obs`` of
  that transition) and the following step, which only restarts the search and ignores its
  action, is not stored in the replay buffer.
* A search truncates at its query budget and never terminates, so every stored transition
  bootstraps (``done`` in the target is ``terminated``, never ``truncated``).
* Torch runs on one thread by default (``--torch-threads 0`` keeps torch's default): the
  networks are tiny and extra threads only contend on a shared machine.

The reward is the env's honest signal (NB201: 12-epoch validation accuracy); the reported
metric of the best architecture is printed at the end.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import tyro

import nas_gym  # noqa: F401  (registers the env ids)


@dataclass
class Args:
    env_id: str = "NB201-cifar10-v0"
    """a nas-gym id with a Box action"""
    cache: str | None = None
    """nas-gym data cache (default: $NAS_GYM_DATA or the user cache dir)"""
    seed: int = 0
    max_queries: int = 100
    """queries per search (one episode)"""
    num_envs: int = 2
    total_timesteps: int = 5_000
    learning_rate: float = 1e-3
    buffer_size: int = 100_000
    gamma: float = 0.5
    """rewards are immediate: each query is scored as it is made"""
    tau: float = 0.005
    batch_size: int = 64
    exploration_noise: float = 0.2
    learning_starts: int = 128
    policy_frequency: int = 2
    policy_noise: float = 0.2
    noise_clip: float = 0.5
    reward_scale: float = 0.01
    """exp100 rewards run up to 100: scaled for the critic's sake"""
    torch_threads: int = 1
    """torch threads (0: torch's default)"""


def mlp(n_in: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_out))


class Critic(nn.Module):
    def __init__(self, obs_dim: int, act_dim: int):
        super().__init__()
        self.q = mlp(obs_dim + act_dim, 1)

    def forward(self, obs: torch.Tensor, act: torch.Tensor) -> torch.Tensor:
        return self.q(torch.cat([obs, act], -1)).squeeze(-1)


class Actor(nn.Module):
    """Deterministic policy into the env's Box(-1, 1)."""

    def __init__(self, obs_dim: int, act_dim: int):
        super().__init__()
        self.net = mlp(obs_dim, act_dim)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(obs))


class Replay:
    """A plain numpy ring buffer of transitions."""

    def __init__(self, size: int, obs_dim: int, act_dim: int):
        self.obs, self.next_obs = np.zeros((size, obs_dim), np.float32), np.zeros((size, obs_dim), np.float32)
        self.act, self.rew = np.zeros((size, act_dim), np.float32), np.zeros(size, np.float32)
        self.term, self.size, self.pos, self.full = np.zeros(size, np.float32), size, 0, False

    def add(self, obs, act, rew, next_obs, term) -> None:
        for row in zip(obs, act, rew, next_obs, term, strict=True):
            self.obs[self.pos], self.act[self.pos], self.rew[self.pos], self.next_obs[self.pos] = row[:4]
            self.term[self.pos] = row[4]
            self.pos = (self.pos + 1) % self.size
            self.full = self.full or self.pos == 0

    def sample(self, n: int, rng: np.random.Generator) -> list[torch.Tensor]:
        idx = rng.integers(0, self.size if self.full else self.pos, n)
        return [torch.as_tensor(a[idx]) for a in (self.obs, self.act, self.rew, self.next_obs, self.term)]


def main(args: Args) -> dict:
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    kwargs = {"max_queries": args.max_queries, **({"cache": args.cache} if args.cache else {})}
    envs = gym.make_vec(args.env_id, args.num_envs, vectorization_mode="vector_entry_point", **kwargs)
    if not isinstance(envs.single_action_space, gym.spaces.Box):
        raise ValueError(f"TD3 needs a Box action; {args.env_id} has {envs.single_action_space}")
    obs_dim, act_dim = envs.single_observation_space.shape[0], envs.single_action_space.shape[0]
    actor, q1, q2 = Actor(obs_dim, act_dim), Critic(obs_dim, act_dim), Critic(obs_dim, act_dim)
    actor_t, q1_t, q2_t = copy.deepcopy(actor), copy.deepcopy(q1), copy.deepcopy(q2)
    q_opt = torch.optim.Adam([*q1.parameters(), *q2.parameters()], lr=args.learning_rate)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=args.learning_rate)
    replay = Replay(args.buffer_size, obs_dim, act_dim)

    obs, _ = envs.reset(seed=args.seed)
    envs.action_space.seed(args.seed)
    autoreset = np.zeros(args.num_envs, dtype=bool)
    best = {"signal": -np.inf, "report": None, "arch": None}
    start = time.time()
    for step in range(0, args.total_timesteps, args.num_envs):
        if step < args.learning_starts:
            actions = envs.action_space.sample()
        else:
            with torch.no_grad():
                actions = actor(torch.as_tensor(obs)).numpy()
            actions = np.clip(actions + rng.normal(0, args.exploration_noise, actions.shape), -1, 1)
        next_obs, reward, terminated, truncated, info = envs.step(actions.astype(np.float32))
        real = ~autoreset  # a restart step is no transition: leave it out of the buffer
        replay.add(obs[real], actions[real], reward[real] * args.reward_scale, next_obs[real], terminated[real])
        for i in np.flatnonzero(info.get("_best_signal_acc", np.zeros(args.num_envs, bool))):
            if info["best_signal_acc"][i] > best["signal"]:
                best = {"signal": float(info["best_signal_acc"][i]), "arch": info["best_arch"][i]}
                best["report"] = float(info["best_report_acc"][i]) if "best_report_acc" in info else None
        obs, autoreset = next_obs, terminated | truncated

        if step >= args.learning_starts:
            b_obs, b_act, b_rew, b_next, b_term = replay.sample(args.batch_size, rng)
            with torch.no_grad():
                noise = (torch.randn_like(b_act) * args.policy_noise).clamp(-args.noise_clip, args.noise_clip)
                next_act = (actor_t(b_next) + noise).clamp(-1, 1)
                target_q = torch.min(q1_t(b_next, next_act), q2_t(b_next, next_act))
                target = b_rew + args.gamma * (1 - b_term) * target_q
            q_loss = F.mse_loss(q1(b_obs, b_act), target) + F.mse_loss(q2(b_obs, b_act), target)
            q_opt.zero_grad()
            q_loss.backward()
            q_opt.step()
            if (step // args.num_envs) % args.policy_frequency == 0:
                actor_loss = -q1(b_obs, actor(b_obs)).mean()
                actor_opt.zero_grad()
                actor_loss.backward()
                actor_opt.step()
                for net, target_net in ((actor, actor_t), (q1, q1_t), (q2, q2_t)):
                    for p, tp in zip(net.parameters(), target_net.parameters(), strict=True):
                        tp.data.mul_(1 - args.tau).add_(args.tau * p.data)
        if (step // args.num_envs) % 500 == 0:
            print(f"step {step}: best {envs.unwrapped.signal}={best['signal']:.2f} ({time.time() - start:.1f} s)")
    envs.close()
    report = envs.unwrapped.protocol["report"]
    print(f"best architecture by {envs.unwrapped.signal}: {best['arch']} ({report}: {best['report']})")
    return {"steps": args.total_timesteps, **best}


if __name__ == "__main__":
    main(tyro.cli(Args))
