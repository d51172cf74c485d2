import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archer.envs.guess_number import (
    GuessNumberEnv,
    ScriptedPlayer,
    answer,
    candidates_from_transcript,
    optimal_costs,
    optimal_return,
)
from archer.rollout import play_scripted


def test_exact_optimal_values():
    # Expected costs by interval size m = 1..16 (LEARNING.md's table).
    table = [0, 0.5, 1, 1.5, 1.8, 2, 2.286, 2.5, 2.667, 2.8, 2.909, 3.0, 3.154, 3.286, 3.4, 3.5]
    assert [round(c, 3) for c in optimal_costs(16)[1:]] == pytest.approx(table, abs=1e-3)
    assert optimal_return(16) == pytest.approx(-3.5)


def test_oracle_answers():
    assert answer(5, "Is it greater than 4?") == "Yes."
    assert answer(5, "is it greater than 5 ?") == "No."
    assert answer(5, "Is it less than 6?") == "Yes."
    assert answer(5, "Is it at most 5?") == "Yes."
    assert answer(5, "Is it 5?") == "Yes."
    assert answer(5, "Is it 6?") == "No."
    assert answer(5, "What is it?") == "Invalid Question."
    assert answer(5, "") == "Invalid Question."


def test_rewards_termination_and_truncation():
    env = GuessNumberEnv(n=8, max_turns=3)
    obs, info = env.reset(seed=0, options={"number": 6})
    assert obs == "Guess my number from 1 to 8.\n"
    obs, r, term, trunc, info = env.step("Is it greater than 4?")
    assert (r, term, trunc) == (-1.0, False, False) and obs.endswith("Is it greater than 4? Yes.\n")
    obs, r, term, trunc, info = env.step("Is it 6?")
    assert (r, term, trunc, info["success"]) == (0.0, True, False, True)
    env.reset(seed=0, options={"number": 6})
    for _ in range(2):
        assert env.step("Is it 1?")[3] is False
    _, r, term, trunc, info = env.step("Is it 1?")
    assert (r, term, trunc, info["success"]) == (-1.0, False, True, False)
    with pytest.raises(RuntimeError):
        env.step("Is it 2?")


def test_each_block_of_n_seeds_hides_every_number_once():
    env = GuessNumberEnv(n=16)
    held_out = Counter(env.reset(seed=1_000_000 + i)[1]["number"] for i in range(64))
    assert held_out == Counter({k: 4 for k in range(1, 17)})  # the 64 eval games: each number 4 times
    orders = [[env.reset(seed=16 * b + i)[1]["number"] for i in range(16)] for b in range(3)]
    assert all(sorted(o) == list(range(1, 17)) for o in orders)
    assert len({tuple(o) for o in orders}) == 3  # a different order in each block


def test_seeded_determinism():
    a, b = GuessNumberEnv(), GuessNumberEnv()
    assert [a.reset(seed=s)[1]["number"] for s in range(20)] == [b.reset(seed=s)[1]["number"] for s in range(20)]
    assert len({a.reset(seed=s)[1]["number"] for s in range(50)}) > 8


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_hostile_text_never_crashes_and_keeps_one_line_per_turn(text):
    env = GuessNumberEnv(n=16)
    env.reset(seed=1)
    obs, reward, term, trunc, info = env.step(text)
    lines = obs.splitlines()
    assert len(lines) == 2 and reward in (-1.0, 0.0)
    assert lines[1].endswith(("Yes.", "No.", "Invalid Question."))


def test_transcript_parsing_recovers_interval():
    obs = (
        "Guess my number from 1 to 16.\nIs it greater than 8? Yes.\nIs it less than 13? Yes.\nIs it 9? No.\n"
        "hello Invalid Question.\n"
    )
    assert candidates_from_transcript(obs, 16) == (10, 12)


@pytest.mark.parametrize("skill,expected", [(0.0, -7.5), (0.5, -5.31), (1.0, -4.76)])
def test_scripted_player_matches_its_exact_values(skill, expected):
    env = GuessNumberEnv(n=16)
    player = ScriptedPlayer(n=16, skill=skill, seed=0)
    rng = random.Random(0)
    returns = [play_scripted(env, player, rng.randrange(10**9)).total_return for _ in range(3000)]
    assert sum(returns) / len(returns) == pytest.approx(expected, abs=0.12)


def test_scripted_values_agree_with_simulated_returns():
    from archer.envs.guess_number import scripted_values

    assert scripted_values(16, 0.5, 1.0)[16] == pytest.approx(-5.31, abs=0.01)
    assert scripted_values(16, 0.0, 1.0)[16] == pytest.approx(-7.5)
    env, player = GuessNumberEnv(n=16), ScriptedPlayer(n=16, skill=0.7, seed=3)
    rng = random.Random(1)
    discounted = []
    for _ in range(3000):
        game = play_scripted(env, player, rng.randrange(10**9))
        discounted.append(sum(t.reward * 0.9**i for i, t in enumerate(game.turns)))
    assert sum(discounted) / len(discounted) == pytest.approx(scripted_values(16, 0.7, 0.9)[16], abs=0.08)
