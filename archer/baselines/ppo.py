"""Token-level PPO: the single-turn RLHF recipe applied to the whole multi-turn game.

A game is one long token MDP whose actions are the policy's tokens; the environment's tokens
(its replies, appended to the transcript) are not actions and carry no value or TD signal.
Lay out a game's policy tokens in order, turn after turn, x_1..x_N (environment tokens and
padding between them are masked out, m_i = 0), and put each turn's reward on its last token:

    r_i      = reward of the turn if x_i ends its utterance, else 0
    γ_i      = γ if x_i ends its utterance, else 1       (archer.gamma between utterances only)
    j(i)     = the next position with m = 1 after i       (none at the game's end: V = 0, A = 0)
    δ_i      = r_i + γ_i V(x_j(i)) - V(x_i)
    Â_i      = δ_i + γ_i λ Â_j(i)                          GAE, λ = ppo.lam per policy token
    R_i      = Â_i + V(x_i)                                 the value target

The game's end (won, or cut by the turn limit) ends the token sequence with no bootstrap: the
return being maximised is the finite game's, and the state (the whole transcript) shows the turn.

    ρ_i      = π(x_i | ·) / π_old(x_i | ·)
    L_clip   = -mean_i min(ρ_i Â_i, clip(ρ_i, 1-ε, 1+ε) Â_i)
    L_V      = ½ mean_i max((V_i - R_i)², (V_old,i + clip(V_i - V_old,i, -c, c) - R_i)²)   (c = 0: plain MSE)
    L_KL     = mean_i k3(π, π_BC)                            (as ArCHer's actor; ppo.kl_coef = 0 turns it off)

Means are over the policy tokens of the minibatch. The value model Ṽ(s, a_<t) is its own network
(`archer.models.token_value`, by default a copy of the BC policy's body), pre-trained on the
demonstrations' Monte-Carlo returns as ArCHer's critic is pre-trained on them.

    value pre-training, then for each update:
        rollout: `games_per_update` games, keeping the sampled token ids
        score:   π_old, π_BC and V_old on every policy token; GAE -> Â, R
        `epochs` passes of minibatches of `minibatch_size` turns: L_clip + kl_coef L_KL, and L_V
        evaluate, log, checkpoint
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from archer.actor_update import kl_penalty
from archer.baselines.common import bc_start, finish, frozen_copy, open_run, policy_state, run_eval
from archer.checkpoint import load_checkpoint, save_checkpoint
from archer.config import Config, PPOConfig
from archer.envs import make_env
from archer.evaluate import eval_due
from archer.models.build import policy_model_from_config, resolve_device
from archer.models.policy import Policy
from archer.models.token_value import TokenValue, build_token_value
from archer.rollout import VectorTextEnv, play_games, rollout_metrics
from archer.seeding import rng_state, seed_everything, set_rng_state
from archer.train import Summary, restore_policy
from archer.trajectory import Game

# ----------------------------------------------------------------------------- losses (pure functions)


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor,
    utterance_end: torch.Tensor,
    gamma: float,
    lam: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE over the masked-in (policy) tokens of each row; all inputs [G, L], one game per row.

    δ_i = r_i + γ_i V_j(i) - V_i,  Â_i = δ_i + γ_i λ Â_j(i),  γ_i = γ at an utterance's last token
    else 1, j(i) the next position with mask 1 (nothing after the last: V = Â = 0). Masked-out
    positions are skipped entirely and get Â = R = 0. Returns (Â, R = Â + V), each [G, L]."""
    adv = torch.zeros_like(values)
    next_value = torch.zeros_like(values[:, 0])  # V at the next policy token, [G]
    next_adv = torch.zeros_like(values[:, 0])
    for i in reversed(range(values.shape[1])):
        m = mask[:, i] > 0
        g = torch.where(utterance_end[:, i] > 0, torch.full_like(next_value, gamma), torch.ones_like(next_value))
        delta = rewards[:, i] + g * next_value - values[:, i]
        a = delta + g * lam * next_adv
        adv[:, i] = torch.where(m, a, torch.zeros_like(a))
        next_value = torch.where(m, values[:, i], next_value)  # environment tokens pass the signal through
        next_adv = torch.where(m, a, next_adv)
    return adv, (adv + values) * mask


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum() / mask.sum().clamp(min=1.0)


