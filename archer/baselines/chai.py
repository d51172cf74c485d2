"""CHAI (Verma et al., 2022): a fixed policy steered at acting time by an off-policy critic.

The BC policy π never changes. The critic is ArCHer's (same network, same TD losses, same
`archer.*` critic settings, demonstrations in the buffer and pre-training on them), but every
action, in play and in the V target, comes from the best-of-k agent:

    candidates  a^1..a^k ~ π(·|s)                                   k = chai.samples (5)
    act(s)      = a^j*,  j* = argmax_j min(Q̄1, Q̄2)(s, a^j)            (target critic)
    y_Qk        = r + γ (1 - done) V̄_k(s')
    y_Vk        = Q̄_k(s, act(s))                                      so V backs up the best of k

    critic pre-training on the demonstrations, then for each iteration:
        rollout with the agent -> buffer -> `archer.critic_updates` critic steps -> evaluate, log, checkpoint

Evaluation plays the same agent (the candidates are samples, so "greedy" here means the argmax
over sampled candidates). `archer eval` on a CHAI run scores the plain policy, not the agent.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from archer.baselines.common import bc_start, finish, frozen_copy, open_run, policy_state, run_eval
from archer.buffer import ReplayBuffer
from archer.checkpoint import load_checkpoint, save_checkpoint
from archer.config import Config
from archer.critic_update import critic_step, mean_metrics
from archer.envs import make_env
from archer.evaluate import eval_due
from archer.models.build import build_critic, resolve_device
from archer.models.critic import DoubleCritic, make_target
from archer.models.policy import Policy, Utterances
from archer.rollout import VectorTextEnv, play_games, rollout_metrics
from archer.seeding import rng_state, seed_everything, set_rng_state
from archer.train import Summary, restore_policy


def best_of_k(target_q1: torch.Tensor, target_q2: torch.Tensor, k: int) -> torch.Tensor:
    """j* = argmax_j min(Q̄1, Q̄2) per state; inputs [B * k] with each state's k candidates adjacent -> [B]."""
    return torch.minimum(target_q1, target_q2).view(-1, k).argmax(-1)  # [B, k] -> [B]


class CHAIAgent:
    """Samples k utterances per state from the fixed policy and plays the target critic's favourite."""

    def __init__(self, policy: Policy, target: DoubleCritic, k: int) -> None:
        self.policy, self.target, self.k = policy, target, k

    @torch.no_grad()
    def sample(self, states: list[str], greedy: bool = False) -> Utterances:
        """One utterance per state. `greedy` is accepted for the Sampler contract: the choice among
        the candidates is always the argmax; the candidates themselves are always sampled."""
        if not states:
            return Utterances([], [])
        repeated = [s for s in states for _ in range(self.k)]  # each state's candidates adjacent
        candidates = self.policy.sample(repeated)
        q1, q2, _, _ = self.target(repeated, candidates.texts)  # [B * k] each
        picked = [i * self.k + int(j) for i, j in enumerate(best_of_k(q1, q2, self.k))]
        return Utterances([candidates.texts[p] for p in picked], [candidates.token_ids[p] for p in picked])


def critic_steps(
    critic: DoubleCritic,
    target: DoubleCritic,
    agent: CHAIAgent,
    buffer: ReplayBuffer,
    optimizer: torch.optim.Optimizer,
    cfg: Config,
    steps: int,
    rng: np.random.Generator,
) -> dict[str, float]:
    """`steps` TD steps of ArCHer's critic, with the agent drawing the V target's action."""
    a = cfg.archer
    critic.train()
    rows = [
        critic_step(
            critic,
            target,
            agent,
            buffer.sample(a.batch_size, rng),
            optimizer,
            a.gamma,
            a.tau,
            a.grad_clip,
            a.reward_scale,
        )
        for _ in range(steps)
    ]
    critic.eval()
    return mean_metrics(rows)


def train_chai(cfg: Config, run_dir: Path | None = None, resume_run: bool = False) -> Summary:
    """Run (or resume) CHAI as `cfg.chai` and the critic settings in `cfg.archer` say."""
    t0 = time.time()
    a = cfg.archer
    run_dir, log = open_run(cfg, "chai", run_dir, resume_run)
    rng = seed_everything(cfg.run.seed)
    if resume_run:
        state = load_checkpoint(run_dir)
        policy = frozen_copy(restore_policy(cfg, state, run_dir, resolve_device(cfg.run.device)))
    else:
        state, (policy, demos) = {}, bc_start(cfg, run_dir)
        policy = frozen_copy(policy)
    critic = build_critic(cfg, policy)
    target = make_target(critic)
    optimizer = torch.optim.AdamW(critic.parameters(), lr=a.critic_lr)
    buffer = ReplayBuffer(a.buffer_capacity)
    agent = CHAIAgent(policy, target, cfg.chai.samples)

    if resume_run:
        critic.load_state_dict(state["critic"])
        target.load_state_dict(state["target"])
        optimizer.load_state_dict(state["optimizer"])
        buffer.load_state_dict(state["buffer"])
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
        buffer.add_games(demos)
        pre = critic_steps(critic, target, agent, buffer, optimizer, cfg, a.critic_pretrain_steps, rng)
        if not a.demos_in_buffer:
            buffer = ReplayBuffer(a.buffer_capacity)
        start_eval = run_eval(agent, cfg, run_dir, "iteration_0000").metrics()
        log.write({"iteration": 0, "perf/env_samples": 0, "perf/games": 0, **start_eval, **pre})

    def checkpoint() -> None:
        state: dict[str, Any] = {
            **policy_state(policy, cfg),
            "critic": critic.state_dict(),
            "target": target.state_dict(),
            "optimizer": optimizer.state_dict(),
            "buffer": buffer.state_dict(),
            "rng": rng_state(rng),
            "iteration": it,
            "env_samples": env_samples,
            "games": games,
            "start_eval": start_eval,
        }
        save_checkpoint(state, run_dir)

    if not resume_run:
        checkpoint()
    venv = VectorTextEnv([make_env(cfg.env) for _ in range(a.rollout_trajectories)])
    while it < cfg.chai.iterations and not cfg.run.budget_spent(env_samples):
        it += 1
        t_it = time.time()

        # 1. rollout with the best-of-k agent; 2. buffer
        seeds = [int(s) for s in rng.integers(0, cfg.eval.seed, size=len(venv))]
        played = play_games(agent, venv, seeds)
        samples_before = env_samples
        env_samples += buffer.add_games(played)
        games += len(played)

        # 3. critic: TD steps, V targets backing up the agent's choice
        row: dict[str, Any] = {"iteration": it}
        row.update(critic_steps(critic, target, agent, buffer, optimizer, cfg, a.critic_updates, rng))

        # 4. evaluate, log, checkpoint
        row.update(
            {
                "perf/env_samples": env_samples,
                "perf/games": games,
                **rollout_metrics(played),
            }
        )
        last = it == cfg.chai.iterations or cfg.run.budget_spent(env_samples)
        if eval_due(it, cfg.eval.every, samples_before, env_samples, cfg.eval.every_samples, last):
            row.update(run_eval(agent, cfg, run_dir, f"iteration_{it:04d}").metrics())
        row["perf/iteration_s"] = time.time() - t_it
        log.write(row)
        checkpoint()

    counters = {"iterations": it, "env_samples": env_samples, "games": games}
    return finish(cfg, run_dir, log, "chai", t0, counters, start_eval)
