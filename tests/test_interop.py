"""RL clients nobody here wrote really train on the envs, for a few hundred steps each.

rl_zoo3 train (PPO on the continuous and the discrete id, TD3) with the project's YAML files,
``--env-kwargs`` and the eval callback, then rl_zoo3 enjoy of the saved model; sb3-contrib
TQC and MaskablePPO; Tianshou 2's high-level PPO, SAC and TD3; TorchRL's ``GymEnv`` with
``check_env_specs``; and the CleanRL-style scripts of examples/. RLlib is not here: ray[rllib]
2.60 pins gymnasium 1.2.2 (docs/interop.md gives the command that was run).

The clients come with the ``interop`` extra. rl_zoo3 pins older pillow and python-dateutil
than the rest of the suite uses, so scripts/test.sh installs them in ``.venv-interop`` (layered
over ``.venv``) and runs this module there with ``NAS_GYM_REQUIRE_INTEROP=1``, under which a
missing client fails instead of skipping.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.interop
ENV_ID, DISCRETE_ID = "NB201-cifar10-v0", "NB201-cifar10-discrete-v0"


def client(module: str):
    """Import a client package: skip when absent, fail when the run requires the interop extra."""
    if os.environ.get("NAS_GYM_REQUIRE_INTEROP") == "1":
        return importlib.import_module(module)
    return pytest.importorskip(module, reason="install the interop extra (scripts/test.sh does)")


def run(args: list[str], cwd: Path) -> str:
    """Run ``python args...`` with this checkout first on the path and torch on one thread."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(":")}
    env["OMP_NUM_THREADS"] = "1"
    out = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, f"{' '.join(args)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout + out.stderr


@pytest.mark.parametrize(("algo", "env_id"), [("ppo", ENV_ID), ("ppo", DISCRETE_ID), ("td3", ENV_ID)])
def test_rl_zoo3_trains_with_the_project_yaml_and_enjoys_the_model(algo, env_id, nb201_cache, tmp_path):
    client("rl_zoo3")
    kwargs = ["--env-kwargs", f"cache:'{nb201_cache}'", "max_queries:64"]
    common = ["--algo", algo, "--env", env_id, "--gym-packages", "nas_gym", "-f", str(tmp_path / "logs")]
    conf = str(REPO / "agents" / "hyperparams" / f"{algo}.yml")
    train = ["-m", "rl_zoo3.train", *common, "--conf-file", conf, "-n", "256", "--seed", "0", "--num-threads", "1"]
    run([*train, "--eval-freq", "128", "--eval-episodes", "1", "--n-eval-envs", "1", *kwargs], tmp_path)
    folder = tmp_path / "logs" / algo / f"{env_id}_1"
    assert (folder / f"{env_id}.zip").is_file() and (folder / "best_model.zip").is_file()
    evaluations = np.load(folder / "evaluations.npz")
    assert evaluations["timesteps"].tolist() == [128, 256] and (evaluations["results"] > 1.0).all()
    out = run(["-m", "rl_zoo3.enjoy", *common, "--exp-id", "1", "-n", "130", "--no-render", *kwargs], tmp_path)
    assert "Atari Episode Score" not in out and "Episode Reward" in out


@pytest.mark.usefixtures("one_thread")  # SB3 agents in-process: torch on one thread, see docs/interop.md
def test_sb3_contrib_tqc_learns_a_few_hundred_steps(nb201_cache):
    sb3_contrib = client("sb3_contrib")
    import gymnasium as gym

    env = gym.make(ENV_ID, cache=nb201_cache, max_queries=100)
    model = sb3_contrib.TQC("MlpPolicy", env, learning_starts=64, batch_size=32, seed=0, device="cpu")
    model.learn(300)
    assert model.num_timesteps == 300 and model.replay_buffer.size() == 300
    action, _ = model.predict(env.reset(seed=1)[0], deterministic=True)
    assert env.action_space.contains(action)


