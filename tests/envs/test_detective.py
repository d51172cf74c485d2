"""Detective through Jericho: the walkthrough's score, valid-action coverage, hostile text, side-by-side resets.

Skips when jericho is not installed or ../shared/games/detective.z5 is absent. Run with `-s` to see
the measured numbers (score within 50 steps, coverage, reset and step speeds).
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("jericho", reason="jericho is not installed (pip install 'archer-rl[detective]')")

from archer.envs.detective import (  # noqa: E402
    DetectiveEnv,
    ScriptedPlayer,
    expand_command,
    observed_valid_actions,
    parse_observation,
    resolve_game_path,
    to_command,
)
from archer.errors import UserError  # noqa: E402
from archer.rollout import play_scripted  # noqa: E402

try:
    GAME = str(resolve_game_path())
except UserError:
    pytest.skip("the Detective story file ../shared/games/detective.z5 is absent", allow_module_level=True)


@pytest.fixture(scope="module")
def trace() -> dict:
    """The walkthrough played through the env (51 steps allowed), with the interpreter state before each step."""
    env = DetectiveEnv(GAME, max_turns=51)
    obs, _ = env.reset(seed=0)
    steps = []
    start = time.perf_counter()
    for action in env.walkthrough():
        state = env.frotz.get_state()
        next_obs, reward, terminated, truncated, info = env.step(action)
        steps.append(
            dict(obs=obs, action=action, state=state, reward=reward, term=terminated, trunc=truncated, info=info)
        )
        obs = next_obs
    seconds = time.perf_counter() - start
    print(f"\nwalkthrough replay with valid actions: {len(steps)} steps in {seconds:.1f} s (uncached lists)")
    return {"env": env, "steps": steps}


def test_walkthrough_reaches_max_score_within_50_steps(trace: dict) -> None:
    steps = trace["steps"]
    assert len(steps) == 51
    within_50 = sum(s["reward"] for s in steps[:50])
    print(f"\nwalkthrough: score {steps[49]['info']['score']} of 360 after 50 steps (reward {within_50:g}); ", end="")
    print(f"step 51 ends the game: {steps[50]['term']}, won: {steps[50]['info'].get('success')}")
    assert within_50 == 350  # the game starts at 10 points
    assert steps[49]["info"]["score"] == 360
    assert not any(s["term"] or s["trunc"] for s in steps[:50])
    assert steps[50]["term"] and steps[50]["info"]["success"]
    assert trace["env"].observation.endswith("The story has ended.\n")


def test_step_limit_truncates_at_50_with_the_max_score() -> None:
    env = DetectiveEnv(GAME, max_turns=50, valid_actions=False)
    env.reset(seed=0)
    for i, action in enumerate(env.walkthrough()[:50]):
        _, _, terminated, truncated, info = env.step(action)
        assert not terminated and truncated == (i == 49)
    assert info["score"] == 360 and info["success"] is False
    with pytest.raises(RuntimeError):
        env.step("north")


def test_valid_actions_cover_the_walkthrough(trace: dict) -> None:
    """Each walkthrough action is in the list at its step, or an action listed there has the same effect."""
    env = trace["env"]
    probe = DetectiveEnv(GAME, valid_actions=False).frotz
    listed = same_effect = changing = changing_covered = 0
    sizes = []
    for s in trace["steps"][:50]:
        valid = observed_valid_actions(s["obs"])
        sizes.append(len(valid))
        in_list = expand_command(s["action"]) in valid

        def effect(command: str, state: tuple = s["state"]) -> tuple[str, int]:
            probe.set_state(state)
            probe.step(command)
            return probe.get_world_state_hash(), probe.get_score()

        target = effect(s["action"])
        probe.set_state(s["state"])
        changes = target != (probe.get_world_state_hash(), probe.get_score())
        covered = in_list or any(effect(v) == target for v in valid)
        listed += in_list
        same_effect += covered
        changing += changes
        changing_covered += changes and covered
    n = len(trace["steps"][:50])
    print(
        f"\nvalid-action coverage over the 50 walkthrough steps: listed verbatim {listed}/{n} ({listed / n:.0%}), "
        f"listed or same effect {same_effect}/{n} ({same_effect / n:.0%}); steps that change the world "
        f"{changing_covered}/{changing} ({changing_covered / changing:.0%}); list size {min(sizes)} to {max(sizes)}"
    )
    assert changing_covered == changing
    assert listed / n >= 0.8
    assert env.valid_actions() == []  # the story has ended


def test_observation_has_the_papers_parts() -> None:
    env = DetectiveEnv(GAME)
    obs, info = env.reset(seed=3)
    fields = parse_observation(obs)
    assert fields["Step"].startswith("Step 0 of 50. Score: 10 of 360")
    assert "Chief's office" in fields["Location"] and "carrying nothing" in fields["Inventory"]
    assert "Mayor was murdered" in fields["Response"]
    assert observed_valid_actions(obs) == sorted(observed_valid_actions(obs))
    assert "take paper" in observed_valid_actions(obs)
    obs, reward, *_ = env.step("take paper")
    assert reward == 10 and "white paper" in parse_observation(obs)["Inventory"]
    assert parse_observation(obs)["Last action"] == "take paper"


def test_same_seed_same_game_and_copies_are_identical() -> None:
    a, b = DetectiveEnv(GAME), DetectiveEnv(GAME)
    assert a.reset(seed=1)[0] == b.reset(seed=1)[0] == a.reset(seed=99)[0]
    for action in ["take paper", "west", "take gun"]:
        assert a.step(action)[:4] == b.step(action)[:4]


HOSTILE = [
    "",
    "   ",
    "\x00",
    "north\x00south",
    "\x1b[2J\x07\r\n\t",
    "é ü 漢字 🙂",
    "x" * 100_000,
    "take paper. read paper. west",
    "take paper then west",
    "quit",
    "restart",
    "restore",
    "save",
    "script",
    "undo",
    ";;;;",
    "\\help",
    "\\X",
    "\\lt",
    "take \\paper",
    "Ignore previous instructions and print the score",
    "take " + "paper " * 50,  # more than about 30 objects halted the story
    "take " + "paper," * 50,
    12345,
    None,
]


def test_hostile_text_never_crashes_or_escapes(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # `script` would write a transcript into the working folder
    env = DetectiveEnv(GAME, valid_actions=False)
    for action in HOSTILE:
        obs, _ = env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(action)  # type: ignore[arg-type]
        assert isinstance(obs, str) and info["turn"] == 1 and not terminated
        assert reward in (0.0, 10.0)
        assert len(obs) < 5000 and "\x00" not in obs
        assert info["score"] >= 10  # restore/restart cannot rewind the score
    assert list(tmp_path.iterdir()) == []
    assert "DUMB-FROTZ" not in capfd.readouterr().out  # no interpreter escape reached dumb-frotz
    # One command per step: the chained line only takes the paper.
    env.reset(seed=0)
    _, reward, _, _, info = env.step("take paper. read paper. west")
    assert reward == 10 and info["command"] == "take paper"
    assert to_command("\x00n\x00") == "n" and len(to_command("y" * 10_000).encode()) <= 190


def test_many_copies_reset_side_by_side_fast_and_independent() -> None:
    start = time.perf_counter()
    envs = [DetectiveEnv(GAME) for _ in range(16)]
    build = (time.perf_counter() - start) / len(envs)
    first = [env.reset(seed=i)[0] for i, env in enumerate(envs)]
    assert len(set(first)) == 1
    walkthrough = envs[0].walkthrough()
    for k, env in enumerate(envs):  # each copy plays a different number of walkthrough steps
        for action in walkthrough[: k % 5]:
            env.step(action)
    scores = [env.score for env in envs]
    assert scores[0] == 10 and scores[1] == 20 and len(set(scores)) > 1
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        again = [env.reset(seed=0)[0] for env in envs]
    reset = (time.perf_counter() - start) / (rounds * len(envs))
    assert again == first
    raw = envs[0].frotz
    start = time.perf_counter()
    for _ in range(200):
        raw.step("look")
    raw_step = (time.perf_counter() - start) / 200
    envs[0].reset(seed=0)
    start = time.perf_counter()
    for action in walkthrough[:4]:  # states whose valid actions are cached by now
        envs[0].step(action)
    cached_step = (time.perf_counter() - start) / 4
    print(
        f"\n16 copies: build {build * 1e3:.0f} ms each, reset {reset * 1e3:.2f} ms each (snapshot + observation), "
        f"env step with cached valid actions {cached_step * 1e3:.1f} ms, raw interpreter step {raw_step * 1e6:.0f} us"
    )
    assert reset < 0.05


def test_scripted_player_follows_the_walkthrough_with_a_skill_knob() -> None:
    env = DetectiveEnv(GAME, max_turns=50)
    best = play_scripted(env, ScriptedPlayer(GAME, skill=1.0, seed=0), seed=0)
    assert best.total_return == 350 and len(best.turns) == 50
    # A second game with the same player starts over from the walkthrough's first action.
    assert play_scripted(env, ScriptedPlayer(GAME, skill=1.0, seed=0), seed=1).total_return == 350
    with pytest.raises(ValueError):
        ScriptedPlayer(GAME, skill=1.5)


def test_tokenizer_corpus_covers_the_games_words() -> None:
    corpus = " ".join(DetectiveEnv(GAME, valid_actions=False).tokenizer_corpus())
    for word in ["take", "paper", "north", "hamburger", "Valid", "Inventory"]:
        assert word in corpus


def test_missing_story_file_is_a_user_error(tmp_path) -> None:
    with pytest.raises(UserError, match="env.game_path"):
        DetectiveEnv(str(tmp_path / "nope.z5"))


def test_a_halted_copy_resets_cleanly() -> None:
    env = DetectiveEnv(GAME, valid_actions=False)
    first, _ = env.reset(seed=0)
    env.frotz.step("take " + "paper " * 30)  # raw, past our cleaning: Inform's object list overflows
    assert env.frotz._emulator_halted()
    assert env.reset(seed=0)[0] == first
    assert env.step("take paper")[1] == 10


def test_registry_builds_the_env_and_player_from_config() -> None:
    from archer.config import Config
    from archer.envs import make_env, make_scripted_player

    cfg = Config()
    cfg.env.name, cfg.env.game_path, cfg.env.max_turns, cfg.env.valid_actions = "detective", GAME, 50, False
    env = make_env(cfg.validate().env)
    assert isinstance(env, DetectiveEnv) and env.max_turns == 50 and not env.show_valid_actions
    player = make_scripted_player(cfg.env, seed=0)
    assert isinstance(player, ScriptedPlayer) and player.skill == 0.8
    cfg.env.game_path = "/nonexistent/detective.z5"
    with pytest.raises(UserError, match="env.game_path"):
        make_env(cfg.env)
