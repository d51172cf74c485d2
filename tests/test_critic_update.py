import numpy as np
import torch
from torch import nn

from archer.buffer import ReplayBuffer
from archer.critic_update import (
    GreedyActions,
    critic_loss,
    critic_step,
    discounted_returns,
    mix_returns,
    polyak_update,
    td_targets,
)
from archer.models.critic import make_target
from archer.models.policy import Utterances
from archer.trajectory import Game, Transition


def test_td_targets_by_hand():
    r = torch.tensor([-1.0, 0.0, -1.0])
    done = torch.tensor([0.0, 1.0, 0.0])
    v1 = torch.tensor([-2.0, -5.0, 0.5])
    v2 = torch.tensor([-3.0, -7.0, 1.0])
    y1, y2 = td_targets(r, done, v1, v2, gamma=0.9)
    torch.testing.assert_close(y1, torch.tensor([-1 + 0.9 * -2.0, 0.0, -1 + 0.9 * 0.5]))
    torch.testing.assert_close(y2, torch.tensor([-1 + 0.9 * -3.0, 0.0, -1 + 0.9 * 1.0]))


def test_critic_loss_pairs_heads_and_is_plain_mse():
    q1, q2 = torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0])
    v1, v2 = torch.tensor([0.0, 1.0]), torch.tensor([3.0, 3.0])
    y1, y2 = torch.tensor([0.0, 0.0]), torch.tensor([1.0, 1.0])
    tq1, tq2 = torch.tensor([0.0, 0.0]), torch.tensor([2.0, 4.0])
    total, q_part, v_part = critic_loss(q1, q2, v1, v2, y1, y2, tq1, tq2)
    assert float(q_part) == (1 + 4) / 2 + (1 + 1) / 2  # Q1 vs y1, Q2 vs y2
    assert float(v_part) == (0 + 1) / 2 + (1 + 1) / 2  # V1 vs Q̄1, V2 vs Q̄2
    assert float(total) == float(q_part) + float(v_part)


def test_critic_loss_sends_no_gradient_into_targets():
    y = torch.zeros(2, requires_grad=True)
    q = torch.ones(2, requires_grad=True)
    total, _, _ = critic_loss(q, q, q, q, y, y, y, y)
    total.backward()
    assert y.grad is None and q.grad is not None


def test_polyak_update_by_hand():
    online, target = nn.Linear(2, 1), nn.Linear(2, 1)
    with torch.no_grad():
        online.weight.fill_(1.0), online.bias.fill_(2.0)
        target.weight.fill_(0.0), target.bias.fill_(-2.0)
    polyak_update(target, online, tau=0.25)
    torch.testing.assert_close(target.weight, torch.full((1, 2), 0.25))
    torch.testing.assert_close(target.bias, torch.tensor([-2.0 * 0.75 + 2.0 * 0.25]))
    polyak_update(target, online, tau=1.0)
    torch.testing.assert_close(target.weight, online.weight)


