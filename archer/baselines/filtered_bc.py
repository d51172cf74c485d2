"""Online filtered behaviour cloning: imitate your own best games.

    for each iteration:
        rollout:  play `games_per_iteration` games with the current policy (sampling)
        select:   keep the best ⌈top_fraction · n⌉ of all n games played so far, by return
        fine-tune: `updates_per_iteration` steps of L_BC = -mean_t log π(a_t | s, a_<t) on their turns
        evaluate, log, checkpoint

The pool is every game the method has played (not the demonstrations), as in the paper's
reference code. Ties at the cut go to the more recent game (closer to the current policy); the
reference kept every game with return >= the 90th percentile, which with integer returns can keep
far more than 10%.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from archer.baselines.common import bc_start, finish, open_run, policy_state, run_eval
from archer.bc import bc_loss
from archer.checkpoint import load_checkpoint, save_checkpoint
from archer.config import Config
from archer.envs import make_env
from archer.evaluate import eval_due
from archer.models.build import resolve_device
from archer.models.policy import Policy
from archer.rollout import VectorTextEnv, play_games, rollout_metrics
from archer.seeding import rng_state, seed_everything, set_rng_state
from archer.train import Summary, restore_policy
from archer.trajectory import Game, Transition


def top_fraction(returns: Sequence[float], fraction: float) -> list[int]:
    """Indices of the best ⌈fraction · n⌉ games (at least one) by return, best first; among equal
    returns the later game (higher index) wins."""
    n = len(returns)
    k = max(1, math.ceil(round(fraction * n, 9)))  # round: 0.1 * 30 is 3.0000000000000004
    return sorted(range(n), key=lambda i: (-returns[i], -i))[:k]


def filtered_bc_step(
    policy: Policy, turns: list[Transition], optimizer: torch.optim.Optimizer, grad_clip: float
) -> dict[str, float]:
    """One supervised step on (state, utterance) pairs: L_BC over the utterance tokens."""
    state_ids = policy.encode_states([t.observation for t in turns])
    action_ids = policy.encode_actions([t.action for t in turns])
    token_logp, mask = policy.token_log_probs(state_ids, action_ids)  # [B, T] each
    loss = bc_loss(token_logp, mask)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(policy.model.parameters(), grad_clip)
    optimizer.step()
    return {"filtered_bc/loss": loss.item(), "filtered_bc/grad_norm": float(grad_norm)}


def train_filtered_bc(cfg: Config, run_dir: Path | None = None, resume_run: bool = False) -> Summary:
    """Run (or resume) online filtered BC as `cfg.filtered_bc` says; see the module docstring."""
    t0 = time.time()
    fcfg = cfg.filtered_bc
    run_dir, log = open_run(cfg, "filtered_bc", run_dir, resume_run)
    rng = seed_everything(cfg.run.seed)
    if resume_run:
        state = load_checkpoint(run_dir)
        policy = restore_policy(cfg, state, run_dir, resolve_device(cfg.run.device))
        optimizer = torch.optim.AdamW(policy.model.parameters(), lr=fcfg.lr)
        optimizer.load_state_dict(state["optimizer"])
        pool = [Game([Transition(**t) for t in g["turns"]], g["env"], g["seed"], g["success"]) for g in state["pool"]]
        set_rng_state(rng, state["rng"])
        it, env_samples, start_eval = state["iteration"], state["env_samples"], state["start_eval"]
        log.truncate_after(it)
    else:
        policy, _ = bc_start(cfg, run_dir)
        optimizer = torch.optim.AdamW(policy.model.parameters(), lr=fcfg.lr)
        pool, it, env_samples = [], 0, 0
        start_eval = run_eval(policy, cfg, run_dir, "iteration_0000").metrics()
        log.write({"iteration": 0, "perf/env_samples": 0, "perf/games": 0, **start_eval})

    def checkpoint() -> None:
        state: dict[str, Any] = {
            **policy_state(policy, cfg),
            "optimizer": optimizer.state_dict(),
            "pool": [g.to_json() for g in pool],
            "rng": rng_state(rng),
            "iteration": it,
            "env_samples": env_samples,
            "start_eval": start_eval,
        }
        save_checkpoint(state, run_dir)

    if not resume_run:
        checkpoint()
    venv = VectorTextEnv([make_env(cfg.env) for _ in range(fcfg.games_per_iteration)])
    while it < fcfg.iterations and not cfg.run.budget_spent(env_samples):
        it += 1
        t_it = time.time()

        # 1. rollout with the current policy
        seeds = [int(s) for s in rng.integers(0, cfg.eval.seed, size=len(venv))]
        games = play_games(policy, venv, seeds)
        samples_before = env_samples
        env_samples += sum(len(g.turns) for g in games)
        pool += games

        # 2. keep the best fraction of everything played so far
        kept = [pool[i] for i in top_fraction([g.total_return for g in pool], fcfg.top_fraction)]
        kept_turns = [t for g in kept for t in g.turns]

        # 3. fine-tune on the kept games' turns
        rows = []
        policy.model.train()
        for _ in range(fcfg.updates_per_iteration):
            idx = rng.integers(0, len(kept_turns), size=min(fcfg.batch_size, len(kept_turns)))
            rows.append(filtered_bc_step(policy, [kept_turns[i] for i in idx], optimizer, cfg.archer.grad_clip))
        policy.model.eval()

        # 4. evaluate, log, checkpoint
        row: dict[str, Any] = {
            "iteration": it,
            "perf/env_samples": env_samples,
            "perf/games": len(pool),
            **rollout_metrics(games),
            "filtered_bc/kept_games": len(kept),
            "filtered_bc/kept_return_min": min(g.total_return for g in kept),
            "filtered_bc/kept_return_mean": float(np.mean([g.total_return for g in kept])),
        }
        if rows:
            row.update({k: float(np.mean([r[k] for r in rows])) for k in rows[0]})
        last = it == fcfg.iterations or cfg.run.budget_spent(env_samples)
        if eval_due(it, cfg.eval.every, samples_before, env_samples, cfg.eval.every_samples, last):
            row.update(run_eval(policy, cfg, run_dir, f"iteration_{it:04d}").metrics())
        row["perf/iteration_s"] = time.time() - t_it
        log.write(row)
        checkpoint()

    counters = {"iterations": it, "env_samples": env_samples, "games": len(pool)}
    return finish(cfg, run_dir, log, "filtered_bc", t0, counters, start_eval)
