"""MORL-Baselines trains on the MO envs unchanged: CAPQL (continuous actions, Box) for a few hundred steps.

MORL-Baselines pins wandb, cvxpy and (through moviepy) pillow<12, so it is in the interop extra and
runs in ``.venv-interop`` with the other third-party clients (tests/test_interop.py).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

pytestmark = pytest.mark.interop


def test_capql_trains_on_mo_nb201(nb201_cache, one_thread):
    if os.environ.get("NAS_GYM_REQUIRE_INTEROP") == "1":
        import morl_baselines  # noqa: F401
    else:
        pytest.importorskip("morl_baselines", reason="install the interop extra (scripts/test.sh does)")
    import mo_gymnasium as mo_gym
    from morl_baselines.multi_policy.capql.capql import CAPQL

    import nas_gym  # noqa: F401 (registers the MO ids)

    make = lambda: mo_gym.make("mo-NB201-cifar10-v0", max_queries=100, cache=str(nb201_cache))  # noqa: E731
    env = make()
    agent = CAPQL(env, learning_starts=50, batch_size=32, net_arch=[32, 32], buffer_size=1000, log=False, seed=0)
    agent.train(
        total_timesteps=300,
        eval_env=make(),
        ref_point=np.array([0.0, -40.0]),
        eval_freq=10**6,
        num_eval_weights_for_front=2,
        num_eval_episodes_for_front=1,
    )
    assert agent.global_step == 300
    # the trained policy acts in the env's action space for any preference weight
    obs, _ = env.reset(seed=0)
    action = agent.eval(obs, np.array([0.5, 0.5]))
    assert env.action_space.contains(np.asarray(action, dtype=np.float32))
    _, reward, _, _, info = env.step(action)
    assert reward[1] == -info["latency_ms"]
