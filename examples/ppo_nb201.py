"""PPO on a nas-gym search env, CleanRL style: one readable file, tyro arguments, Gymnasium 1.x.

    python examples/ppo_nb201.py --env-id NB201-cifar10-v0 --total-timesteps 20000
    python examples/ppo_nb201.py --env-id NB201-cifar10-discrete-v0   # per-edge categorical head

The continuous ids (alpha in Box(-1, 1)) get a Gaussian head; the discrete ids (op codes in a
MultiDiscrete) get one categorical distribution per dimension. Differences from upstream
CleanRL, which pins gymnasium 0.29:

* Gymnasium 1.x vector envs autoreset on the *next* step: the step after a truncation returns
  the first observation of a new search, with reward 0, and ignores its action. That step is no
  transition, so it is masked out of the loss, and the advantage chain is cut at the truncation.
* A search only truncates (never terminates): the truncation step bootstraps from the value of
  its own final observation, which the 1.x API returns in ``obs`` on that step.
* The env's native vector env answers all searches with one batched benchmark query.
* Torch runs on one thread by default: these networks are tiny, and many threads on a shared
  machine are 10-20x slower (``--torch-threads 0`` keeps torch's default).

The reward drives the search with the env's honest signal (NB201: 12-epoch validation
accuracy); the 200-epoch test accuracy of the best architecture is only reported at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import tyro
from torch.distributions import Categorical, Normal

import nas_gym  # noqa: F401  (registers the env ids)


@dataclass
class Args:
    env_id: str = "NB201-cifar10-v0"
    """a nas-gym id with a Box or MultiDiscrete action"""
    cache: str | None = None
    """nas-gym data cache (default: $NAS_GYM_DATA or the user cache dir)"""
    seed: int = 0
    max_queries: int = 100
    """queries per search (one episode)"""
    num_envs: int = 4
    total_timesteps: int = 20_000
    learning_rate: float = 3e-4
    num_steps: int = 64
    """steps per env per rollout"""
    gamma: float = 0.5
    """rewards are immediate: each query is scored as it is made"""
    gae_lambda: float = 0.9
    num_minibatches: int = 4
    update_epochs: int = 4
    clip_coef: float = 0.2
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    torch_threads: int = 1
    """torch threads (0: torch's default)"""


def layer(n_in: int, n_out: int, std: float = np.sqrt(2)) -> nn.Linear:
    lin = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(lin.weight, std)
    nn.init.constant_(lin.bias, 0.0)
    return lin


class Agent(nn.Module):
    """Actor-critic with a Gaussian head (Box actions) or one categorical head per dimension (MultiDiscrete)."""

    def __init__(self, obs_dim: int, action_space: gym.Space):
        super().__init__()
        self.critic = nn.Sequential(layer(obs_dim, 128), nn.Tanh(), layer(128, 128), nn.Tanh(), layer(128, 1, 1.0))
        self.discrete = isinstance(action_space, gym.spaces.MultiDiscrete)
        self.nvec = action_space.nvec.tolist() if self.discrete else None
        n_out = int(sum(self.nvec)) if self.discrete else int(np.prod(action_space.shape))
        self.actor = nn.Sequential(layer(obs_dim, 128), nn.Tanh(), layer(128, 128), nn.Tanh(), layer(128, n_out, 0.01))
        if not self.discrete:
            self.log_std = nn.Parameter(torch.zeros(1, n_out))

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(obs).squeeze(-1)

    def act(self, obs: torch.Tensor, action: torch.Tensor | None = None):
        """``(action, log_prob, entropy, value)``; samples an action when none is given."""
        out = self.actor(obs)
        if self.discrete:
            dists = [Categorical(logits=logits) for logits in torch.split(out, self.nvec, dim=-1)]
            if action is None:
                action = torch.stack([d.sample() for d in dists], dim=-1)
            log_prob = sum(d.log_prob(action[:, i]) for i, d in enumerate(dists))
            entropy = sum(d.entropy() for d in dists)
        else:
            dist = Normal(out, self.log_std.expand_as(out).exp())
            if action is None:
                action = dist.sample()
            log_prob, entropy = dist.log_prob(action).sum(-1), dist.entropy().sum(-1)
        return action, log_prob, entropy, self.value(obs)


def main(args: Args) -> dict:
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    kwargs = {"max_queries": args.max_queries, **({"cache": args.cache} if args.cache else {})}
    envs = gym.make_vec(args.env_id, args.num_envs, vectorization_mode="vector_entry_point", **kwargs)
    space = envs.single_action_space
    agent = Agent(envs.single_observation_space.shape[0], space)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)

    n, t_len = args.num_envs, args.num_steps
    obs_buf = torch.zeros((t_len, n, *envs.single_observation_space.shape))
    act_buf = torch.zeros((t_len, n, *space.shape), dtype=torch.long if agent.discrete else torch.float32)
    logp_buf, rew_buf, val_buf = torch.zeros((t_len, n)), torch.zeros((t_len, n)), torch.zeros((t_len, n))
    done_buf, term_buf, valid_buf = torch.zeros((t_len, n)), torch.zeros((t_len, n)), torch.zeros((t_len, n))

    obs, _ = envs.reset(seed=args.seed)
    next_obs = torch.as_tensor(obs)
    autoreset = np.zeros(n, dtype=bool)  # this step only restarts the search: no transition
    best = {"signal": -np.inf, "report": None, "arch": None}
    start, step = time.time(), 0
    for _ in range(args.total_timesteps // (n * t_len)):
        for t in range(t_len):
            obs_buf[t], valid_buf[t] = next_obs, torch.as_tensor(~autoreset, dtype=torch.float32)
            with torch.no_grad():
                action, logp, _, value = agent.act(next_obs)
            act_buf[t], logp_buf[t], val_buf[t] = action, logp, value
            env_action = action.numpy() if agent.discrete else np.clip(action.numpy(), -1.0, 1.0)
            obs, reward, terminated, truncated, info = envs.step(env_action)
            step += n
            rew_buf[t] = torch.as_tensor(reward, dtype=torch.float32)
            done_buf[t] = torch.as_tensor(terminated | truncated, dtype=torch.float32)  # cuts the advantage chain
            term_buf[t] = torch.as_tensor(terminated, dtype=torch.float32)  # only a termination stops bootstrapping
            for i in np.flatnonzero(info.get("_best_signal_acc", np.zeros(n, bool))):
                if info["best_signal_acc"][i] > best["signal"]:
                    best = {"signal": float(info["best_signal_acc"][i]), "arch": info["best_arch"][i]}
                    if "best_report_acc" in info:
                        best["report"] = float(info["best_report_acc"][i])
            next_obs, autoreset = torch.as_tensor(obs), terminated | truncated

        with torch.no_grad():
            values = torch.cat([val_buf, agent.value(next_obs)[None]])
            advantages, last = torch.zeros_like(rew_buf), torch.zeros(n)
            for t in reversed(range(t_len)):
                # values[t + 1] is the value of this step's obs: the final obs on a truncation, which
                # bootstraps (a search cut at its budget is not a task that ended)
                delta = rew_buf[t] + args.gamma * (1.0 - term_buf[t]) * values[t + 1] - values[t]
                last = delta + args.gamma * args.gae_lambda * (1.0 - done_buf[t]) * last
                advantages[t] = last
            returns = advantages + val_buf

        b_obs, b_act = obs_buf.reshape(-1, *obs_buf.shape[2:]), act_buf.reshape(-1, *act_buf.shape[2:])
        b_logp, b_adv, b_ret = logp_buf.reshape(-1), advantages.reshape(-1), returns.reshape(-1)
        b_valid = valid_buf.reshape(-1).bool()
        idx = torch.nonzero(b_valid).squeeze(-1).numpy()
        minibatch = max(1, len(idx) // args.num_minibatches)
        for _ in range(args.update_epochs):
            np.random.shuffle(idx)
            for s in range(0, len(idx), minibatch):
                mb = idx[s : s + minibatch]
                _, logp, entropy, value = agent.act(b_obs[mb], b_act[mb])
                ratio = (logp - b_logp[mb]).exp()
                adv = b_adv[mb]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8) if len(mb) > 1 else adv
                pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
                v_loss = 0.5 * ((value - b_ret[mb]) ** 2).mean()
                loss = pg_loss - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()
        print(f"step {step}: best {envs.unwrapped.signal}={best['signal']:.2f} ({time.time() - start:.1f} s)")
    envs.close()
    report = envs.unwrapped.protocol["report"]
    print(f"best architecture by {envs.unwrapped.signal}: {best['arch']} ({report}: {best.get('report')})")
    return {"steps": step, **best}


if __name__ == "__main__":
    main(tyro.cli(Args))
