"""Can the actor reach the optimum when its advantages are exact? guess_number, actor alone.

ArCHer's actor follows the critic's advantage. To tell an actor problem from a critic problem,
this script replaces the learned critic by the exact optimal one of guess_number and runs the
product's own `actor_step` (same loss, KL penalty, learning rate, batch) on states from the
current policy's own games:

    Q*(s, a) = -1 - E[C(m')]   (m' numbers left after the answer; C from `optimal_costs`)
    V*(s)    = -C(m)            so A = Q* - V* <= 0, zero only for optimal utterances

A malformed question, a guess outside the interval or a comparison that splits nothing costs a
turn and leaves m unchanged: A = -1. If the actor cannot reach binary search (-4.0) or the
optimum (-3.5) with exact advantages in a given number of steps, no critic will make it.

With the paper's baseline (`archer.baseline=v`) these advantages are never positive, so the
gradient only pushes down sampled utterances (measured, see docs/results.md: at temperature 0.5
and lr 1e-4 the policy collapsed into malformed text after 40 steps). With
`archer.baseline=group archer.actor_samples=4` each sampled utterance's exact Q* is compared
with its siblings' mean at the same state: centred advantages whose sign says which of the
policy's own candidates is better, the fair test of the actor.

    python benchmarks/guess_number_actor.py --bc-run RUN/bc_policy.pt --steps 150 --every 25 \
        archer.baseline=group archer.actor_samples=4
    python benchmarks/guess_number_actor.py --bc-run RUN archer.actor_lr=1e-4 archer.kl_coef=0.1
    python benchmarks/guess_number_actor.py --bc-run RUN archer.baseline=group archer.actor_samples=4 \
        token_baseline.enabled=true   # the paper's token-level baseline on top (archer/token_baseline.py)

Results go to benchmarks/results/guess_number_actor.json with the machine and the settings.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from archer.buffer import ReplayBuffer
from archer.checkpoint import load_checkpoint
from archer.config import load_config
from archer.envs import VectorTextEnv, make_env
from archer.envs.guess_number import answer, candidates_from_transcript, optimal_costs, parse_question
from archer.evaluate import evaluate
from archer.rollout import play_games
from archer.seeding import seed_everything
from archer.token_baseline import actor_step_for, make_token_baseline
from archer.train import actor_settings, from_run_folder, restore_policy

ROOT = Path(__file__).resolve().parents[1]


def exact_q(observation: str, action: str, n: int) -> tuple[float, float]:
    """(Q*(s, a), V*(s)) with γ = 1, from the interval of numbers still consistent with s."""
    cost = optimal_costs(n)
    lo, hi = candidates_from_transcript(observation, n)
    m = hi - lo + 1
    v = -cost[m]
    wasted = -1.0 + v
    parsed = parse_question(action)
    if parsed is None:
        return wasted, v
    kind, k = parsed
    if kind == "guess":
        if not lo <= k <= hi:
            return wasted, v
        return -(m - 1) / m * (1 + cost[m - 1]), v
    # A comparison: count the consistent numbers the oracle would answer Yes for.

    yes = sum(answer(h, action) == "Yes." for h in range(lo, hi + 1))
    if yes in (0, m):
        return wasted, v
    return -1.0 - (yes * cost[yes] + (m - yes) * cost[m - yes]) / m, v


class ExactCritic:
    """Stands where the learned critic stands in `actor_step`: returns (Q*, Q*, V*, V*)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, states: list[str], actions: list[str]) -> tuple[torch.Tensor, ...]:
        pairs = [exact_q(s, a, self.n) for s, a in zip(states, actions)]
        q = torch.tensor([p[0] for p in pairs])
        v = torch.tensor([p[1] for p in pairs])
        return q, q, v, v


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--bc-run", type=Path, required=True, help="a guess_number run folder or a policy file in one (bc_policy.pt)"
    )
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--every", type=int, default=25, help="evaluate every this many actor steps")
    parser.add_argument("--games-per-step", type=int, default=16, help="on-policy games added between steps")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "guess_number_actor.json")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)

    cfg = load_config(ROOT / "configs" / "guess_number.yaml", args.overrides)
    if cfg.run.threads:
        torch.set_num_threads(cfg.run.threads)
    rng = seed_everything(cfg.run.seed)
    state = load_checkpoint(args.bc_run)
    run_dir = from_run_folder(args.bc_run)
    policy = restore_policy(cfg, state, run_dir, torch.device("cpu"))
    reference = restore_policy(cfg, state, run_dir, torch.device("cpu"))
    for p in reference.model.parameters():
        p.requires_grad_(False)
    critic = ExactCritic(cfg.env.n)
    optimizer = torch.optim.AdamW(policy.model.parameters(), lr=cfg.archer.actor_lr)
    buffer = ReplayBuffer(cfg.archer.buffer_capacity)
    venv = VectorTextEnv([make_env(cfg.env) for _ in range(args.games_per_step)])
    token_baseline = make_token_baseline(cfg, policy) if cfg.token_baseline.enabled else None
    step_fn = actor_step_for(token_baseline)  # the paper's per-token residual weights A - Ṽ(s, a_<t) when enabled

    def greedy_eval() -> dict[str, float]:
        result = evaluate(policy, lambda: make_env(cfg.env), cfg.eval.games, cfg.eval.seed)
        sampled = evaluate(policy, lambda: make_env(cfg.env), cfg.eval.games, cfg.eval.seed, greedy=False)
        return {"greedy": result.return_mean, "greedy_stderr": result.return_stderr, "sampled": sampled.return_mean}

    curve = [{"step": 0, **greedy_eval()}]
    print(f"step 0: {curve[-1]}", flush=True)
    t0 = time.time()
    seed = 0
    for step in range(1, args.steps + 1):
        games = play_games(policy, venv, list(range(seed, seed + args.games_per_step)))
        seed += args.games_per_step
        buffer.add_games(games)
        states = buffer.sample(cfg.archer.batch_size, rng).observations
        policy.model.train()
        metrics = step_fn(
            policy,
            critic,  # type: ignore[arg-type]  # duck-typed: any callable (states, actions) -> (q1, q2, v1, v2)
            states,
            optimizer,
            cfg.archer.grad_clip,
            reference=reference,
            **actor_settings(cfg),  # values in game units: no reward_scale
        )
        policy.model.eval()
        if step % args.every == 0 or step == args.steps:
            curve.append(
                {
                    "step": step,
                    **greedy_eval(),
                    "advantage_mean": metrics["actor/advantage_mean"],
                    "kl": metrics["actor/kl"],
                    **({"token_baseline_loss": metrics["actor/token_baseline_loss"]} if token_baseline else {}),
                }
            )
            print(f"step {step} ({time.time() - t0:.0f} s): {curve[-1]}", flush=True)

    result = {
        "what": "actor alone with exact optimal advantages on guess_number",
        "bc_run": str(args.bc_run),
        "settings": {
            "n": cfg.env.n,
            "actor_lr": cfg.archer.actor_lr,
            "kl_coef": cfg.archer.kl_coef,
            "batch_size": cfg.archer.batch_size,
            "baseline": cfg.archer.baseline,
            "actor_samples": cfg.archer.actor_samples,
            "token_baseline": cfg.token_baseline.enabled,
            "temperature": cfg.policy.temperature,
            "games_per_step": args.games_per_step,
            "seed": cfg.run.seed,
        },
        "optimum": -optimal_costs(cfg.env.n)[cfg.env.n],
        "curve": curve,
        "seconds": time.time() - t0,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, {platform.python_version()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"final greedy {curve[-1]['greedy']:.2f} (optimum {result['optimum']:.2f}); wrote {args.out}")
    return result


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
