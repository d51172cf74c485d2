"""Offline ArCHer: learn from a fixed data set of games, never touching the environment.

The paper's offline variant (Twenty Questions): an IQL-style utterance-level critic and an
advantage-weighted actor, both on the data set's own (s, a, r, s', done):

    y_Qk  = r + γ (1 - done) V̄_k(s')                         k = 1, 2  (target critic, as online)
    L_Q   = Σ_k mean (Q_k(s, a) - y_Qk)²
    L_V   = Σ_k mean L_τ(Q̄_k(s, a) - V_k(s)),   L_τ(u) = |τ - 1(u < 0)| u²
            τ = offline.expectile (0.9) for critic=iql; τ = 0.5 (plain regression to the data's
            action values, "SARSA") for critic=sarsa
    A     = min(Q1, Q2)(s, a) - min(V1, V2)(s)                (online critic, no gradient)
    w     = min(exp(β A), w_max)                              β = offline.beta (1), w_max = offline.max_weight
    L_AWR = -mean_batch [ w · Σ_t log π(a_t | s, a_<t) ]      on the data set's utterances

The weights are clipped at w_max because exp(β A) of an over-estimated advantage would otherwise
dominate a batch (IQL clips at 100 too). There is no V target from fresh samples, so no policy
sampling happens during training: every step is two forward-backward passes.

    critic steps only for `actor_warmup_steps`, then one critic and one actor step per step;
    evaluate, log and checkpoint every `eval_every` steps. env samples stay 0.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from archer.actor_update import advantage
from archer.baselines.common import bc_start, finish, open_run, policy_state, run_eval
from archer.buffer import Batch, ReplayBuffer
from archer.checkpoint import load_checkpoint, save_checkpoint
from archer.config import Config
from archer.critic_update import mean_metrics, polyak_update, td_targets
from archer.models.build import build_critic, resolve_device
from archer.models.critic import DoubleCritic, make_target
from archer.models.policy import Policy
from archer.seeding import rng_state, seed_everything, set_rng_state
from archer.train import Summary, restore_policy
from archer.trajectory import load_games

# ----------------------------------------------------------------------------- losses (pure functions)


def expectile_loss(diff: torch.Tensor, expectile: float) -> torch.Tensor:
    """mean |τ - 1(u < 0)| u² with u = diff = target - prediction; τ = 0.5 gives half the MSE."""
    weight = torch.where(diff < 0, 1.0 - expectile, expectile)
    return (weight * diff**2).mean()


def iql_critic_loss(
    q1: torch.Tensor,
    q2: torch.Tensor,
    v1: torch.Tensor,
    v2: torch.Tensor,
    y_q1: torch.Tensor,
    y_q2: torch.Tensor,
    target_q1: torch.Tensor,
    target_q2: torch.Tensor,
    expectile: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(total, L_Q, L_V): Σ_k MSE(Q_k, y_Qk) + Σ_k L_τ(Q̄_k(s, a_data) - V_k); targets carry no gradient."""
    q_loss = ((q1 - y_q1.detach()) ** 2).mean() + ((q2 - y_q2.detach()) ** 2).mean()
    v_loss = expectile_loss(target_q1.detach() - v1, expectile) + expectile_loss(target_q2.detach() - v2, expectile)
    return q_loss + v_loss, q_loss, v_loss


def awr_weights(adv: torch.Tensor, beta: float, max_weight: float) -> torch.Tensor:
    """w = min(exp(β A), w_max), [B]; no gradient."""
    return torch.exp(beta * adv.detach()).clamp(max=max_weight)