def test_critic_step_changes_every_critic_parameter_and_moves_target(policy, critic):
    buf = ReplayBuffer(100)
    s0 = "Guess my number from 1 to 8.\n"
    for k in range(1, 7):
        s1 = s0 + f"Is it {k}? No.\n"
        buf.add(Transition(s0, f"Is it {k}?", -1.0, s1, False))
        buf.add(Transition(s1, f"Is it {k + 1}?", 0.0, s1 + f"Is it {k + 1}? Yes.\n", True))
    target = make_target(critic)
    before = {n: p.detach().clone() for n, p in critic.named_parameters()}
    target_before = {n: p.detach().clone() for n, p in target.named_parameters()}
    opt = torch.optim.Adam(critic.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    losses = [
        critic_step(critic, target, policy, buf.sample(8, rng), opt, 0.9, 0.5, 1.0)["critic/loss"] for _ in range(3)
    ]
    assert all(np.isfinite(losses))
    unchanged = [n for n, p in critic.named_parameters() if torch.equal(p, before[n])]
    assert unchanged == [], f"parameters that did not train: {unchanged}"
    assert all(not torch.equal(p, target_before[n]) for n, p in target.named_parameters())
    assert all(not p.requires_grad for p in target.parameters())
    # policy parameters are never touched by a critic step
    assert all(p.grad is None for p in policy.model.parameters())


def test_critic_step_learns_scaled_rewards(policy, critic):
    buf = ReplayBuffer(10)
    s0 = "Guess my number from 1 to 8.\n"
    for k in range(1, 5):
        buf.add(Transition(s0, f"Is it {k}?", -3.0, s0 + f"Is it {k}? No.\n", True))  # terminal: y = r × scale
    opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
    batch = buf.sample(4, np.random.default_rng(0))
    scaled = critic_step(critic, make_target(critic), policy, batch, opt, 0.9, 0.1, 1.0, reward_scale=0.01)
    assert abs(scaled["critic/td_target_mean"] - (-0.03)) < 1e-6


def test_discounted_returns_and_their_mix_into_the_q_target():
    returns = discounted_returns([(0.0, -1.0, 5.0), (5.0,), None], gamma=0.5)
    np.testing.assert_allclose(returns[:2], [0.0 - 0.5 + 0.25 * 5.0, 5.0])
    assert np.isnan(returns[2])
    y = torch.tensor([1.0, 1.0, 1.0])
    mixed = mix_returns(y, torch.as_tensor(returns), weight=0.25)
    torch.testing.assert_close(mixed, torch.tensor([0.75 + 0.25 * 0.75, 0.75 + 0.25 * 5.0, 1.0]))  # unknown: TD


def test_critic_step_with_full_mc_weight_regresses_q_to_the_games_return(policy, critic):
    buf = ReplayBuffer(10)
    s0 = "Guess my number from 1 to 8.\n"
    s1 = s0 + "Is it 1? No.\n"
    buf.add_games([Game(turns=[Transition(s0, "Is it 1?", -1.0, s1, False),
                               Transition(s1, "Is it 2?", 3.0, s1 + "Is it 2? Yes.\n", True)])])  # fmt: skip
    batch = buf.sample(16, np.random.default_rng(0))
    opt = torch.optim.SGD(critic.parameters(), lr=0.0)
    metrics = critic_step(critic, make_target(critic), policy, batch, opt, 0.5, 0.1, 1.0, mc_weight=1.0)
    expected = np.mean([-1.0 + 0.5 * 3.0 if o == s0 else 3.0 for o in batch.observations])
    assert abs(metrics["critic/td_target_mean"] - expected) < 1e-5  # no bootstrap through V̄ at all


class _Spy:
    """A Sampler that records how it was asked and answers with fixed text."""

    def __init__(self) -> None:
        self.greedy_flags: list[bool] = []

    def sample(self, states: list[str], greedy: bool = False) -> Utterances:
        self.greedy_flags.append(greedy)
        return Utterances(["Is it 2?"] * len(states), [[0]] * len(states))


def test_greedy_v_target_asks_the_policy_for_its_greedy_utterance(critic):
    # archer.v_target=greedy: V(s) <- Q̄(s, greedy(s)), the value of greedy play at s.
    spy = _Spy()
    buf = ReplayBuffer(10)
    s0 = "Guess my number from 1 to 8.\n"
    buf.add(Transition(s0, "Is it 1?", -1.0, s0 + "Is it 1? No.\n", True))
    batch = buf.sample(1, np.random.default_rng(0))
    opt = torch.optim.SGD(critic.parameters(), lr=0.0)
    critic_step(critic, make_target(critic), spy, batch, opt, 0.9, 0.1, 1.0)
    critic_step(critic, make_target(critic), GreedyActions(spy), batch, opt, 0.9, 0.1, 1.0)
    assert spy.greedy_flags == [False, True]  # the paper's sampled a', then the greedy one