def ppo_policy_loss(
    logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor, clip: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(L_clip, clip fraction): -mean_i min(ρ_i Â_i, clip(ρ_i, 1-ε, 1+ε) Â_i) over masked tokens; [B, T] inputs."""
    ratio = torch.exp((logp - old_logp.detach()) * mask)  # masked positions: ratio 1
    adv = advantages.detach()
    unclipped = ratio * adv
    clipped = torch.clamp(ratio, 1.0 - clip, 1.0 + clip) * adv
    loss = -masked_mean(torch.minimum(unclipped, clipped), mask)
    clip_frac = masked_mean(((ratio - 1.0).abs() > clip).float(), mask)
    return loss, clip_frac.detach()


def ppo_value_loss(
    values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor, clip: float
) -> torch.Tensor:
    """½ mean_i max((V_i - R_i)², (V_old,i + clip(V_i - V_old,i, -c, c) - R_i)²); c = 0 is plain ½ MSE."""
    returns = returns.detach()
    loss = (values - returns) ** 2
    if clip > 0:
        old = old_values.detach()
        clipped = old + torch.clamp(values - old, -clip, clip)
        loss = torch.maximum(loss, (clipped - returns) ** 2)
    return 0.5 * masked_mean(loss, mask)


# ----------------------------------------------------------------------------- a rollout as token tensors


@dataclass
class Rollout:
    """The turns of an update's games, one row per turn, and where each sits in its game."""

    state_ids: list[list[int]]
    action_ids: list[list[int]]
    rewards: torch.Tensor  # [N] the turn's reward
    game: torch.Tensor  # [N] index of the row's game
    turn: torch.Tensor  # [N] index of the turn within its game

    @property
    def n_games(self) -> int:
        return int(self.game.max()) + 1

    @property
    def n_turns(self) -> int:
        return int(self.turn.max()) + 1


def make_rollout(policy: Policy, games: list[Game], token_ids: list[list[list[int]]] | None = None) -> Rollout:
    """Rows for every turn; the sampled token ids when given, else the utterance text re-tokenized."""
    turns = [(g, k, t) for g, game in enumerate(games) for k, t in enumerate(game.turns)]
    if token_ids is not None:
        action_ids = [token_ids[g][k] for g, k, _ in turns]
    else:
        action_ids = policy.encode_actions([t.action for _, _, t in turns])
    return Rollout(
        state_ids=policy.encode_states([t.observation for _, _, t in turns]),
        action_ids=action_ids,
        rewards=torch.tensor([t.reward for _, _, t in turns], dtype=torch.float32),
        game=torch.tensor([g for g, _, _ in turns]),
        turn=torch.tensor([k for _, k, _ in turns]),
    )


def pack(x: torch.Tensor, rollout: Rollout) -> torch.Tensor:
    """[N, A] rows -> [G, K * A]: each game's turns side by side (padding columns carry mask 0)."""
    n, width = x.shape
    out = x.new_zeros(rollout.n_games, rollout.n_turns, width)
    out[rollout.game.to(x.device), rollout.turn.to(x.device)] = x
    return out.view(rollout.n_games, rollout.n_turns * width)


def unpack(y: torch.Tensor, rollout: Rollout, width: int) -> torch.Tensor:
    """[G, K * A] -> [N, A], the inverse of `pack`."""
    return y.view(rollout.n_games, rollout.n_turns, width)[rollout.game.to(y.device), rollout.turn.to(y.device)]


def right_align(x: torch.Tensor, width: int) -> torch.Tensor:
    """Pad [B, w] on the left to [B, width] (utterance tokens are right-aligned)."""
    return F.pad(x, (width - x.shape[1], 0))


@torch.no_grad()
def score(
    policy: Policy, value: TokenValue, reference: Policy | None, rollout: Rollout, chunk: int
) -> dict[str, torch.Tensor]:
    """log π_old, log π_BC (or None) and V_old on every utterance token, [N, A] each, in chunks."""
    width = max(len(a) for a in rollout.action_ids)
    parts: dict[str, list[torch.Tensor]] = {"old_logp": [], "ref_logp": [], "old_values": [], "mask": []}
    for start in range(0, len(rollout.action_ids), chunk):
        s, a = rollout.state_ids[start : start + chunk], rollout.action_ids[start : start + chunk]
        logp, mask = policy.token_log_probs(s, a)
        parts["old_logp"].append(right_align(logp, width))
        parts["mask"].append(right_align(mask, width))
        parts["old_values"].append(right_align(value(s, a)[0], width))
        if reference is not None:
            parts["ref_logp"].append(right_align(reference.token_log_probs(s, a)[0], width))
    return {k: torch.cat(v) if v else torch.empty(0) for k, v in parts.items()}


# ----------------------------------------------------------------------------- the update


def ppo_update(
    policy: Policy,
    value: TokenValue,
    reference: Policy | None,
    rollout: Rollout,
    policy_opt: torch.optim.Optimizer,
    value_opt: torch.optim.Optimizer,
    pcfg: PPOConfig,
    gamma: float,
    grad_clip: float,
    rng: np.random.Generator,
) -> dict[str, float]:
    """Score the rollout, compute GAE over its policy tokens, then `epochs` passes of clipped PPO."""
    use_kl = reference is not None and pcfg.kl_coef > 0
    policy.model.eval()
    value.eval()
    old = score(policy, value, reference if use_kl else None, rollout, pcfg.minibatch_size)
    mask, old_values = old["mask"], old["old_values"]  # [N, A]
    device, width = mask.device, mask.shape[1]

    # rewards and utterance ends on each row's last column (tokens are right-aligned)
    rewards = torch.zeros_like(mask)
    rewards[:, -1] = rollout.rewards.to(device)
    ends = torch.zeros_like(mask)
    ends[:, -1] = 1.0
    adv_packed, ret_packed = gae(
        pack(rewards, rollout), pack(old_values, rollout), pack(mask, rollout), pack(ends, rollout), gamma, pcfg.lam
    )
    advantages, returns = unpack(adv_packed, rollout, width), unpack(ret_packed, rollout, width)  # [N, A]
    raw_adv_mean = masked_mean(advantages, mask)
    if pcfg.normalize_advantages:
        std = (masked_mean((advantages - raw_adv_mean) ** 2, mask)).sqrt()
        advantages = (advantages - raw_adv_mean) / (std + 1e-8) * mask

    # Dropout stays off (eval mode) through the update: π_old and V_old were scored without it, so
    # the ratio is exactly 1 and the value clip is centred before the first step.
    rows = []
    n = len(rollout.action_ids)
    for _ in range(pcfg.epochs):
        order = rng.permutation(n)
        for start in range(0, n, pcfg.minibatch_size):
            idx = order[start : start + pcfg.minibatch_size]
            s = [rollout.state_ids[i] for i in idx]
            a = [rollout.action_ids[i] for i in idx]
            w = max(len(x) for x in a)  # this minibatch's width; the stored [N, A] tensors are right-aligned
            t = torch.as_tensor(idx, device=device)
            m = mask[t][:, -w:]

            logp, _ = policy.token_log_probs(s, a)  # [b, w]
            pg, clip_frac = ppo_policy_loss(logp, old["old_logp"][t][:, -w:], advantages[t][:, -w:], m, pcfg.clip)
            kl = kl_penalty(logp, old["ref_logp"][t][:, -w:], m) if use_kl else torch.zeros((), device=device)
            loss = pg + pcfg.kl_coef * kl
            policy_opt.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(policy.model.parameters(), grad_clip)
            policy_opt.step()

            values, _ = value(s, a)  # [b, w]
            v_loss = ppo_value_loss(values, old_values[t][:, -w:], returns[t][:, -w:], m, pcfg.value_clip)
            value_opt.zero_grad(set_to_none=True)
            v_loss.backward()
            value_grad_norm = torch.nn.utils.clip_grad_norm_(value.parameters(), grad_clip)
            value_opt.step()

            with torch.no_grad():
                log_ratio = (logp - old["old_logp"][t][:, -w:]) * m
                approx_kl = masked_mean(torch.exp(log_ratio) - 1.0 - log_ratio, m)
            rows.append(
                {
                    "ppo/policy_loss": pg.item(),
                    "ppo/kl": kl.item(),
                    "ppo/value_loss": v_loss.item(),
                    "ppo/clip_frac": float(clip_frac),
                    "ppo/approx_kl": float(approx_kl),
                    "ppo/grad_norm": float(grad_norm),
                    "ppo/value_grad_norm": float(value_grad_norm),
                }
            )
    metrics = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    residual = masked_mean((returns - old_values) ** 2, mask)
    variance = masked_mean((returns - masked_mean(returns, mask)) ** 2, mask)
    metrics.update(
        {
            "ppo/advantage_mean": float(raw_adv_mean),
            "ppo/return_mean": float(masked_mean(returns, mask)),
            "ppo/value_mean": float(masked_mean(old_values, mask)),
            "ppo/explained_variance": float(1.0 - residual / variance.clamp(min=1e-8)),
            "ppo/tokens": float(mask.sum()),
        }
    )
    return metrics


def pretrain_value(
    value: TokenValue,
    policy: Policy,
    demos: list[Game],
    optimizer: torch.optim.Optimizer,
    steps: int,
    batch_size: int,
    gamma: float,
    grad_clip: float,
    rng: np.random.Generator,
) -> float:
    """`steps` regression steps of V on the demonstrations' returns-to-go G_k = Σ_{j≥k} γ^(j-k) r_j
    (every token of turn k gets G_k: inside an utterance γ = 1 and the reward sits on the last token)."""
    if steps == 0 or not demos:
        return float("nan")
    rollout = make_rollout(policy, demos)
    targets = []
    for game in demos:
        g, out = 0.0, []
        for t in reversed(game.turns):
            g = t.reward + gamma * g
            out.append(g)
        targets += out[::-1]
    target = torch.tensor(targets, dtype=torch.float32, device=value.device)  # [N]
    value.train()
    loss = torch.zeros(())
    for _ in range(steps):
        idx = rng.integers(0, len(targets), size=min(batch_size, len(targets)))
        values, mask = value([rollout.state_ids[i] for i in idx], [rollout.action_ids[i] for i in idx])
        loss = ppo_value_loss(values, values, target[idx].unsqueeze(-1).expand_as(values), mask, clip=0.0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(value.parameters(), grad_clip)
        optimizer.step()
    value.eval()
    return loss.item()


# ----------------------------------------------------------------------------- the loop


def train_ppo(cfg: Config, run_dir: Path | None = None, resume_run: bool = False) -> Summary:
    """Run (or resume) token-level PPO as `cfg.ppo` says; see the module docstring."""
    t0 = time.time()
    pcfg = cfg.ppo
    run_dir, log = open_run(cfg, "ppo", run_dir, resume_run)
    rng = seed_everything(cfg.run.seed)
    device = resolve_device(cfg.run.device)
    if resume_run:
        state = load_checkpoint(run_dir)
        policy = restore_policy(cfg, state, run_dir, device)
        ref_model = policy_model_from_config(state["policy_config"])
        ref_model.load_state_dict(state["reference"])
        reference = frozen_copy(Policy(ref_model.to(device), policy.tokenizer, policy.max_new_tokens))
    else:
        policy, demos = bc_start(cfg, run_dir)
        reference = frozen_copy(policy)
    value = build_token_value(pcfg.value_model, policy, cfg.critic.head_hidden)
    policy_opt = torch.optim.AdamW(policy.model.parameters(), lr=pcfg.lr)
    value_opt = torch.optim.AdamW(value.parameters(), lr=pcfg.value_lr)

    if resume_run:
        value.load_state_dict(state["value"])
        policy_opt.load_state_dict(state["policy_opt"])
        value_opt.load_state_dict(state["value_opt"])
        set_rng_state(rng, state["rng"])
        it, env_samples, games, start_eval = (
            state["iteration"],
            state["env_samples"],
            state["games"],
            state["start_eval"],
        )
        log.truncate_after(it)
    else:
        it, env_samples, games = 0, 0, 0
        pre_loss = pretrain_value(
            value,
            policy,
            demos,
            value_opt,
            pcfg.value_pretrain_steps,
            pcfg.minibatch_size,
            cfg.archer.gamma,
            cfg.archer.grad_clip,
            rng,
        )
        start_eval = run_eval(policy, cfg, run_dir, "iteration_0000").metrics()
        log.write(
            {"iteration": 0, "perf/env_samples": 0, "perf/games": 0, "ppo/value_pretrain_loss": pre_loss, **start_eval}
        )

    def checkpoint() -> None:
        state: dict[str, Any] = {
            **policy_state(policy, cfg),
            "reference": reference.model.state_dict(),
            "value": value.state_dict(),
            "policy_opt": policy_opt.state_dict(),
            "value_opt": value_opt.state_dict(),
            "rng": rng_state(rng),
            "iteration": it,
            "env_samples": env_samples,
            "games": games,
            "start_eval": start_eval,
        }
        save_checkpoint(state, run_dir)

    if not resume_run:
        checkpoint()
    venv = VectorTextEnv([make_env(cfg.env) for _ in range(pcfg.games_per_update)])
    while it < pcfg.iterations and not cfg.run.budget_spent(env_samples):
        it += 1
        t_it = time.time()

        # 1. rollout, keeping the sampled token ids
        seeds = [int(s) for s in rng.integers(0, cfg.eval.seed, size=len(venv))]
        token_ids: list[list[list[int]]] = []
        played = play_games(policy, venv, seeds, token_ids=token_ids)
        samples_before = env_samples
        env_samples += sum(len(g.turns) for g in played)
        games += len(played)
        t_rollout = time.time()

        # 2-3. score, GAE, clipped updates of policy and value
        row: dict[str, Any] = {"iteration": it}
        row.update(
            ppo_update(
                policy,
                value,
                reference,
                make_rollout(policy, played, token_ids),
                policy_opt,
                value_opt,
                pcfg,
                cfg.archer.gamma,
                cfg.archer.grad_clip,
                rng,
            )
        )

        # 4. evaluate, log, checkpoint
        row.update(
            {
                "perf/env_samples": env_samples,
                "perf/games": games,
                **rollout_metrics(played),
                "perf/rollout_s": t_rollout - t_it,
                "perf/update_s": time.time() - t_rollout,
            }
        )
        last = it == pcfg.iterations or cfg.run.budget_spent(env_samples)
        if eval_due(it, cfg.eval.every, samples_before, env_samples, cfg.eval.every_samples, last):
            row.update(run_eval(policy, cfg, run_dir, f"iteration_{it:04d}").metrics())
        row["perf/iteration_s"] = time.time() - t_it
        log.write(row)
        checkpoint()

    counters = {"iterations": it, "env_samples": env_samples, "games": games}
    return finish(cfg, run_dir, log, "ppo", t0, counters, start_eval)
