"""Generated TextWorld games: the walkthrough wins every game of each level, seeds fix games, hostile text.

Skips when textworld is not installed. Games are generated into a temporary cache folder shared by
the tests of this file (about 3 s a game on the 2-core machine). Run with `-s` to see the numbers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("textworld", reason="textworld is not installed (pip install 'archer-rl[textworld]')")

from archer.config import Config  # noqa: E402
from archer.envs import make_env, make_scripted_player  # noqa: E402
from archer.envs.detective import observed_valid_actions, parse_observation  # noqa: E402
from archer.envs.textworld_games import (  # noqa: E402
    EVAL_GAME_SEED,
    EVAL_SEED_START,
    LEVELS,
    ScriptedPlayer,
    TextWorldEnv,
    game_file,
)
from archer.errors import UserError  # noqa: E402
from archer.rollout import play_scripted  # noqa: E402

#: Reset seeds played per level: two training games and one held-out game.
SEEDS = (0, 1, EVAL_SEED_START)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tw-cache")


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_walkthrough_wins_every_game_of_the_level(level: int, cache: Path) -> None:
    env = TextWorldEnv(level=level, train_games=2, eval_games=1, cache_dir=cache)
    for seed in SEEDS:
        start = time.perf_counter()
        obs, info = env.reset(seed=seed)
        made = time.perf_counter() - start
        walkthrough = info["walkthrough"]
        assert walkthrough, "the generator gave no walkthrough"
        total, steps = 0.0, 0
        for command in walkthrough:
            assert command in observed_valid_actions(obs), f"{command!r} is not admissible"
            obs, reward, terminated, truncated, step_info = env.step(command)
            total, steps = total + reward, steps + 1
            if terminated or truncated:
                break
        assert terminated and step_info["success"], f"level {level} seed {seed}: the walkthrough did not win"
        assert total == env.max_score and steps == len(walkthrough)
        print(
            f"\nlevel {level} game seed {info['game_seed']}: won in {steps} steps, "
            f"score {total:g}, made in {made:.1f} s"
        )


def test_train_and_eval_games_are_disjoint(cache: Path) -> None:
    env = TextWorldEnv(level=1, train_games=2, eval_games=1, cache_dir=cache)
    assert [env.game_seed_for(s) for s in (0, 1, 2, 3)] == [0, 1, 0, 1]
    assert env.game_seed_for(EVAL_SEED_START) == env.game_seed_for(EVAL_SEED_START + 5) == EVAL_GAME_SEED
    assert env.game_seed_for(0, {"split": "eval", "game": 0}) == EVAL_GAME_SEED
    goals = {env.reset(seed=s)[0].splitlines()[1] for s in SEEDS}
    assert len(goals) == 3  # three different games


def test_same_seed_same_game_and_observations(cache: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    first = game_file(2, 1, cache)  # made by the test above
    again = game_file(2, 1, other)  # made afresh
    structure = [json.loads(p.with_suffix(".json").read_text()) for p in (first, again)]
    assert structure[0]["world"] == structure[1]["world"] and structure[0]["quests"] == structure[1]["quests"]
    a = TextWorldEnv(level=2, train_games=2, eval_games=1, cache_dir=cache)
    b = TextWorldEnv(level=2, train_games=2, eval_games=1, cache_dir=other)
    obs_a, info_a = a.reset(seed=1)
    obs_b, info_b = b.reset(seed=1)
    assert obs_a == obs_b and info_a["walkthrough"] == info_b["walkthrough"]
    for command in info_a["walkthrough"]:
        assert a.step(command)[:4] == b.step(command)[:4]


def test_observation_layout(cache: Path) -> None:
    env = TextWorldEnv(level=2, train_games=2, eval_games=1, cache_dir=cache, max_turns=7)
    obs, _ = env.reset(seed=0)
    fields = parse_observation(obs)
    assert fields["Step"] == f"Step 0 of 7. Score: 0 of {env.max_score}."
    assert fields["Goal"] and fields["Location"] and fields["Inventory"]
    valid = observed_valid_actions(obs)
    assert valid == sorted(valid) and "look" in valid


HOSTILE = ["", "\x00", "north\x00", "é 漢字 🙂", "x" * 100_000, "quit", "restart", "script", "take all. go north",
           "\x1b[2J\r\n", "go " * 200, "\\help", "\\X", None]  # fmt: skip


def test_hostile_text_and_step_limit(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    env = TextWorldEnv(level=1, train_games=2, eval_games=1, cache_dir=cache, max_turns=len(HOSTILE))
    env.reset(seed=0)
    for i, action in enumerate(HOSTILE):
        obs, reward, terminated, truncated, info = env.step(action)  # type: ignore[arg-type]
        assert isinstance(obs, str) and reward == 0 and not terminated
        assert truncated == (i == len(HOSTILE) - 1)
    assert info["success"] is False and list(tmp_path.iterdir()) == []
    assert "DUMB-FROTZ" not in capfd.readouterr().out
    with pytest.raises(RuntimeError):
        env.step("look")


def test_copies_side_by_side_and_speed(cache: Path) -> None:
    envs = [TextWorldEnv(level=2, train_games=2, eval_games=1, cache_dir=cache) for _ in range(4)]
    start = time.perf_counter()
    firsts = [env.reset(seed=i % 2)[0] for i, env in enumerate(envs)]
    assert firsts[0] == firsts[2] and firsts[1] == firsts[3] and firsts[0] != firsts[1]
    envs[0].step(envs[0].walkthrough()[0])
    assert envs[2].reset(seed=0)[0] == firsts[0]  # a copy's moves do not touch another
    rounds, steps = 10, 0
    start = time.perf_counter()
    for _ in range(rounds):
        for env in envs:
            env.reset(seed=0)
    reset = (time.perf_counter() - start) / (rounds * len(envs))
    start = time.perf_counter()
    for env in envs:
        env.reset(seed=1)
        for command in ["look", "inventory"] * 5:
            env.step(command)
            steps += 1
    step = (time.perf_counter() - start) / steps
    print(f"\ntextworld: reset {reset * 1e3:.1f} ms, step {step * 1e3:.1f} ms (with admissible commands)")


def test_scripted_player_and_registry(cache: Path) -> None:
    cfg = Config()
    cfg.env.name, cfg.env.cache_dir, cfg.env.textworld_level = "textworld", str(cache), 2
    cfg.env.textworld_train_games, cfg.env.textworld_eval_games, cfg.env.max_turns = 2, 1, 20
    env = make_env(cfg.validate().env)
    best = make_scripted_player(cfg.env, seed=0)
    assert isinstance(best, ScriptedPlayer)
    best.skill = 1.0
    for seed in (0, 1, 0):
        game = play_scripted(env, best, seed)
        assert game.success and game.total_return == 1 and len(game.turns) == LEVELS[2].quest_length
    sloppy = ScriptedPlayer(level=2, cache_dir=cache, skill=0.3, seed=1)
    games = [play_scripted(env, sloppy, s) for s in (0, 1)]
    assert all(len(g.turns) <= 20 for g in games)
    assert sum(len(g.turns) for g in games) > 2 * LEVELS[2].quest_length


def test_tokenizer_corpus_and_user_errors(cache: Path) -> None:
    env = TextWorldEnv(level=1, train_games=2, eval_games=1, cache_dir=cache)
    corpus = " ".join(env.tokenizer_corpus())
    assert "Valid actions" in corpus and "Goal" in corpus
    with pytest.raises(UserError, match="level"):
        TextWorldEnv(level=9)
    cfg = Config()
    cfg.env.name, cfg.env.textworld_train_games = "textworld", 0
    with pytest.raises(UserError):
        cfg.validate()
