"""The agent table: every agent declares its action spaces and hyperparameters; impossible pairs are refused early."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nas_gym.agents.registry import AGENTS, agents_that_fit, check_fits, check_hyperparameters, hyperparameter_names
from nas_gym.cli import app
from nas_gym.harness import StudyError, check_envs, parse_study

runner = CliRunner()


def test_every_agent_declares_what_it_accepts():
    for name in AGENTS:
        assert isinstance(hyperparameter_names(name), set), name
    assert hyperparameter_names("rs") == set()  # random search has no settings
    assert {"actor_lr", "quantile"} <= hyperparameter_names("l2nas")
    assert "population_size" in hyperparameter_names("rea")
    assert {"learning_rate", "n_steps"} <= hyperparameter_names("ppo")


def test_agents_that_fit_each_action_space():
    discrete = agents_that_fit("discrete")
    assert "l2nas" not in discrete and "sac" not in discrete and {"rs", "rea", "ppo", "a2c"} <= set(discrete)
    assert "rs" not in agents_that_fit("continuous", "delta") and "l2nas" in agents_that_fit("continuous", "delta")
    assert set(agents_that_fit("continuous")) == set(AGENTS)


@pytest.mark.parametrize("agent", ["l2nas", "l2nas-paper", "sac", "td3", "ddpg"])
def test_continuous_only_agents_are_refused_on_discrete_ids(agent):
    with pytest.raises(ValueError, match=r"agents that fit: .*rea"):
        check_fits(agent, "NB201-cifar10-discrete-v0")


def test_searchers_are_refused_in_delta_mode():
    with pytest.raises(ValueError, match="action_mode=absolute"):
        check_fits("rea", "NB201-cifar10-v0", {"action_mode": "delta"})
    check_fits("ppo", "NB201-cifar10-v0", {"action_mode": "delta"})


def test_unknown_hyperparameters_name_the_known_ones():
    with pytest.raises(ValueError, match=r"has no hyperparameter.*'actor_lrr'.*known: .*actor_lr"):
        check_hyperparameters("l2nas", {"actor_lrr": 1e-4})


def test_cli_refuses_an_impossible_pair_before_running(tmp_path, nb201_cache):
    out = tmp_path / "run"
    args = ["search", "--agent", "l2nas", "--env", "NB201-cifar10-discrete-v0", "--budget", "3", "--out", str(out)]
    result = runner.invoke(app, [*args, "--cache", str(nb201_cache)])
    assert result.exit_code == 2 and "agents that fit" in result.output and not (out / "summary.json").exists()
    assert "0/3" not in result.output, "the progress bar started before the pair was refused"


def test_cli_cuts_gymnasiums_error_tail_to_the_bad_keyword(tmp_path, nb201_cache):
    args = ["search", "--agent", "rs", "--budget", "3", "--out", str(tmp_path / "run"), "--cache", str(nb201_cache)]
    result = runner.invoke(app, [*args, "--env-kwargs", "sigal=val12"])
    assert result.exit_code == 2 and "unexpected keyword argument 'sigal'" in result.output
    assert "was raised from the environment creator" not in result.output and "0/3" not in result.output


def test_study_refuses_an_impossible_pair_before_running(nb201_cache):
    text = """
name: bad-pair
seeds: 1
budgets: [3]
agents:
  - agent: sac
envs:
  - id: NB201-cifar10-discrete-v0
"""
    study = parse_study(text, "bad.yaml")
    with pytest.raises(StudyError, match=r"bad.yaml.*agent 'sac' cannot act"):
        check_envs(study, str(nb201_cache))


def test_l2nas_config_for_resolves_the_envs_own_family():
    """v5 is v4 on NB201 and differs on DARTS; overrides are applied, a recorded preset is honoured."""
    v5, v4 = AGENTS["l2nas-v5"], AGENTS["l2nas-v4"]
    assert v5.config_for("NB201-cifar10-v0", {}) == v4.config_for("NB201-cifar10-v0", {})
    darts = v5.config_for("DARTS-cifar10-v0", {})
    assert darts != v4.config_for("DARTS-cifar10-v0", {})
    assert (darts.critic_targets, darts.mutation_parents) == ("standardised", 1)
    as_v5 = {"critic_targets": "standardised", "mutation_parents": 1, "preset": "v4"}
    assert v5.config_for("DARTS-cifar10-v0", as_v5) == darts
    assert v5.config_for("DARTS-cifar10-v0", {"quantile": 0.5}).quantile == 0.5


def test_a_study_row_may_run_another_l2nas_preset(nb201_cache):
    """``preset`` is a declared L2NAS hyperparameter: checked against the known presets, and the run uses it."""
    import gymnasium as gym

    check_hyperparameters("l2nas", {"preset": "v4", "quantile": 0.5})
    with pytest.raises(ValueError, match=r"unknown L2NAS preset 'v9'; choose one of paper, .*v4"):
        check_hyperparameters("l2nas", {"preset": "v9"})
    env = gym.make("NB201-cifar10-v0", cache=nb201_cache, max_queries=12)
    ran = AGENTS["l2nas"].run(env, "NB201-cifar10-v0", 0, {"preset": "paper", "quantile": 0.5})
    assert ran["preset"] == "paper" and ran["quantile"] == 0.5
    assert ran["screen_candidates"] == 0  # the paper's settings, not the agent's improved preset