def awr_loss(weights: torch.Tensor, token_logp: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """-mean_b( w_b · Σ_t mask_bt log π_bt ); weights [B], token_logp and mask [B, T]."""
    return -(weights.detach() * (token_logp * mask).sum(-1)).mean()


# ----------------------------------------------------------------------------- steps


def iql_critic_step(
    critic: DoubleCritic,
    target: DoubleCritic,
    batch: Batch,
    optimizer: torch.optim.Optimizer,
    gamma: float,
    tau: float,
    grad_clip: float,
    expectile: float,
    reward_scale: float = 1.0,
) -> dict[str, float]:
    """One step of L_Q + L_V on the data set's transitions, then the Polyak update of `target`."""
    device = critic.device
    reward = torch.as_tensor(batch.rewards, device=device) * reward_scale  # [B]
    done = torch.as_tensor(batch.dones, device=device)  # [B]
    with torch.no_grad():
        target_q1, target_q2, _, _ = target(batch.observations, batch.actions)  # Q̄_k(s, a_data)
        target_v1_next, target_v2_next = target.values(batch.next_observations)  # V̄_k(s')
        y_q1, y_q2 = td_targets(reward, done, target_v1_next, target_v2_next, gamma)
    q1, q2, v1, v2 = critic(batch.observations, batch.actions)
    loss, q_loss, v_loss = iql_critic_loss(q1, q2, v1, v2, y_q1, y_q2, target_q1, target_q2, expectile)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(critic.parameters(), grad_clip)
    optimizer.step()
    polyak_update(target, critic, tau)
    return {
        "critic/loss": loss.item(),
        "critic/q_loss": q_loss.item(),
        "critic/v_loss": v_loss.item(),
        "critic/q_mean": torch.minimum(q1, q2).mean().item(),
        "critic/v_mean": torch.minimum(v1, v2).mean().item(),
        "critic/grad_norm": float(grad_norm),
    }


def awr_actor_step(
    policy: Policy,
    critic: DoubleCritic,
    batch: Batch,
    optimizer: torch.optim.Optimizer,
    grad_clip: float,
    beta: float,
    max_weight: float,
) -> dict[str, float]:
    """One step of L_AWR on the data set's utterances."""
    with torch.no_grad():
        q1, q2, v1, v2 = critic(batch.observations, batch.actions)
        adv = advantage(q1, q2, v1, v2)  # [B]
        weights = awr_weights(adv, beta, max_weight)
    token_logp, mask = policy.token_log_probs(
        policy.encode_states(batch.observations), policy.encode_actions(batch.actions)
    )  # [B, T] each
    loss = awr_loss(weights, token_logp, mask)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(policy.model.parameters(), grad_clip)
    optimizer.step()
    return {
        "actor/awr_loss": loss.item(),
        "actor/advantage_mean": float(adv.mean()),
        "actor/weight_mean": float(weights.mean()),
        "actor/weight_clipped_frac": float((weights >= max_weight).float().mean()),
        "actor/grad_norm": float(grad_norm),
    }


# ----------------------------------------------------------------------------- the loop


def train_offline_archer(cfg: Config, run_dir: Path | None = None, resume_run: bool = False) -> Summary:
    """Run (or resume) offline ArCHer as `cfg.offline` says; see the module docstring."""
    t0 = time.time()
    ocfg, a = cfg.offline, cfg.archer
    expectile = 0.5 if ocfg.critic == "sarsa" else ocfg.expectile
    run_dir, log = open_run(cfg, "offline_archer", run_dir, resume_run)
    rng = seed_everything(cfg.run.seed)
    if resume_run:
        state = load_checkpoint(run_dir)
        policy = restore_policy(cfg, state, run_dir, resolve_device(cfg.run.device))
    else:
        state, (policy, _) = {}, bc_start(cfg, run_dir)
    data = load_games(ocfg.data_path or run_dir / "demonstrations.jsonl")
    buffer = ReplayBuffer(max(1, sum(len(g.turns) for g in data)))
    buffer.add_games(data)
    critic = build_critic(cfg, policy)
    target = make_target(critic)
    critic_opt = torch.optim.AdamW(critic.parameters(), lr=ocfg.critic_lr)
    actor_opt = torch.optim.AdamW(policy.model.parameters(), lr=ocfg.actor_lr)
    if resume_run:
        critic.load_state_dict(state["critic"])
        target.load_state_dict(state["target"])
        critic_opt.load_state_dict(state["critic_opt"])
        actor_opt.load_state_dict(state["actor_opt"])
        set_rng_state(rng, state["rng"])
        step, start_eval = state["iteration"], state["start_eval"]
        log.truncate_after(step)
    else:
        step = 0
        start_eval = run_eval(policy, cfg, run_dir, "iteration_0000").metrics()
        log.write({"iteration": 0, "perf/env_samples": 0, "perf/games": 0, **start_eval})

    def checkpoint() -> None:
        state: dict[str, Any] = {
            **policy_state(policy, cfg),
            "critic": critic.state_dict(),
            "target": target.state_dict(),
            "critic_opt": critic_opt.state_dict(),
            "actor_opt": actor_opt.state_dict(),
            "rng": rng_state(rng),
            "iteration": step,
            "start_eval": start_eval,
        }
        save_checkpoint(state, run_dir)

    if not resume_run:
        checkpoint()
    critic_rows: list[dict[str, float]] = []
    actor_rows: list[dict[str, float]] = []
    t_block = time.time()
    while step < ocfg.steps:
        step += 1
        critic.train()
        batch = buffer.sample(ocfg.batch_size, rng)
        critic_rows.append(
            iql_critic_step(
                critic, target, batch, critic_opt, a.gamma, ocfg.tau, a.grad_clip, expectile, a.reward_scale
            )
        )
        critic.eval()
        if step > ocfg.actor_warmup_steps:
            policy.model.train()
            batch = buffer.sample(ocfg.batch_size, rng)
            actor_rows.append(awr_actor_step(policy, critic, batch, actor_opt, a.grad_clip, ocfg.beta, ocfg.max_weight))
            policy.model.eval()
        if step % ocfg.eval_every == 0 or step == ocfg.steps:
            row: dict[str, Any] = {"iteration": step, "perf/env_samples": 0, "perf/games": 0}
            row.update(mean_metrics(critic_rows))
            row.update(mean_metrics(actor_rows))
            row.update(run_eval(policy, cfg, run_dir, f"iteration_{step:04d}").metrics())
            row["perf/block_s"] = time.time() - t_block
            log.write(row)
            checkpoint()
            critic_rows, actor_rows, t_block = [], [], time.time()

    counters = {"iterations": step, "env_samples": 0, "games": 0, "dataset_games": len(data)}
    return finish(cfg, run_dir, log, "offline_archer", t0, counters, start_eval)
