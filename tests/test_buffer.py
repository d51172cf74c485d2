import numpy as np
import pytest

from archer.buffer import ReplayBuffer
from archer.trajectory import Game, Transition


def t(i: int, terminated: bool = False, truncated: bool = False) -> Transition:
    return Transition(f"s{i}", f"a{i}", float(-i), f"s{i + 1}", terminated, truncated)


def test_ring_overwrites_oldest_and_keeps_capacity():
    buf = ReplayBuffer(3)
    for i in range(5):
        buf.add(t(i))
    assert len(buf) == 3
    assert sorted(x.observation for x in buf.items) == ["s2", "s3", "s4"]


def test_sampling_is_uniform_after_wraparound():
    """The reference's randint(0, size) % capacity over-samples low slots once wrapped; ours must not."""
    buf = ReplayBuffer(10)
    for i in range(37):  # wrapped several times, `next` in the middle of the ring
        buf.add(t(i))
    rng = np.random.default_rng(0)
    counts: dict[str, int] = {}
    for _ in range(200):
        for s in buf.sample(100, rng).observations:
            counts[s] = counts.get(s, 0) + 1
    assert set(counts) == {f"s{i}" for i in range(27, 37)}
    freq = np.array(list(counts.values())) / 20_000
    assert np.all(np.abs(freq - 0.1) < 0.01)


@pytest.mark.parametrize("added", [7, 10, 37])  # before the ring fills, exactly full, wrapped
def test_sampling_the_newest_only(added: int):
    buf = ReplayBuffer(10)
    for i in range(added):
        buf.add(t(i))
    rng = np.random.default_rng(0)
    seen = set(buf.sample(2000, rng, newest=4).observations)
    assert seen == {f"s{i}" for i in range(added - 4, added)}
    assert set(buf.sample(2000, rng, newest=100).observations) == {x.observation for x in buf.items}  # capped


def test_done_is_termination_not_truncation():
    buf = ReplayBuffer(10)
    buf.add_games([Game(turns=[t(0), t(1, truncated=True)]), Game(turns=[t(2, terminated=True)])])
    batch = buf.sample(200, np.random.default_rng(1))
    for obs, done in zip(batch.observations, batch.dones):
        assert done == (1.0 if obs == "s2" else 0.0)


def test_state_dict_round_trip():
    buf = ReplayBuffer(4)
    for i in range(6):
        buf.add(t(i))
    other = ReplayBuffer(1)
    other.load_state_dict(buf.state_dict())
    assert other.items == buf.items and other.next == buf.next and other.capacity == 4


def test_each_turn_keeps_the_rewards_to_its_games_end():
    def turn(i: int, reward: float, terminated: bool = False) -> Transition:
        return Transition(f"s{i}", f"a{i}", reward, f"s{i + 1}", terminated)

    buf = ReplayBuffer(3)
    buf.add_games([Game(turns=[turn(0, 0.0), turn(1, -1.0), turn(2, 5.0, terminated=True)])])
    assert buf.futures == [(0.0, -1.0, 5.0), (-1.0, 5.0), (5.0,)]
    buf.add(turn(3, 1.0))  # a lone transition: its game is unknown
    assert buf.futures[0] is None  # the ring overwrote slot 0 together with its rewards
    batch = buf.sample(100, np.random.default_rng(0))
    for obs, future in zip(batch.observations, batch.future_rewards):
        assert future == {"s1": (-1.0, 5.0), "s2": (5.0,), "s3": None}[obs]
    other = ReplayBuffer(1)
    other.load_state_dict(buf.state_dict())
    assert other.futures == buf.futures
    old = {k: v for k, v in buf.state_dict().items() if k != "futures"}  # a checkpoint from before
    other.load_state_dict(old)
    assert other.futures == [None, None, None]


def test_empty_buffer_refuses_to_sample():
    with pytest.raises(RuntimeError):
        ReplayBuffer(2).sample(1, np.random.default_rng(0))
