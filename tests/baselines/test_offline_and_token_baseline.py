"""Offline ArCHer's expectile and AWR losses, ArCHer's token-level baseline: by hand and a few steps."""

import copy
import math

import numpy as np
import torch

from archer.actor_update import policy_gradient_loss
from archer.baselines.offline_archer import (
    awr_actor_step,
    awr_loss,
    awr_weights,
    expectile_loss,
    iql_critic_loss,
    iql_critic_step,
)
from archer.buffer import ReplayBuffer
from archer.models.critic import make_target
from archer.models.policy import Policy
from archer.models.token_value import build_token_value
from archer.token_baseline import (
    TokenBaseline,
    actor_step_with_token_baseline,
    residual_advantage,
    token_baseline_loss,
    token_policy_gradient_loss,
)
from archer.trajectory import Transition
from tests.baselines.tiny import STATES, snapshot, unchanged


def test_expectile_loss_by_hand():
    u = torch.tensor([1.0, -2.0])  # target - prediction
    assert abs(expectile_loss(u, 0.9).item() - (0.9 * 1 + 0.1 * 4) / 2) < 1e-6
    assert abs(expectile_loss(u, 0.5).item() - 0.5 * (1 + 4) / 2) < 1e-6  # SARSA: half the MSE


def test_iql_critic_loss_pairs_heads_and_fits_v_by_expectile():
    q1, q2 = torch.tensor([1.0]), torch.tensor([0.0])
    v1, v2 = torch.tensor([0.0]), torch.tensor([3.0])
    y1, y2 = torch.tensor([0.0]), torch.tensor([2.0])
    tq1, tq2 = torch.tensor([2.0]), torch.tensor([1.0])
    total, q_part, v_part = iql_critic_loss(q1, q2, v1, v2, y1, y2, tq1, tq2, expectile=0.9)
    assert abs(q_part.item() - (1.0 + 4.0)) < 1e-6
    assert abs(v_part.item() - (0.9 * 4.0 + 0.1 * 4.0)) < 1e-6  # u = +2 (V1 below Q̄1), u = -2 (V2 above Q̄2)
    assert abs(total.item() - (q_part + v_part).item()) < 1e-6


def test_awr_weights_are_clipped_and_the_loss_weights_log_likelihoods():
    w = awr_weights(torch.tensor([0.0, 1.0, 10.0]), beta=1.0, max_weight=100.0)
    torch.testing.assert_close(w, torch.tensor([1.0, math.e, 100.0]))
    logp = torch.tensor([[-1.0, -2.0], [-0.5, 0.0], [-1.0, -1.0]], requires_grad=True)
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    loss = awr_loss(w, logp, mask)
    assert abs(loss.item() - -(1 * -3.0 + math.e * -0.5 + 100 * -2.0) / 3) < 1e-4


def test_residual_advantage_and_token_baseline_loss_by_hand():
    adv = torch.tensor([2.0, -1.0])
    baseline = torch.tensor([[0.5, 1.0, 9.0], [0.0, -1.0, -2.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    torch.testing.assert_close(
        residual_advantage(adv, baseline, mask), torch.tensor([[1.5, 1.0, 0.0], [-1.0, 0.0, 1.0]])
    )
    # (0.5-2)² + (1-2)² + (0+1)² + (-1+1)² + (-2+1)² = 5.25 over 5 tokens
    assert abs(token_baseline_loss(baseline, adv, mask).item() - 1.05) < 1e-6
    # with a zero baseline the per-token loss is the plain utterance-level policy gradient
    logp = torch.tensor([[-1.0, -2.0, -9.0], [-0.5, -0.5, -0.5]])
    zero = residual_advantage(adv, torch.zeros_like(baseline), mask)
    torch.testing.assert_close(token_policy_gradient_loss(zero, logp, mask), policy_gradient_loss(adv, logp, mask))


def _transitions() -> ReplayBuffer:
    buffer = ReplayBuffer(50)
    for k in range(1, 5):
        buffer.add(Transition(STATES[0], f"Is it {k}?", -1.0, STATES[1], False))
        buffer.add(Transition(STATES[1], f"It is {k}", 0.0, STATES[1] + "Yes.\n", True))
    return buffer


def test_offline_steps_train_every_critic_and_policy_parameter(policy: Policy, critic):
    buffer, rng = _transitions(), np.random.default_rng(0)
    target = make_target(critic)
    critic_before, before = snapshot(critic.named_parameters()), snapshot(policy.model.named_parameters())
    critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-2)
    actor_opt = torch.optim.Adam(policy.model.parameters(), lr=1e-2)
    for _ in range(3):
        c = iql_critic_step(critic, target, buffer.sample(6, rng), critic_opt, 0.9, 0.5, 1.0, expectile=0.9)
        a = awr_actor_step(policy, critic, buffer.sample(6, rng), actor_opt, 1.0, beta=1.0, max_weight=100.0)
    assert np.isfinite(c["critic/loss"]) and np.isfinite(a["actor/awr_loss"])
    assert unchanged(critic_before, critic.named_parameters()) == []
    assert unchanged(before, policy.model.named_parameters()) == []


def test_token_baseline_step_trains_policy_and_baseline_not_the_critic(policy: Policy, critic):
    with torch.no_grad():  # non-zero Q heads, so that advantages are not all zero
        for head in (critic.q1, critic.q2):
            head[-1].weight.normal_(0, 1.0)
    model = build_token_value("policy", policy, head_hidden=16)
    tb = TokenBaseline(model, torch.optim.Adam(model.parameters(), lr=1e-2))
    reference = Policy(copy.deepcopy(policy.model).requires_grad_(False), policy.tokenizer, policy.max_new_tokens)
    before, tb_before = snapshot(policy.model.named_parameters()), snapshot(model.named_parameters())
    critic_before = snapshot(critic.named_parameters())
    opt = torch.optim.Adam(policy.model.parameters(), lr=1e-2)
    torch.manual_seed(0)
    for _ in range(2):
        m = actor_step_with_token_baseline(
            policy, critic, STATES * 4, opt, 1.0, reference=reference, kl_coef=0.1, token_baseline=tb
        )
    assert np.isfinite(m["actor/loss"]) and np.isfinite(m["actor/token_baseline_loss"])
    assert unchanged(before, policy.model.named_parameters(), skip="wte") == []
    assert unchanged(tb_before, model.named_parameters()) == []
    assert unchanged(critic_before, critic.named_parameters()) == list(critic_before)
