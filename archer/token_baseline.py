"""ArCHer's actor with a token-level baseline (paper, eqs. 4-5): an option of the actor stage.

The plain actor credits one utterance-level advantage A(s, a) to every token of the utterance. With
a token-level baseline, a separate value model Ṽ(s, a_<t) (`archer.models.token_value`) is
regressed to A at every token prefix, and each token's weight becomes the residual:

    A(s, a)      = min(Q1, Q2)(s, a) - min(V1, V2)(s)                  (or the group advantage)
    Â_t          = A(s, a) - Ṽ(s, a_<t)                                  residual advantage per token
    L_PG         = - mean_batch [ Σ_t Â_t · log π(a_t | s, a_<t) ]
    L_Ṽ          = mean over utterance tokens of (Ṽ(s, a_<t) - A(s, a))²
    L_actor      = L_PG + kl_coef · L_KL                                  (L_KL as in archer.actor_update)

Ṽ depends only on the prefix a_<t, so subtracting it leaves the gradient unbiased and can only
lower its variance when Ṽ predicts A; the residual uses Ṽ from before its own regression step on
the same batch. The paper reports the gain on long or diverse utterances (Guess My City).

Switch it on with `token_baseline.enabled=true`; `archer/train.py` then takes its actor step from
`actor_step_for`, which gives `actor_step_with_token_baseline` instead of `actor_step`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from archer.actor_update import actor_step, kl_penalty, sampled_advantages
from archer.config import Config
from archer.models.critic import DoubleCritic
from archer.models.policy import Policy
from archer.models.token_value import TokenValue, build_token_value


def residual_advantage(adv: torch.Tensor, token_baseline: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Â_bt = (A_b - Ṽ_bt) · mask_bt; adv [B], token_baseline and mask [B, T]. No gradient flows."""
    return (adv.detach().unsqueeze(-1) - token_baseline.detach()) * mask


def token_policy_gradient_loss(token_adv: torch.Tensor, token_logp: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """-mean_b Σ_t mask_bt · Â_bt · log π_bt; all [B, T]. With Â_bt = A_b it is `policy_gradient_loss`."""
    return -(token_adv.detach() * token_logp * mask).sum(-1).mean()


def token_baseline_loss(token_baseline: torch.Tensor, adv: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over the masked tokens of (Ṽ_bt - A_b)²; token_baseline and mask [B, T], adv [B] (a target)."""
    err = (token_baseline - adv.detach().unsqueeze(-1)) * mask
    return (err**2).sum() / mask.sum().clamp(min=1.0)


@dataclass
class TokenBaseline:
    """Ṽ and its optimizer: what the ArCHer learner carries (and checkpoints) when the option is on."""

    model: TokenValue
    optimizer: torch.optim.Optimizer

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])


def make_token_baseline(cfg: Config, policy: Policy) -> TokenBaseline:
    model = build_token_value(cfg.token_baseline.model, policy, cfg.critic.head_hidden)
    return TokenBaseline(model, torch.optim.AdamW(model.parameters(), lr=cfg.token_baseline.lr))


def actor_step_with_token_baseline(
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
    *,
    token_baseline: TokenBaseline,
) -> dict[str, float]:
    """`archer.actor_update.actor_step` with per-token residual weights, then one step of Ṽ on the
    same utterances. Same arguments, plus the token baseline; returns `actor/...` metrics."""
    states, fresh, adv = sampled_advantages(policy, critic, states, samples_per_state, baseline, reward_scale)
    state_ids = policy.encode_states(states)

    # Ṽ(s, a_<t): predicted first, used as the baseline, then regressed to A on this batch.
    tb_values, tb_mask = token_baseline.model(state_ids, fresh.token_ids)  # [B, T] each
    token_adv = residual_advantage(adv, tb_values, tb_mask)  # [B, T]

    token_logp, mask = policy.token_log_probs(state_ids, fresh.token_ids)  # [B, T] each
    pg = token_policy_gradient_loss(token_adv, token_logp, mask)
    kl = torch.zeros((), device=token_logp.device)
    if reference is not None and kl_coef > 0:
        with torch.no_grad():
            ref_logp, _ = reference.token_log_probs(state_ids, fresh.token_ids)
        kl = kl_penalty(token_logp, ref_logp, mask)
    loss = pg + kl_coef * kl
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(policy.model.parameters(), grad_clip)
    optimizer.step()

    tb_loss = token_baseline_loss(tb_values, adv, tb_mask)
    token_baseline.optimizer.zero_grad(set_to_none=True)
    tb_loss.backward()
    tb_grad = torch.nn.utils.clip_grad_norm_(token_baseline.model.parameters(), grad_clip)
    token_baseline.optimizer.step()

    residual = token_adv[mask.bool()]  # the per-token weights actually used
    return {
        "actor/loss": loss.item(),
        "actor/pg_loss": pg.item(),
        "actor/kl": kl.item(),
        "actor/advantage_mean": float(adv.mean()),
        "actor/advantage_std": float(adv.std()) if adv.numel() > 1 else 0.0,
        "actor/logp_mean": token_logp.sum(-1).mean().item(),
        "actor/grad_norm": float(grad_norm),
        "actor/token_baseline_loss": tb_loss.item(),
        "actor/residual_advantage_std": float(residual.std()) if residual.numel() > 1 else 0.0,
        "actor/token_baseline_grad_norm": float(tb_grad),
    }


def actor_step_for(token_baseline: TokenBaseline | None) -> Callable[..., dict[str, float]]:
    """The actor step to call: `actor_step`, or the same step with per-token residual weights when a
    token baseline is given (same arguments either way)."""
    if token_baseline is None:
        return actor_step
    return functools.partial(actor_step_with_token_baseline, token_baseline=token_baseline)
