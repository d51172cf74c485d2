from pathlib import Path

import pytest

from archer.config import Config, from_dict, help_lines, load_config, parse_override, to_dict
from archer.errors import UserError


def test_defaults_validate_and_round_trip():
    cfg = load_config()
    assert from_dict(to_dict(cfg)) == cfg


def test_overrides_parse_yaml_values():
    cfg = load_config(None, ["archer.actor_lr=1e-4", "archer.gamma=0.9", "env.demo_skill=null", "run.progress=false"])
    assert cfg.archer.actor_lr == 1e-4 and cfg.archer.gamma == 0.9
    assert cfg.env.demo_skill is None and cfg.run.progress is False
    assert parse_override("policy.model=gpt2") == ("policy.model", "gpt2")


def test_recipe_then_overrides(tmp_path: Path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("env:\n  name: guess_number\n  n: 8\narcher:\n  iterations: 3\n")
    cfg = load_config(recipe, ["archer.iterations=5"])
    assert (cfg.env.name, cfg.env.n, cfg.archer.iterations) == ("guess_number", 8, 5)


@pytest.mark.parametrize(
    "override,message",
    [
        ("archer.gama=0.9", "did you mean archer.gamma"),
        ("archr.gamma=0.9", "unknown config key 'archr'"),
        ("archer.iterations=2.5", "must be int"),
        ("archer.gamma=fast", "must be float"),
        ("env.name=chess", "env.name='chess' is unknown"),
        ("archer.tau=0", "archer.tau"),
        ("archer.gamma=1.5", "archer.gamma"),
        ("critic.layout=diagonal", "critic.layout"),
        ("bc.batching=sorted", "bc.batching='sorted'"),
        ("policy.choose_from=valid", "policy.choose_from='valid'"),
        ("policy.dropout=1.5", "policy.dropout=1.5 must lie"),
        ("archer.baseline=group", "actor_samples >= 2"),
        ("archer.actor_states=demos", "archer.actor_states='demos'"),
        ("archer.v_target=max", "archer.v_target='max': use 'sample' or 'greedy'"),
        ("policy.temperature=0", "temperature"),
        ("archer.iterations=-1", "archer.iterations=-1 must be >= 0"),
        ("archer.greedy_rollouts=40", "archer.greedy_rollouts=40 exceeds archer.rollout_trajectories=32"),
        ("archer.greedy_rollouts=-1", "archer.greedy_rollouts=-1 must be >= 0"),
        ("eval.restore_best=true", "set eval.keep_best=true too"),
        ("env.webshop_validation_start=-2", "env.webshop_validation_start=-2 must be >= 0"),
        ("env.webshop_validation_start=2100", "needs a fixed range of instructions"),
        ("gamma", "section.key=value"),
    ],
)
def test_mistakes_say_how_to_fix(override: str, message: str):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_config(None, [override])


def test_every_field_has_help():
    lines = [line for line in help_lines() if line.startswith("  ")]
    assert len(lines) == sum(len(vars(getattr(Config(), s))) for s in vars(Config()))
    assert all(line.split("): ", 1)[1].strip() for line in lines)


def test_choose_from_auto_reads_the_games_valid_actions_only_where_it_lists_them():
    from archer.envs import action_choices
    from archer.envs.detective import observed_valid_actions

    assert action_choices(load_config(None, ["env.name=textworld"]).env) is observed_valid_actions
    assert action_choices(load_config(None, ["env.name=detective"]).env) is observed_valid_actions
    assert action_choices(load_config(None, ["env.name=detective", "env.valid_actions=false"]).env) is None
    assert action_choices(load_config(None, ["env.name=guess_number"]).env) is None


def test_every_recipe_in_configs_loads_and_validates():
    recipes = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))
    assert len(recipes) >= 5
    for recipe in recipes:
        cfg = load_config(str(recipe), [])
        assert cfg.env.name, recipe
