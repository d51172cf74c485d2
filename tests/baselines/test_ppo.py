"""Token-level PPO: GAE over masked tokens, the clipped objectives by hand, an update that trains everything."""

import copy
import math

import numpy as np
import torch

from archer.baselines.ppo import gae, make_rollout, pack, ppo_policy_loss, ppo_update, ppo_value_loss, unpack
from archer.config import PPOConfig
from archer.models.policy import Policy
from archer.models.token_value import build_token_value
from archer.trajectory import Game, Transition
from tests.baselines.tiny import STATES, snapshot, unchanged

# one game: policy token, policy token (ends utterance 1), environment token, policy token (ends
# utterance 2), padding
MASK = torch.tensor([[1.0, 1.0, 0.0, 1.0, 0.0]])
ENDS = torch.tensor([[0.0, 1.0, 0.0, 1.0, 0.0]])
REWARDS = torch.tensor([[0.0, -1.0, 0.0, -2.0, 0.0]])
VALUES = torch.tensor([[1.0, 2.0, 9.0, 3.0, 7.0]])


def test_gae_skips_environment_tokens_by_hand():
    adv, ret = gae(REWARDS, VALUES, MASK, ENDS, gamma=0.9, lam=0.5)
    # i=3: δ = -2 + 0 - 3 = -5, Â = -5 (last policy token: nothing to bootstrap from)
    # i=2: environment token, skipped: the next policy token of i=1 is i=3
    # i=1: δ = -1 + 0.9·3 - 2 = -0.3, Â = -0.3 + 0.9·0.5·(-5) = -2.55
    # i=0: inside the utterance γ = 1: δ = 0 + 2 - 1 = 1, Â = 1 + 0.5·(-2.55) = -0.275
    torch.testing.assert_close(adv, torch.tensor([[-0.275, -2.55, 0.0, -5.0, 0.0]]))
    torch.testing.assert_close(ret, torch.tensor([[0.725, -0.55, 0.0, -2.0, 0.0]]))


def test_gae_ignores_values_at_masked_positions_and_is_monte_carlo_at_lambda_1():
    other = VALUES.clone()
    other[0, 2], other[0, 4] = -100.0, 55.0  # environment token and padding
    torch.testing.assert_close(
        gae(REWARDS, other, MASK, ENDS, 0.9, 0.5)[0], gae(REWARDS, VALUES, MASK, ENDS, 0.9, 0.5)[0]
    )
    adv, ret = gae(REWARDS, VALUES, MASK, ENDS, gamma=1.0, lam=1.0)
    torch.testing.assert_close(ret, torch.tensor([[-3.0, -3.0, 0.0, -2.0, 0.0]]))  # plain returns-to-go
    torch.testing.assert_close(adv, ret - VALUES * MASK)


def test_gae_rows_are_independent_games():
    two = gae(REWARDS.repeat(2, 1), VALUES.repeat(2, 1), MASK.repeat(2, 1), ENDS.repeat(2, 1), 0.9, 0.5)[0]
    torch.testing.assert_close(two, gae(REWARDS, VALUES, MASK, ENDS, 0.9, 0.5)[0].repeat(2, 1))


def test_ppo_policy_loss_clips_by_hand():
    old = torch.zeros(1, 4)
    logp = torch.tensor([[math.log(1.5), math.log(0.5), math.log(1.1), 5.0]], requires_grad=True)
    adv = torch.tensor([[1.0, -1.0, 2.0, 100.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0]])  # the last token is not the policy's
    loss, clip_frac = ppo_policy_loss(logp, old, adv, mask, clip=0.2)
    # min(1.5·1, 1.2·1) = 1.2;  min(0.5·-1, 0.8·-1) = -0.8;  min(1.1·2, 1.1·2) = 2.2
    assert abs(loss.item() - -(1.2 - 0.8 + 2.2) / 3) < 1e-6
    assert abs(float(clip_frac) - 2 / 3) < 1e-6
    loss.backward()
    # clipped tokens get no gradient; the unclipped one gets -A·ρ/3
    torch.testing.assert_close(logp.grad, torch.tensor([[0.0, 0.0, -2.0 * 1.1 / 3, 0.0]]))


