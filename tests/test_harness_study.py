"""Study files: the bundled studies parse; bad ones are refused before anything runs, with the offending line."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nas_gym.cli import app
from nas_gym.harness import StudyError, check_envs, load_study, parse_study
from nas_gym.harness.study import bundled_studies

GOOD = """\
name: t
seeds: 2
budgets: [50, 10]
agents:
  - agent: rs
  - agent: rea
    hyperparams: {population_size: 20}
envs:
  - id: NB201-cifar10-v0
protocols:
  - name: val12
    env_kwargs: {signal: val12}
"""


def test_bundled_studies_parse_with_the_documented_sizes():
    studies = {name: load_study(path) for name, path in bundled_studies().items()}
    assert set(studies) >= {"smoke", "nb201-paper", "nb201-paper-steps", "nb201-reduced", "darts", "ofa"}
    paper = studies["nb201-paper"]  # issue 15: non-SB3 agents, unique budgets, 1000 cut
    assert paper.budgets == (50, 100, 200, 500) and paper.seeds == tuple(range(10))
    assert {a.agent for a in paper.agents} == {
        "l2nas-paper-lr1e-4", "l2nas", "rs", "rea", "reinforce", "ls", "bananas", "tpe"
    }
    assert {p.env_kwargs["signal"] for p in paper.protocols} == {"test200", "val12"}
    assert {p.env_kwargs["budget"] for p in paper.protocols} == {"unique"}
    assert len(list(paper.cells())) == 8 * 3 * 2 * 10
    assert len(list(studies["nb201-paper-steps"].cells())) == 11 * 3 * 2 * 5
    assert len(list(studies["darts"].cells())) == 7 * 1 * 10
    table1 = studies["l2nas-table1"]  # the paper's protocol: test200, every step counts, 500 and 1000
    assert table1.budgets == (500, 1000) and [p.env_kwargs for p in table1.protocols] == [
        {"signal": "test200", "budget": "steps"}
    ]
    assert len(list(table1.cells())) == 3 * 3 * 10
    tuning = studies["l2nas-tuning"]  # tuned on seeds >= 100 only, never on the reported 0-9
    assert min(tuning.seeds) >= 100 and len(list(tuning.cells())) == 11 * 20
    assert len(list(studies["ofa"].cells())) == 8 * 2 * 10  # with ofa-evolution
    for name in ("darts", "ofa"):  # TPE's O(n^2) refits: capped below the 5000 queries of the others
        assert {c.agent: c.budget for c in studies[name].cells()} == {
            **{a.agent: 5000 for a in studies[name].agents},
            "tpe": 2000,
        }
    assert len(list(studies["smoke"].cells())) == 4 * 2 * 1 * 2


def test_cells_cross_every_axis_and_run_the_largest_budget():
    study = parse_study(GOOD)
    cells = list(study.cells())
    assert study.budgets == (10, 50)
    assert len(cells) == 2 * 2
    assert {c.budget for c in cells} == {50}
    assert cells[0].env_kwargs == {"signal": "val12", "max_queries": 50}
    rea = next(c for c in cells if c.agent == "rea")
    assert rea.hyperparams == {"population_size": 20}
    assert str(rea.relpath) == "val12/NB201-cifar10-v0/rea/seed-0"
    # The key identifies the spec: any change of the spec changes it.
    assert len({c.key for c in cells}) == len(cells)
    assert parse_study(GOOD.replace("population_size: 20", "population_size: 30")).agents[1] != study.agents[1]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("  - agent: rea\n", "  - agent: nope\n", 6, "unknown agent 'nope'"),
        ("  - id: NB201-cifar10-v0", "  - id: NB201-nope-v0", 9, "unknown env 'NB201-nope-v0'"),
        ("{signal: val12}", "{signal: val12, sigma: 3}", 12, "unknown env kwarg 'sigma'"),
        ("{signal: val12}", "{max_queries: 5}", 12, "set by `budgets`"),
        ("{population_size: 20}", "{popsize: 20}", 7, "agent 'rea' has no hyperparameter 'popsize'"),
        ("budgets: [50, 10]", "budgets: [50, 0]", 3, "budgets entries must be integers in 1.."),
        ("seeds: 2", "seeds: [1, 1]", 2, "seeds has duplicates"),
        ("seeds: 2", "seeds: 2\ncolour: red", 3, "unknown study key 'colour'"),
        ("  - agent: rea\n", "  - agent: rs\n", 6, "two agents are labelled 'rs'"),
        ("budgets: [50, 10]", "budgets: @50", 3, "not valid YAML"),
        # names become folders of OUT/cells: '..' or '/' would escape it or make cells collide
        ("  - agent: rea\n", "  - agent: rea\n    label: '..'\n", 7, "label must be 1-100 letters"),
        ("  - name: val12", "  - name: '..'", 11, "a protocol name must be 1-100 letters"),
        ("  - name: val12", "  - name: a/b", 11, "a protocol name must be"),
        ("  - name: val12", "  - name: .hidden", 11, "a protocol name must be"),
        ("name: t", "name: '.'", 1, "name must be"),
        # duplicate keys would silently keep the last value
        ("seeds: 2", "seeds: 2\nseeds: 3", 3, "duplicate key 'seeds'"),
        ("{population_size: 20}", "{population_size: 20, population_size: 5}", 7, "duplicate key 'population_size'"),
        # wrong hyperparameter types fail up front, not inside the cell
        ("{population_size: 20}", "{population_size: fast}", 7, "'population_size' of 'rea' must be int"),
        ("{population_size: 20}", "{population_size: 2.5}", 7, "must be int"),
        ("{population_size: 20}", "{population_size: true}", 7, "must be int"),
        ("  - agent: rs\n", "  - agent: l2nas\n    hyperparams: {actor_lr: fast}\n", 6, "'actor_lr' must be a number"),
        ("  - agent: rs\n", "  - agent: l2nas\n    hyperparams: {actor_lr: .nan}\n", 6, "must be finite"),
        # seeds: numpy/SB3 need 0..2**32-1; a huge count would allocate until MemoryError
        ("seeds: 2", f"seeds: [{2**70}]", 2, "seeds entries must be integers in 0..4294967295"),
        ("seeds: 2", "seeds: [-1]", 2, "seeds entries must be integers in 0..4294967295"),
        ("seeds: 2", "seeds: 1000000000000", 2, "seeds must be a count in 1..10000"),
        ("budgets: [50, 10]", f"budgets: [{10**12}]", 3, "budgets entries must be integers in 1..1000000000"),
        # aliases: refused at the alias (a "billion laughs" bomb would otherwise hang)
        ("{signal: val12}", "{signal: &s val12, budget: *s}", 12, "YAML aliases"),
    ],
)
def test_bad_study_names_the_offending_line(old, new, line, message):
    text = GOOD.replace(old, new)
    assert text != GOOD
    with pytest.raises(StudyError) as err:
        parse_study(text, "bad.yaml")
    first = str(err.value).splitlines()[0]
    assert first.startswith(f"bad.yaml:{line}:") and message in first, str(err.value)
    # The offending line itself is printed under the message.
    assert str(err.value).splitlines()[1].split("| ", 1)[1] == text.splitlines()[line - 1]


def test_bad_kwarg_value_is_refused_by_the_env_check(nb201_cache):
    study = parse_study(GOOD.replace("{signal: val12}", "{signal: train}"), "bad.yaml")
    with pytest.raises(StudyError, match=r"bad.yaml:12: cannot make NB201-cifar10-v0.*signal='train'"):
        check_envs(study, str(nb201_cache))
    check_envs(parse_study(GOOD), str(nb201_cache))  # the good one makes


def test_cli_refuses_a_bad_study_before_running_anything(tmp_path, nb201_cache):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("  - agent: rea\n", "  - agent: reaa\n"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["bench", str(path), "--out", str(out), "--cache", str(nb201_cache)])
    assert result.exit_code == 2
    assert f"{path}:6: unknown agent 'reaa'" in result.output
    assert not out.exists()


@settings(deadline=None)  # the machine is shared: timing is not what this tests
@given(seeds=st.lists(st.integers(0, 10_000), min_size=1, max_size=6, unique=True))
def test_seed_lists_round_trip(seeds):
    study = parse_study(GOOD.replace("seeds: 2", f"seeds: {seeds}"))
    assert study.seeds == tuple(seeds)
    assert sorted({c.seed for c in study.cells()}) == sorted(seeds)


def test_a_missing_study_file_lists_the_bundled_ones(tmp_path):
    with pytest.raises(StudyError, match=r"bundled studies: .*smoke"):
        load_study(tmp_path / "nope.yaml")


def test_protocol_and_env_may_not_set_the_same_kwarg():
    text = GOOD.replace("  - id: NB201-cifar10-v0", "  - id: NB201-cifar10-v0\n    kwargs: {signal: test200}")
    with pytest.raises(StudyError, match=r":13: protocol 'val12' and env NB201-cifar10-v0 .* both set \['signal'\]"):
        parse_study(textwrap.dedent(text))


def test_hyperparameters_of_the_right_type_pass():
    text = GOOD.replace("  - agent: rs\n", "  - agent: l2nas\n    hyperparams: {actor_lr: 1, avoid_repeats: false}\n")
    assert parse_study(text).agents[0].hyperparams == {"actor_lr": 1, "avoid_repeats": False}


def test_an_alias_bomb_in_env_kwargs_is_refused_at_once():
    # 9 levels of 9 aliases each: 9**9 (387M) leaves if expanded
    levels = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb = "\n".join(f"      {line}" for line in levels)
    text = GOOD.replace("  - id: NB201-cifar10-v0", f"  - id: NB201-cifar10-v0\n    kwargs:\n      bomb:\n{bomb}")
    with pytest.raises(StudyError, match=r"bomb.yaml:\d+: YAML aliases"):
        parse_study(text, "bomb.yaml")


def test_a_non_utf8_study_names_the_line_and_the_fix(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.replace("name: t", "name: t\ndescription: caf\xe9").encode("latin-1"))
    with pytest.raises(StudyError, match=r"latin1.yaml:2: the file is not UTF-8 .*save it as UTF-8"):
        load_study(path)


def test_a_redefined_l2nas_preset_makes_its_cells_stale(monkeypatch):
    # the cell names the preset; its values are in the spec, so --resume cannot keep old results
    from dataclasses import replace

    from nas_gym.agents.l2nas import presets

    study = parse_study(
        "name: p\nseeds: 1\nbudgets: [10]\nagents:\n  - agent: l2nas-v2\n  - agent: l2nas-paper\n  - agent: rs\n"
        "envs:\n  - id: NB201-cifar10-v0\n"
    )
    before = {c.agent: c for c in study.cells()}
    spec = before["l2nas-v2"].spec()
    assert spec["agent_settings"]["preset"] == "improved"
    assert spec["agent_settings"]["nb201"]["actor_lr"] == presets.PRESETS["improved"]["nb201"].actor_lr
    assert before["l2nas-paper"].spec()["agent_settings"]["nb201"] == {}  # the defaults are the paper's table
    assert "agent_settings" not in before["rs"].spec()  # a searcher's settings are its code defaults
    keys = {name: cell.key for name, cell in before.items()}
    redefined = {**presets.PRESETS["improved"]}
    redefined["nb201"] = replace(redefined["nb201"], critic_lr=0.5)
    monkeypatch.setitem(presets.PRESETS, "improved", redefined)
    after = {c.agent: c.key for c in study.cells()}
    assert after["l2nas-v2"] != keys["l2nas-v2"]
    assert after["l2nas-paper"] == keys["l2nas-paper"] and after["rs"] == keys["rs"]


def test_sb3_cells_carry_their_yaml_entry():
    study = parse_study("name: s\nseeds: 1\nbudgets: [10]\nagents:\n  - agent: ppo\nenvs:\n  - id: NB201-cifar10-v0\n")
    (cell,) = study.cells()
    assert cell.spec()["agent_settings"]["policy"] == "MlpPolicy"


def test_an_uncapped_cell_keeps_the_key_it_had_before_agent_budgets():
    # pinned before per-agent `budget` caps existed: finished cells of running studies stay valid
    darts = load_study(bundled_studies()["darts"])
    rs = next(c for c in darts.cells() if c.agent == "rs" and c.seed == 3)
    assert rs.key == "37e3f44f4ff0fc95"
    smoke = next(iter(load_study(bundled_studies()["smoke"]).cells()))
    assert smoke.key == "7965864c9bc54835"


def test_an_agent_budget_caps_its_cells_only():
    study = parse_study(GOOD.replace("    hyperparams: {population_size: 20}\n", "    budget: 10\n"))
    by_agent = {c.agent: c for c in study.cells()}
    assert (by_agent["rea"].budget, by_agent["rea"].env_kwargs["max_queries"]) == (10, 10)
    assert (by_agent["rs"].budget, by_agent["rs"].env_kwargs["max_queries"]) == (50, 50)
    assert study.agent_budget("rea") == 10 and study.agent_budget("rs") == 50
    uncapped = {c.agent: c for c in parse_study(GOOD.replace("    hyperparams: {population_size: 20}\n", "")).cells()}
    assert by_agent["rs"].key == uncapped["rs"].key and by_agent["rea"].key != uncapped["rea"].key


@pytest.mark.parametrize("value", ["60", "0", "true", "2.5", "lots"])
def test_an_agent_budget_above_the_largest_or_not_an_integer_is_refused(value):
    text = GOOD.replace("    hyperparams: {population_size: 20}\n", f"    budget: {value}\n")
    with pytest.raises(StudyError, match=r"<study>:7: an agent's budget caps .* integer in 1\.\.50"):
        parse_study(text)
