"""Filtered BC's selection and step; CHAI's best-of-k choice, its agent and its critic steps."""

import numpy as np
import torch

from archer.baselines.chai import CHAIAgent, best_of_k, critic_steps
from archer.baselines.filtered_bc import filtered_bc_step, top_fraction
from archer.buffer import ReplayBuffer
from archer.config import Config
from archer.models.critic import make_target
from archer.models.policy import Policy, Utterances
from archer.trajectory import Transition
from tests.baselines.tiny import STATES, snapshot, unchanged


def test_top_fraction_keeps_the_best_and_breaks_ties_toward_recent_games():
    returns = [-5, -2, -9, -2, -1, -7, -3, -4, -6, -8, -2]  # 11 games: keep ⌈1.1⌉ = 2
    assert top_fraction(returns, 0.1) == [4, 10]  # -1, then the latest of the three -2s
    assert len(top_fraction([0.0] * 30, 0.1)) == 3  # 0.1 · 30 is 3.0000000000000004 in floats
    assert top_fraction([-3.0], 0.1) == [0]  # at least one game
    assert top_fraction([1.0, 3.0, 2.0], 1.0) == [1, 2, 0]


def test_filtered_bc_step_trains_every_policy_parameter(policy: Policy):
    turns = [Transition(STATES[0], "Is it 4?", -1.0, STATES[1], False), Transition(STATES[1], "It is 2", 0.0, "", True)]
    before = snapshot(policy.model.named_parameters())
    opt = torch.optim.Adam(policy.model.parameters(), lr=1e-2)
    losses = [filtered_bc_step(policy, turns, opt, 1.0)["filtered_bc/loss"] for _ in range(3)]
    assert losses[-1] < losses[0]
    assert unchanged(before, policy.model.named_parameters()) == []


def test_best_of_k_takes_the_argmax_of_min_q_per_state():
    q1 = torch.tensor([1.0, 5.0, 2.0, -1.0, -3.0, 0.0])
    q2 = torch.tensor([3.0, 0.0, 2.0, -2.0, 4.0, -0.5])
    # min: [1, 0, 2] and [-2, -3, -0.5]; Q1 alone would pick candidate 1 of the first state
    assert best_of_k(q1, q2, 3).tolist() == [2, 2]


class _Candidates:
    """A policy stub that proposes fixed candidates, and a target critic stub that likes 'good'."""

    def sample(self, states: list[str], greedy: bool = False) -> Utterances:
        texts = ["bad", "good", "meh"] * (len(states) // 3)
        return Utterances(texts, [[i] for i in range(len(texts))])

    def __call__(self, states: list[str], actions: list[str]):  # type: ignore[no-untyped-def]
        q = torch.tensor([{"bad": -5.0, "good": 1.0, "meh": 0.0}[a] for a in actions])
        return q, q + 0.5, None, None


def test_chai_agent_plays_the_target_critics_favourite():
    stub = _Candidates()
    agent = CHAIAgent(stub, stub, k=3)  # type: ignore[arg-type]
    out = agent.sample(["s1", "s2"])
    assert out.texts == ["good", "good"] and out.token_ids == [[1], [4]]


def test_chai_critic_steps_train_every_critic_parameter_and_never_the_policy(tiny_cfg: Config, policy: Policy, critic):
    buffer = ReplayBuffer(50)
    for k in range(1, 5):
        buffer.add(Transition(STATES[0], f"Is it {k}?", -1.0, STATES[1], False))
        buffer.add(Transition(STATES[1], f"It is {k}", 0.0, STATES[1] + "Yes.\n", True))
    target = make_target(critic)
    agent = CHAIAgent(policy, target, k=2)
    before, policy_before = snapshot(critic.named_parameters()), snapshot(policy.model.named_parameters())
    opt = torch.optim.Adam(critic.parameters(), lr=1e-2)
    cfg = Config()
    cfg.archer.batch_size = 4
    metrics = critic_steps(critic, target, agent, buffer, opt, cfg, 3, np.random.default_rng(0))
    assert np.isfinite(metrics["critic/loss"])
    assert unchanged(before, critic.named_parameters()) == []
    assert unchanged(policy_before, policy.model.named_parameters()) == list(policy_before)