def test_ppo_value_loss_with_and_without_clipping():
    v, old, ret, m = (
        torch.tensor([[2.0, 0.0]]),
        torch.tensor([[1.0, 0.0]]),
        torch.tensor([[3.0, 9.0]]),
        torch.tensor([[1.0, 0.0]]),
    )
    assert abs(ppo_value_loss(v, old, ret, m, clip=0.0).item() - 0.5 * 1.0) < 1e-6
    # clipped value 1 + 0.5 = 1.5 is further from 3: max((2-3)², (1.5-3)²) = 2.25
    assert abs(ppo_value_loss(v, old, ret, m, clip=0.5).item() - 0.5 * 2.25) < 1e-6


def test_pack_puts_each_games_turns_side_by_side(policy: Policy):
    games = [Game([Transition("s", "Is it 1?", -1.0, "s2", False), Transition("s2", "Is it 2?", 0.0, "s3", True)])]
    games.append(Game([Transition("s", "Is it 3?", -1.0, "s4", False)]))
    r = make_rollout(policy, games)
    assert r.game.tolist() == [0, 0, 1] and r.turn.tolist() == [0, 1, 0]
    x = torch.arange(6.0).view(3, 2)
    packed = pack(x, r)  # [2 games, 2 turns * 2]
    torch.testing.assert_close(packed, torch.tensor([[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 0.0, 0.0]]))
    torch.testing.assert_close(unpack(packed, r, 2), x)


def test_ppo_update_trains_every_policy_and_value_parameter(policy: Policy):
    torch.manual_seed(0)
    value = build_token_value("policy", policy, head_hidden=16)
    reference = Policy(copy.deepcopy(policy.model).requires_grad_(False), policy.tokenizer, policy.max_new_tokens)
    games = []
    for k, state in enumerate(STATES * 2):
        games.append(Game([Transition(state, policy.sample([state]).texts[0], -1.0 - k, state + "x\n", k % 2 == 0)]))
    rollout = make_rollout(policy, games)
    before, value_before = snapshot(policy.model.named_parameters()), snapshot(value.named_parameters())
    ref_before = snapshot(reference.model.named_parameters())
    pcfg = PPOConfig(epochs=2, minibatch_size=2, kl_coef=0.1)
    opt = torch.optim.Adam(policy.model.parameters(), lr=1e-2)
    value_opt = torch.optim.Adam(value.parameters(), lr=1e-2)
    m = ppo_update(policy, value, reference, rollout, opt, value_opt, pcfg, 0.9, 1.0, np.random.default_rng(0))
    assert all(math.isfinite(v) for v in m.values())
    assert m["ppo/tokens"] > 0 and 0.0 <= m["ppo/clip_frac"] <= 1.0
    assert unchanged(before, policy.model.named_parameters(), skip="wte") == []
    assert unchanged(value_before, value.named_parameters()) == []
    assert unchanged(ref_before, reference.model.named_parameters()) == list(ref_before)  # the anchor never moves


def test_first_ppo_minibatch_sees_ratio_one(policy: Policy):
    torch.manual_seed(0)
    for module in policy.model.modules():  # strong dropout would make ρ != 1 if the update ran in train mode
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.5
    value = build_token_value("policy", policy, head_hidden=16)
    games = [Game([Transition(s, policy.sample([s]).texts[0], -1.0, s + "x\n", True)]) for s in STATES]
    pcfg = PPOConfig(epochs=1, minibatch_size=8, kl_coef=0.0)
    opt = torch.optim.SGD(policy.model.parameters(), lr=0.0)  # no movement: every ratio stays 1
    m = ppo_update(
        policy,
        value,
        None,
        make_rollout(policy, games),
        opt,
        torch.optim.SGD(value.parameters(), lr=0.0),
        pcfg,
        0.9,
        1.0,
        np.random.default_rng(0),
    )
    assert m["ppo/clip_frac"] == 0.0 and abs(m["ppo/approx_kl"]) < 1e-6
