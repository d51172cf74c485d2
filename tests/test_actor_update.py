import copy

import torch

from archer.actor_update import actor_step, advantage, kl_penalty, policy_gradient_loss
from archer.models.policy import Policy


def test_advantage_is_min_q_minus_min_v():
    q1, q2 = torch.tensor([1.0, -2.0]), torch.tensor([0.5, -1.0])
    v1, v2 = torch.tensor([0.0, -3.0]), torch.tensor([0.2, -4.0])
    torch.testing.assert_close(advantage(q1, q2, v1, v2), torch.tensor([0.5 - 0.0, -2.0 - -4.0]))


def test_policy_gradient_loss_by_hand():
    adv = torch.tensor([2.0, -1.0])
    logp = torch.tensor([[-1.0, -2.0, -9.0], [-0.5, -0.5, -0.5]], requires_grad=True)
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    loss = policy_gradient_loss(adv, logp, mask)
    # -(2 * (-3) + (-1) * (-1.5)) / 2 = -(-6 + 1.5) / 2 = 2.25 ; the masked -9 is ignored
    assert abs(loss.item() - 2.25) < 1e-6
    loss.backward()
    torch.testing.assert_close(logp.grad, torch.tensor([[-1.0, -1.0, 0.0], [0.5, 0.5, 0.5]]))


def test_kl_penalty_zero_at_reference_and_positive_elsewhere():
    logp = torch.tensor([[-1.0, -2.0]])
    mask = torch.ones_like(logp)
    assert float(kl_penalty(logp, logp, mask)) == 0.0
    value = float(kl_penalty(logp, logp - 0.5, mask))
    assert abs(value - (torch.exp(torch.tensor(-0.5)) + 0.5 - 1).item()) < 1e-6


def test_actor_step_changes_every_policy_parameter_and_not_the_critic(policy: Policy, critic):
    # Give the critic non-zero heads so advantages are not all zero.
    with torch.no_grad():
        for head in (critic.q1, critic.q2):
            head[-1].weight.normal_(0, 1.0)
    reference = Policy(copy.deepcopy(policy.model).requires_grad_(False), policy.tokenizer, policy.max_new_tokens)
    before = {n: p.detach().clone() for n, p in policy.model.named_parameters()}
    critic_before = {n: p.detach().clone() for n, p in critic.named_parameters()}
    opt = torch.optim.Adam(policy.model.parameters(), lr=1e-2)
    states = ["Guess my number from 1 to 8.\n", "Guess my number from 1 to 8.\nIs it 3? No.\n"] * 4
    torch.manual_seed(0)
    metrics = [actor_step(policy, critic, states, opt, 1.0, reference=reference, kl_coef=0.1) for _ in range(2)]
    assert all(torch.isfinite(torch.tensor(m["actor/loss"])) for m in metrics)
    # Embeddings of tokens never sampled get no gradient; everything else must have moved.
    unchanged = [n for n, p in policy.model.named_parameters() if torch.equal(p, before[n]) and "wte" not in n]
    assert unchanged == [], f"parameters that did not train: {unchanged}"
    assert all(torch.equal(p, critic_before[n]) for n, p in critic.named_parameters())


def test_group_advantage_leave_one_out_by_hand():
    from archer.actor_update import group_advantage

    q = torch.tensor([1.0, 2.0, 3.0, 10.0, 10.0, 10.0])  # two states, three samples each
    adv = group_advantage(q, 3)
    torch.testing.assert_close(adv, torch.tensor([1 - 2.5, 2 - 2.0, 3 - 1.5, 0.0, 0.0, 0.0]))
    # a constant offset per state (a critic's level error) changes nothing
    torch.testing.assert_close(group_advantage(q + torch.tensor([5.0] * 3 + [-7.0] * 3), 3), adv)


def test_centered_baseline_subtracts_the_batch_mean_of_the_paper_advantage(policy: Policy, critic):
    from archer.actor_update import sampled_advantages

    with torch.no_grad():
        for head in (critic.q1, critic.q2, critic.v1, critic.v2):
            head[-1].weight.normal_(0, 1.0)
    states = ["Guess my number from 1 to 8.\n", "Guess my number from 1 to 8.\nIs it 3? No.\n"] * 3
    torch.manual_seed(0)
    _, fresh, paper = sampled_advantages(policy, critic, states, 1, "v")
    torch.manual_seed(0)
    _, fresh_c, centered = sampled_advantages(policy, critic, states, 1, "centered")
    assert fresh_c.texts == fresh.texts  # same utterances under the same seed
    assert abs(float(paper.mean())) > 1e-3  # the paper's A has a batch-level offset here ...
    torch.testing.assert_close(centered, paper - paper.mean())  # ... that the centered one removes
    assert abs(float(centered.mean())) < 1e-6
    torch.manual_seed(0)
    _, _, unscaled = sampled_advantages(policy, critic, states, 1, "v", reward_scale=0.01)
    torch.testing.assert_close(unscaled, paper * 100)  # a scaled critic's advantages back in game units
