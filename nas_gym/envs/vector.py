"""Native numpy vector env: N searches answered by one batched benchmark query per step.

It behaves exactly like Gymnasium's ``SyncVectorEnv`` over N single envs (the contract tests
compare obs, rewards, flags and infos over whole episodes): ``seed=s`` seeds the sub-searches
``s, s+1, ...``; ``options={"reset_mask": mask}`` restarts only the masked searches; infos are
batched with ``_key`` masks; with the default next-step autoreset, the step after a truncation
restarts that search without evaluating its action and returns the reset info. Only the
benchmark query is batched, which is where the time goes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.api import SearchEnvAPI
from nas_gym.envs.config import SearchConfig
from nas_gym.envs.core import SearchCore
from nas_gym.envs.families import build
from nas_gym.envs.infos import StepInfos, add_column, objects, put

AUTORESET_MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
INFO_MODES = ("gymnasium", "minimal")


class ArchSearchVectorEnv(SearchEnvAPI, VectorEnv):
    """``num_envs`` independent searches; ``autoreset_mode`` is ``NEXT_STEP`` (Gymnasium's default) or ``SAME_STEP``.

    With ``infos="gymnasium"`` (the default), ``info`` holds what the single env's info holds,
    batched as ``SyncVectorEnv`` batches it: one array per key (object arrays for strings and
    dicts' leaves) and a boolean ``_key`` mask of the searches that reported it.

    ``infos="minimal"`` trades that identity for throughput: a step's ``info`` holds only the
    numeric arrays of the step (``signal_acc``, ``best_signal_acc``, ``unique_queries``,
    ``is_new``, ``codes``, ...), one row per search, read-only and without ``_key`` masks,
    architecture strings, structured forms or ``protocol`` (read ``env.protocol``). A search
    restarting on this step (next-step autoreset) has zeros in its row; under ``SAME_STEP`` the
    rows of searches that ended hold their last step, and ``final_obs`` every search's
    observation before the restarts. ``reset`` then returns an empty info.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(
        self,
        benchmark: str | Benchmark = "nb201",
        num_envs: int = 1,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        infos: str = "gymnasium",
        **kwargs: Any,
    ):
        mode = _autoreset_mode(autoreset_mode)
        if not isinstance(infos, str) or infos not in INFO_MODES:
            raise ValueError(f"infos must be one of {', '.join(map(repr, INFO_MODES))}, got {infos!r}")
        self._minimal = infos == "minimal"
        bench, search = build(benchmark, kwargs)
        self._core = SearchCore(bench, SearchConfig(**search), num_envs=num_envs)
        self.metadata = {**type(self).metadata, "autoreset_mode": mode}
        self.num_envs = self._core.num_envs
        self.single_action_space = self._core.single_action_space
        self.single_observation_space = self._core.single_observation_space
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self._infos = StepInfos(self._core.space, self.num_envs)
        self._rngs: list[np.random.Generator | None] = [None] * self.num_envs  # one per search, like sub-envs
        self._autoreset = np.zeros(self.num_envs, dtype=bool)
        self._every = np.arange(self.num_envs)  # every search, in order (read-only: shared by steps)
        self._every.flags.writeable = False

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict | None = None
    ) -> tuple[np.ndarray, dict]:
        seeds = _seeds(seed, self.num_envs)
        mask = _reset_mask((options or {}).get("reset_mask"), self.num_envs)
        rows = np.flatnonzero(mask)
        for i in rows.tolist():
            if seeds[i] is not None or self._rngs[i] is None:
                self._rngs[i], _ = seeding.np_random(seeds[i])
        self._restart(rows)
        self._autoreset[mask] = False
        infos: dict[str, Any] = {}
        if not self._minimal:
            put(infos, "protocol", [self._core.protocol] * len(rows), rows, self.num_envs)
        return self._core.observation(), infos

    def _minimal_step(
        self, actions: np.ndarray, same_step: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """:meth:`step` with ``infos="minimal"``: the core's arrays, scattered only when searches restart."""
        n = self.num_envs
        restarting = np.zeros(n, dtype=bool) if same_step else self._autoreset
        if not restarting.any():
            obs, rewards, truncated, infos = self._core.step(actions)
            if not (same_step and truncated.any()):  # the usual step: no search restarts
                self._autoreset = truncated.copy()
                return obs, rewards, np.zeros(n, dtype=bool), truncated, infos
        else:
            active = np.flatnonzero(~restarting)
            rewards, truncated = np.zeros(n, dtype=np.float64), np.zeros(n, dtype=bool)
            infos = {}
            if active.size:
                _, rewards[active], truncated[active], batch = self._core.step(actions, active)
                for k, v in batch.items():
                    infos[k] = column = np.zeros((n, *v.shape[1:]), dtype=v.dtype)
                    column[active] = v
            else:
                self._core.decode(actions)
        restart = np.flatnonzero(truncated if same_step else restarting)
        if same_step and restart.size:
            infos = {**infos, "final_obs": self._core.observation()}
        self._restart(restart)
        self._autoreset = truncated.copy()
        return self._core.observation(), rewards, np.zeros(n, dtype=bool), truncated, infos

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        n = self.num_envs
        same_step = self.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
        if self._minimal:
            return self._minimal_step(actions, same_step)
        restarting = np.zeros(n, dtype=bool) if same_step else self._autoreset
        every = not restarting.any()  # the usual step: the core steps every search, by slices not gathers
        active = self._every if every else np.flatnonzero(~restarting)
        rewards, truncated = np.zeros(n, dtype=np.float64), np.zeros(n, dtype=bool)
        infos: dict[str, Any] = {}
        if active.size:
            _, reward, trunc, batch = self._core.step(actions, None if every else active)
            self._infos.update_best(batch, active)
            if every:
                rewards, truncated = reward, trunc  # fresh arrays of the step
            else:
                rewards[active], truncated[active] = reward, trunc
            # SAME_STEP: a search that ends reports its step under final_info, its reset at the top
            kept = np.flatnonzero(~trunc) if same_step else self._every[: active.size]
            infos = self._infos.batched(batch, kept, active, n, self._core.keys)
        else:
            self._core.decode(actions)  # still refuse bad actions, as a step of every search would
        restart = np.flatnonzero(restarting)
        if same_step and truncated.any():
            restart, ended = np.flatnonzero(truncated), np.flatnonzero(trunc)
            obs = self._core.observation()
            add_column(infos, "final_obs", objects([obs[i].copy() for i in restart.tolist()], restart, n), restart, n)
            final_info = self._infos.batched(batch, ended, active, n, self._core.keys)
            add_column(infos, "final_info", final_info, restart, n)
        self._restart(restart)
        if restart.size:
            put(infos, "protocol", [self._core.protocol] * len(restart), restart, n)
        self._autoreset = truncated.copy()
        return self._core.observation(), rewards, np.zeros(n, dtype=bool), truncated, infos

    def _restart(self, rows: np.ndarray) -> None:
        """Start the searches ``rows`` afresh: together, unless each draws a random start from its own generator."""
        if not rows.size:
            return
        if self._core.config.action_mode == "delta":
            for i in rows.tolist():
                which = np.arange(self.num_envs) == i
                self._core.reset(which, self._rngs[i])
                self._infos.reset(which)
            return
        which = np.zeros(self.num_envs, dtype=bool)
        which[rows] = True
        self._core.reset(which, None)
        self._infos.reset(which)


def _autoreset_mode(mode: AutoresetMode | str) -> AutoresetMode:
    try:
        resolved: AutoresetMode | None = AutoresetMode(mode)
    except ValueError:
        resolved = None
    if resolved is None or resolved not in AUTORESET_MODES:
        names = ", ".join(m.value for m in AUTORESET_MODES)
        raise ValueError(f"autoreset_mode must be one of {names} (an AutoresetMode or its value)")
    return resolved


def _seeds(seed: int | list[int | None] | None, n: int) -> list[int | None]:
    """Gymnasium's convention: ``None`` for all, ``s`` -> ``s, s+1, ...``, or one seed per search."""
    if seed is None:
        return [None] * n
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        return [int(seed) + i for i in range(n)]
    if isinstance(seed, list | tuple) and len(seed) == n:
        return list(seed)
    raise ValueError(f"seed must be None, an int or a list of {n} seeds (one per search), got {seed!r}")


def _reset_mask(mask: Any, n: int) -> np.ndarray:
    """``options["reset_mask"]``, checked as ``SyncVectorEnv`` checks it; every search when absent."""
    if mask is None:
        return np.ones(n, dtype=bool)
    if not isinstance(mask, np.ndarray):
        raise TypeError(f"options['reset_mask'] must be a numpy array, got {type(mask).__name__}")
    if mask.shape != (n,) or mask.dtype != np.bool_:
        raise ValueError(f"options['reset_mask'] must be a bool array of shape ({n},), got {mask.dtype} {mask.shape}")
    if not mask.any():
        raise ValueError("options['reset_mask'] must select at least one search (it is all False)")
    return mask
