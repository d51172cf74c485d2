from archer.envs.base import VectorTextEnv
from archer.envs.guess_number import GuessNumberEnv
from archer.models.policy import Utterances
from archer.rollout import play_games


class ScriptedPolicy:
    """Guesses 1, 2, 3, ... : game with hidden number h ends after h turns. Records batch sizes."""

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def sample(self, states: list[str], greedy: bool = False) -> Utterances:
        self.batch_sizes.append(len(states))
        return Utterances([f"Is it {s.count(chr(10))}?" for s in states], [[] for _ in states])


def test_finished_games_leave_the_generation_batch():
    envs = [GuessNumberEnv(n=4, max_turns=10) for _ in range(4)]
    venv = VectorTextEnv(envs)
    policy = ScriptedPolicy()
    # pick seeds whose hidden numbers are 1..4 so the games end one per turn
    seeds = []
    for number in range(1, 5):
        seeds.append(next(s for s in range(1000) if GuessNumberEnv(n=4).reset(seed=s)[1]["number"] == number))
    games = play_games(policy, venv, seeds)  # type: ignore[arg-type]
    assert policy.batch_sizes == [4, 3, 2, 1]
    assert [len(g.turns) for g in games] == [1, 2, 3, 4]
    assert all(g.success for g in games)
    assert all(g.turns[-1].terminated and not g.turns[-1].truncated for g in games)
    for g in games:  # each transition's next state is the following one's state
        for a, b in zip(g.turns, g.turns[1:]):
            assert a.next_observation == b.observation


class TwoFacedPolicy:
    """Asks "Is it 1?" when greedy and "Is it 2?" when sampling; records each call's (greedy, batch size)."""

    def __init__(self) -> None:
        self.calls: list[tuple[bool, int]] = []

    def sample(self, states: list[str], greedy: bool = False) -> Utterances:
        self.calls.append((greedy, len(states)))
        text = "Is it 1?" if greedy else "Is it 2?"
        return Utterances([text] * len(states), [[int(greedy)] for _ in states])


def test_the_first_greedy_games_are_played_greedily_and_the_rest_sampled():
    venv = VectorTextEnv([GuessNumberEnv(n=4, max_turns=3) for _ in range(5)])
    policy = TwoFacedPolicy()
    token_ids: list[list[list[int]]] = []
    games = play_games(policy, venv, [0, 1, 2, 3, 4], token_ids=token_ids, greedy_games=2)  # type: ignore[arg-type]
    assert [g.turns[0].action for g in games] == ["Is it 1?"] * 2 + ["Is it 2?"] * 3
    assert all(t.action == games[i].turns[0].action for i in range(5) for t in games[i].turns)
    assert [ids[0] for ids in token_ids] == [[1], [1], [0], [0], [0]]  # each game keeps its own tokens
    assert policy.calls[0] == (True, 2) and policy.calls[1] == (False, 3)
    # without greedy games one call per turn, as before
    policy = TwoFacedPolicy()
    play_games(policy, venv, [0, 1, 2, 3, 4])  # type: ignore[arg-type]
    assert all(greedy is False for greedy, _ in policy.calls)