@pytest.mark.usefixtures("one_thread")
def test_sb3_contrib_maskable_ppo_with_an_all_true_mask(nb201_cache):
    """MaskablePPO needs a mask wrapper; every op code is valid, so the mask is all True."""
    sb3_contrib = client("sb3_contrib")
    import gymnasium as gym
    from sb3_contrib.common.wrappers import ActionMasker

    env = gym.make(DISCRETE_ID, cache=nb201_cache, max_queries=64)
    env = ActionMasker(env, lambda e: np.ones(int(e.action_space.nvec.sum()), dtype=bool))  # 6 x 5 op codes
    model = sb3_contrib.MaskablePPO("MlpPolicy", env, n_steps=128, batch_size=64, n_epochs=2, seed=0, device="cpu")
    model.learn(384)
    assert model.num_timesteps == 384
    action, _ = model.predict(env.reset(seed=1)[0], action_masks=env.action_masks(), deterministic=True)
    assert env.action_space.contains(action)


@pytest.mark.parametrize("algo", ["ppo", "sac", "td3"])
@pytest.mark.usefixtures("one_thread")
def test_tianshou_high_level_api_trains(algo, nb201_cache, tmp_path, monkeypatch):
    """Tianshou 2's experiment builders on the continuous id (the high-level API has no MultiDiscrete)."""
    client("tianshou")
    from tianshou.highlevel.config import OffPolicyTrainingConfig, OnPolicyTrainingConfig
    from tianshou.highlevel.env import EnvFactoryRegistered, VectorEnvType
    from tianshou.highlevel.experiment import (
        ExperimentConfig,
        PPOExperimentBuilder,
        SACExperimentBuilder,
        TD3ExperimentBuilder,
    )

    monkeypatch.chdir(tmp_path)
    factory = EnvFactoryRegistered(task=ENV_ID, venv_type=VectorEnvType.DUMMY, cache=nb201_cache, max_queries=50)
    config = ExperimentConfig(seed=0, device="cpu", watch=False, persistence_enabled=False)
    common = {"max_epochs": 1, "epoch_num_steps": 300, "num_training_envs": 1, "num_test_envs": 1}
    common["test_step_num_episodes"] = 1
    if algo == "ppo":
        training = OnPolicyTrainingConfig(**common, buffer_size=100, collection_step_num_env_steps=100, batch_size=50)
        builder = PPOExperimentBuilder(factory, config, training)  # warns on any [-1, 1] Box: harmless
    else:
        off = {"buffer_size": 300, "collection_step_num_env_steps": 1, "batch_size": 32, "start_timesteps": 64}
        training = OffPolicyTrainingConfig(**common, **off)
        builder = {"sac": SACExperimentBuilder, "td3": TD3ExperimentBuilder}[algo](factory, config, training)
    stats = builder.build().run().trainer_result
    assert stats is not None and stats.train_step == 300 and stats.train_episode == 6
    # a test search is 50 queries, each rewarded 100 ** val12 (a fraction): in [1, 100]
    assert stats.test_episode >= 1 and 50 < stats.best_reward < 50 * 100


@pytest.mark.parametrize("env_id", [ENV_ID, DISCRETE_ID])
def test_torchrl_gym_env_passes_check_env_specs(env_id, nb201_cache):
    client("torchrl")
    from torchrl.envs import GymEnv
    from torchrl.envs.utils import check_env_specs

    env = GymEnv(env_id, cache=str(nb201_cache), max_queries=20)  # TorchRL first tries frameskip=1: TypeError
    check_env_specs(env)
    rollout = env.rollout(50)
    assert rollout.batch_size == (20,)  # the rollout stops at the budget's truncation
    assert rollout["next", "truncated"][-1].item() and not rollout["next", "terminated"].any()


@pytest.mark.parametrize(
    ("script", "env_id", "steps"),
    [("ppo_nb201.py", ENV_ID, 512), ("ppo_nb201.py", DISCRETE_ID, 512), ("td3_nb201.py", ENV_ID, 300)],
)
def test_examples_run_on_gymnasium_1(script, env_id, steps, nb201_cache, tmp_path):
    client("tyro")
    args = ["--env-id", env_id, "--cache", str(nb201_cache), "--total-timesteps", str(steps), "--max-queries", "50"]
    out = run([str(REPO / "examples" / script), *args], tmp_path)
    assert "best architecture by val12: |" in out and "(test200: " in out
