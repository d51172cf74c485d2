"""The low-level learner: the critic's advantage and the token-level policy gradient.

For states s from the replay buffer (the buffer's own actions are not used) and a fresh
utterance a ~ π(·|s) of tokens a_1..a_L:

    A(s, a) = min(Q1, Q2)(s, a) - min(V1, V2)(s)                 (online critic, no gradient)
    L_PG    = -mean_batch[ A(s, a) · Σ_t log π(a_t | s, a_<t) ]   (one advantage per utterance)
    L_KL    = mean over tokens of k3(π, π_ref),  k3 = exp(log π_ref - log π) - (log π_ref - log π) - 1
    L       = L_PG + β_KL · L_KL

The KL term (off when `kl_coef` = 0; not in the paper) keeps the actor near its behaviour-cloned
start, where the critic has seen data: without it a tiny policy drifts to text the critic never
saw and whose values are arbitrary (measured: invalid utterances took over).
"""

from __future__ import annotations

import torch

from archer.distributed import average_gradients
from archer.models.critic import DoubleCritic
from archer.models.policy import Policy, Utterances


def advantage(q1: torch.Tensor, q2: torch.Tensor, v1: torch.Tensor, v2: torch.Tensor) -> torch.Tensor:
    """A = min(Q1, Q2) - min(V1, V2), each [B]."""
    return torch.minimum(q1, q2) - torch.minimum(v1, v2)


def group_advantage(q: torch.Tensor, group: int) -> torch.Tensor:
    """A_i = Q_i - mean_{j != i} Q_j over the `group` utterances sampled at the same state.

    q is [B * group] with each state's samples adjacent. The per-state baseline cancels any error
    the critic makes in a state's overall level (the V heads' error), leaving only the Q heads'
    ranking of the utterances. group = 1 has no baseline to take and is refused.
    """
    if group < 2:
        raise ValueError("a group advantage needs at least 2 utterances per state")
    q = q.view(-1, group)  # [B, G]
    others = (q.sum(-1, keepdim=True) - q) / (group - 1)  # leave-one-out mean, [B, G]
    return (q - others).reshape(-1)


def policy_gradient_loss(adv: torch.Tensor, token_logp: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """-mean_b( A_b · Σ_t mask_bt log π_bt ); adv [B] (no gradient), token_logp and mask [B, T]."""
    return -(adv.detach() * (token_logp * mask).sum(-1)).mean()


def kl_penalty(token_logp: torch.Tensor, ref_token_logp: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over utterance tokens of the k3 estimate of KL(π || π_ref) at the sampled tokens (>= 0)."""
    log_ratio = (ref_token_logp.detach() - token_logp) * mask  # [B, T]
    k3 = (torch.exp(log_ratio) - log_ratio - 1.0) * mask
    return k3.sum() / mask.sum().clamp(min=1.0)


def sampled_advantages(
    policy: Policy,
    critic: DoubleCritic,
    states: list[str],
    samples_per_state: int,
    baseline: str,
    reward_scale: float = 1.0,
) -> tuple[list[str], Utterances, torch.Tensor]:
    """Sample `samples_per_state` utterances a ~ π(·|s) per state and their advantages (no gradient).

    Returns the repeated states (each state's samples adjacent), the utterances, and A: the
    paper's min Q - min V for baseline "v", the same minus its batch mean for "centered", and
    `group_advantage` on min(Q1, Q2) for "group". A critic trained on rewards × `reward_scale`
    has its advantages divided by it: the actor always sees them in the game's units.
    """
    states = [s for s in states for _ in range(samples_per_state)]  # each state's samples adjacent
    with torch.no_grad():
        fresh = policy.sample(states)  # a ~ π(·|s)
        q1, q2, v1, v2 = critic(states, fresh.texts)
        if baseline == "group":
            adv = group_advantage(torch.minimum(q1, q2), samples_per_state)  # [B * G]
        else:
            adv = advantage(q1, q2, v1, v2)  # [B]
            if baseline == "centered":
                adv = adv - adv.mean()  # a level error shared by the batch's states cancels
    return states, fresh, adv / reward_scale


def actor_step(
    policy: Policy,
    critic: DoubleCritic,
    states: list[str],
    optimizer: torch.optim.Optimizer,
    grad_clip: float,
    reference: Policy | None = None,
    kl_coef: float = 0.0,
    samples_per_state: int = 1,
    baseline: str = "v",
    reward_scale: float = 1.0,
) -> dict[str, float]:
    """One policy-gradient step at `states`. Returns `actor/...` metrics.

    baseline "v" is the paper's A = min Q - min V; "group" samples `samples_per_state`
    utterances per state and uses `group_advantage` on min(Q1, Q2).
    """
    states, fresh, adv = sampled_advantages(policy, critic, states, samples_per_state, baseline, reward_scale)
    state_ids = policy.encode_states(states)
    token_logp, mask = policy.token_log_probs(state_ids, fresh.token_ids)  # [B, T] each
    pg = policy_gradient_loss(adv, token_logp, mask)
    kl = torch.zeros((), device=token_logp.device)
    if reference is not None and kl_coef > 0:
        with torch.no_grad():
            ref_logp, _ = reference.token_log_probs(state_ids, fresh.token_ids)
        kl = kl_penalty(token_logp, ref_logp, mask)
    loss = pg + kl_coef * kl
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    average_gradients(policy.model.parameters())  # mean over processes; a no-op in one process
    grad_norm = torch.nn.utils.clip_grad_norm_(policy.model.parameters(), grad_clip)  # the actor's own norm
    optimizer.step()
    return {
        "actor/loss": loss.item(),
        "actor/pg_loss": pg.item(),
        "actor/kl": kl.item(),
        "actor/advantage_mean": float(adv.mean()),
        "actor/advantage_std": float(adv.std()) if adv.numel() > 1 else 0.0,
        "actor/logp_mean": token_logp.sum(-1).mean().item(),
        "actor/grad_norm": float(grad_norm),
    }
