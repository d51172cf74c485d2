"""The high-level learner: TD targets, the critic loss, and the Polyak update, as plain functions.

For a batch of transitions (s, a, r, s', done) and a fresh utterance a' ~ π(·|s):

    y_Qk = r + γ (1 - done) V̄_k(s')          k = 1, 2   (Q_k regressed to y_Qk)
    y_Vk = Q̄_k(s, a')                          k = 1, 2   (V_k regressed to y_Vk)
    L    = Σ_k (Q_k(s,a) - y_Qk)² + (V_k(s) - y_Vk)²        (batch means)

With `archer.v_target=greedy` the V target's action is the policy's greedy utterance instead
(`GreedyActions`): V(s) <- Q̄(s, greedy(s)), so Q and V are the values of greedy play, the
policy that evaluation measures, learned off-policy from the sampled transitions.

With `archer.mc_weight` = w > 0 the Q target mixes in G, the discounted return the game actually
gave from this turn (its reward and the later ones of its game, kept by the replay buffer):

    y_Qk = (1 - w) (r + γ (1 - done) V̄_k(s')) + w G,    G = Σ_j γ^j r_{t+j}

G needs no bootstrap through V̄, so a late reward reaches early turns at once; it is the value of
the policy that played the game (the demonstrator's or an older policy's), not the current one.

The bar marks the target critic. Heads are paired (Q1 with V̄1, V1 with Q̄1, ...) with no min
inside the targets, as the authors' code does; the min appears only in the actor's advantage.
After every optimizer step the target moves: θ̄ <- (1 - τ) θ̄ + τ θ.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from archer.buffer import Batch
from archer.distributed import average_gradients
from archer.models.critic import DoubleCritic
from archer.models.policy import Sampler, Utterances


def td_targets(
    reward: torch.Tensor, done: torch.Tensor, target_v1_next: torch.Tensor, target_v2_next: torch.Tensor, gamma: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """y_Qk = r + γ (1 - done) V̄_k(s'), each [B]."""
    return reward + gamma * (1.0 - done) * target_v1_next, reward + gamma * (1.0 - done) * target_v2_next


def discounted_returns(future_rewards: list[tuple[float, ...] | None], gamma: float) -> np.ndarray:
    """G = Σ_j γ^j r_{t+j} for each transition's rewards from its turn to its game's end; NaN where unknown."""
    return np.array(
        [np.nan if f is None else float(np.dot(np.power(gamma, np.arange(len(f))), f)) for f in future_rewards],
        dtype=np.float32,
    )


def mix_returns(y_q: torch.Tensor, returns: torch.Tensor, weight: float) -> torch.Tensor:
    """(1 - w) y_Q + w G, keeping y_Q where G is unknown (NaN)."""
    return torch.where(torch.isnan(returns), y_q, (1.0 - weight) * y_q + weight * returns)


def critic_loss(
    q1: torch.Tensor,
    q2: torch.Tensor,
    v1: torch.Tensor,
    v2: torch.Tensor,
    y_q1: torch.Tensor,
    y_q2: torch.Tensor,
    target_q1: torch.Tensor,
    target_q2: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(total, q part, v part): MSE of Q_k to y_Qk plus MSE of V_k to Q̄_k(s, a'); targets carry no gradient."""
    q_loss = F.mse_loss(q1, y_q1.detach()) + F.mse_loss(q2, y_q2.detach())
    v_loss = F.mse_loss(v1, target_q1.detach()) + F.mse_loss(v2, target_q2.detach())
    return q_loss + v_loss, q_loss, v_loss


@torch.no_grad()
def polyak_update(target: nn.Module, online: nn.Module, tau: float) -> None:
    """θ̄ <- (1 - τ) θ̄ + τ θ for every parameter (and float buffer) of the two modules."""
    for t, o in zip(target.parameters(), online.parameters()):
        t.mul_(1.0 - tau).add_(o.detach(), alpha=tau)
    for t, o in zip(target.buffers(), online.buffers()):
        if t.dtype.is_floating_point:
            t.mul_(1.0 - tau).add_(o.detach(), alpha=tau)


class GreedyActions:
    """A `Sampler` that always answers with the policy's greedy utterance: the V target's policy for
    `archer.v_target=greedy`."""

    def __init__(self, policy: Sampler) -> None:
        self.policy = policy

    def sample(self, states: list[str], greedy: bool = True) -> Utterances:
        return self.policy.sample(states, greedy=True)


def critic_step(
    critic: DoubleCritic,
    target: DoubleCritic,
    policy: Sampler,
    batch: Batch,
    optimizer: torch.optim.Optimizer,
    gamma: float,
    tau: float,
    grad_clip: float,
    reward_scale: float = 1.0,
    mc_weight: float = 0.0,
) -> dict[str, float]:
    """One TD step on `batch`, then the Polyak update of `target`. Returns `critic/...` metrics.

    `policy` draws the V target's action a'; CHAI passes its best-of-k agent here. The critic
    learns values of `reward_scale` × the game's reward (so Q and V are in those units).
    `mc_weight` > 0 mixes the game's discounted return into the Q targets (`mix_returns`)."""
    device = critic.device
    reward = torch.as_tensor(batch.rewards, device=device) * reward_scale  # [B]
    done = torch.as_tensor(batch.dones, device=device)  # [B]
    with torch.no_grad():
        fresh = policy.sample(batch.observations).texts  # a' ~ π(·|s), the V target's action
        target_q1, target_q2, _, _ = target(batch.observations, fresh)  # Q̄_k(s, a')
        target_v1_next, target_v2_next = target.values(batch.next_observations)  # V̄_k(s')
        y_q1, y_q2 = td_targets(reward, done, target_v1_next, target_v2_next, gamma)
        if mc_weight > 0 and batch.future_rewards is not None:
            returns = torch.as_tensor(discounted_returns(batch.future_rewards, gamma), device=device) * reward_scale
            y_q1, y_q2 = mix_returns(y_q1, returns, mc_weight), mix_returns(y_q2, returns, mc_weight)
    q1, q2, v1, v2 = critic(batch.observations, batch.actions)
    loss, q_loss, v_loss = critic_loss(q1, q2, v1, v2, y_q1, y_q2, target_q1, target_q2)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    average_gradients(critic.parameters())  # mean over processes; a no-op in one process
    grad_norm = torch.nn.utils.clip_grad_norm_(critic.parameters(), grad_clip)  # the critic's own norm
    optimizer.step()
    polyak_update(target, critic, tau)
    return {
        "critic/loss": loss.item(),
        "critic/q_loss": q_loss.item(),
        "critic/v_loss": v_loss.item(),
        "critic/q_mean": torch.minimum(q1, q2).mean().item(),
        "critic/v_mean": torch.minimum(v1, v2).mean().item(),
        "critic/td_target_mean": float(y_q1.mean()),
        "critic/grad_norm": float(grad_norm),
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    """Average a list of per-step metric dicts key by key."""
    if not rows:
        return {}
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
