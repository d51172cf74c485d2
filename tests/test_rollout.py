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
