"""How well does the critic fit exact values? guess_number's values are known in closed form.

Trains a critic (the product's `critic_step`, nothing re-implemented) by TD on scripted
demonstrations, with the V target's fresh action drawn from the same scripted player, so the
values it should learn are the demonstrator's, which `scripted_values` gives exactly. Every
`--every` steps it reports R² and mean absolute error of min(V1, V2) on the states of held-out
games. A predictor that only knows the turn number already reaches R² of about 0.6, so a critic
worth trusting should be well above that.

The actor needs less than good values and more than R²: the right order of the actions at a
state. So it also reports the critic's ranking of the 16 candidate moves at each probe state
(every comparison "Is it greater than k?" and a guess of the lowest candidate), scored against
the demonstrator's exact Q: `pair_acc`, the share of pairs of moves whose true values differ by
more than 0.05 that min(Q1, Q2) orders the same way, and `top1`, the share of states where the
critic's favourite move is a truly best one. A critic that ranks at random scores 0.5 and about
1/16 to 1/3.

    python benchmarks/guess_number_critic.py --steps 600 --every 100
    python benchmarks/guess_number_critic.py --bc-run runs/guess_number-...   # encoder = that BC policy's body
    python benchmarks/guess_number_critic.py critic.layout=separate critic.encoder=tiny

Results go to benchmarks/results/guess_number_critic.json with the machine and the settings.
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
from archer.critic_update import critic_step
from archer.envs.guess_number import (
    YES,
    GuessNumberEnv,
    ScriptedPlayer,
    answer,
    candidates_from_transcript,
    parse_question,
    scripted_values,
)
from archer.models.build import build_critic, build_policy_model, build_tokenizer, make_policy
from archer.models.critic import make_target
from archer.models.policy import Utterances
from archer.rollout import play_scripted
from archer.seeding import seed_everything
from archer.train import restore_policy

ROOT = Path(__file__).resolve().parents[1]


class ScriptedSampler:
    """Stands where the policy stands in `critic_step`: samples a' from the scripted player."""

    def __init__(self, player: ScriptedPlayer) -> None:
        self.player = player

    def sample(self, states: list[str], greedy: bool = False) -> Utterances:
        return Utterances([self.player.act(s) for s in states], [])


def r_squared(pred: np.ndarray, true: np.ndarray) -> float:
    return float(1 - ((pred - true) ** 2).sum() / ((true - true.mean()) ** 2).sum())


def candidate_moves(n: int, lo: int) -> list[str]:
    """The moves ranked at a state: every comparison that can split 1..n, and a guess of the lowest candidate."""
    return [f"Is it greater than {k}?" for k in range(1, n)] + [f"Is it {lo}?"]


def scripted_q(lo: int, hi: int, move: str, value: tuple[float, ...], gamma: float) -> float:
    """Exact Q of a `candidate_moves` move at [lo, hi], the scripted player playing on (`value`: its V(m))."""
    m = hi - lo + 1
    if parse_question(move)[0] == "guess":  # of lo: right once in m (reward 0, game over)
        return (m - 1) / m * (-1.0 + gamma * value[m - 1])
    yes = sum(answer(h, move) == YES for h in range(lo, hi + 1))  # the oracle's own answers
    if yes in (0, m):
        return -1.0 + gamma * value[m]  # splits nothing: a turn spent
    return -1.0 + gamma * (yes / m * value[yes] + (m - yes) / m * value[m - yes])


def ranking(critic, states: list[str], n: int, value: tuple[float, ...], gamma: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """`pair_acc` and `top1` of min(Q1, Q2) over `candidate_moves` at each state (see the module doc)."""
    agree = pairs = top = 0
    for state in states:
        lo, hi = candidates_from_transcript(state, n)
        moves = candidate_moves(n, lo)
        true = np.array([scripted_q(lo, hi, mv, value, gamma) for mv in moves])
        with torch.no_grad():
            q1, q2, _, _ = critic([state] * len(moves), moves)
        pred = torch.minimum(q1, q2).numpy()
        diff_true, diff_pred = true[:, None] - true[None, :], pred[:, None] - pred[None, :]
        counted = diff_true > 0.05  # each ordered pair once: i truly better than j
        pairs += int(counted.sum())
        agree += int((counted & (diff_pred > 0)).sum())
        top += int(true[int(pred.argmax())] >= true.max() - 0.05)
    return {"pair_acc": agree / max(pairs, 1), "top1": top / len(states)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--skill", type=float, default=0.7)
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument("--bc-run", type=Path, default=None, help="a run folder whose policy seeds the critic encoder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "guess_number_critic.json")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)

    cfg = load_config(ROOT / "configs" / "guess_number.yaml", args.overrides)
    rng = seed_everything(args.seed)
    n, gamma = cfg.env.n, cfg.archer.gamma
    env, player = (
        GuessNumberEnv(n=n, max_turns=cfg.env.max_turns),
        ScriptedPlayer(n=n, skill=args.skill, seed=args.seed),
    )
    train_games = [play_scripted(env, player, int(s)) for s in rng.integers(0, 10**9, size=args.games)]
    probe_games = [play_scripted(env, player, int(s)) for s in rng.integers(10**9, 2 * 10**9, size=200)]
    exact = scripted_values(n, args.skill, gamma)
    probe_states = [t.observation for g in probe_games for t in g.turns]
    probe_values = np.array([exact[hi - lo + 1] for lo, hi in (candidates_from_transcript(s, n) for s in probe_states)])
    rank_states = [
        probe_states[int(i)] for i in rng.choice(len(probe_states), size=min(100, len(probe_states)), replace=False)
    ]

    if args.bc_run is not None:
        policy = restore_policy(cfg, load_checkpoint(args.bc_run), args.bc_run, torch.device("cpu"))
    else:
        tokenizer = build_tokenizer(cfg, env.tokenizer_corpus())
        policy = make_policy(cfg, build_policy_model(cfg, tokenizer), tokenizer)
    critic = build_critic(cfg, policy)
    target = make_target(critic)
    optimizer = torch.optim.AdamW(critic.parameters(), lr=cfg.archer.critic_lr)
    buffer = ReplayBuffer(cfg.archer.buffer_capacity)
    buffer.add_games(train_games)
    sampler = ScriptedSampler(ScriptedPlayer(n=n, skill=args.skill, seed=args.seed + 1))

    curve, t0 = [], time.time()
    for step in range(1, args.steps + 1):
        critic.train()
        critic_step(
            critic,
            target,
            sampler,
            buffer.sample(cfg.archer.batch_size, rng),
            optimizer,  # type: ignore[arg-type]
            gamma,
            cfg.archer.tau,
            cfg.archer.grad_clip,
        )
        if step % args.every == 0 or step == args.steps:
            critic.eval()
            with torch.no_grad():
                pred = np.concatenate(
                    [
                        torch.minimum(*critic.values(probe_states[i : i + 256])).numpy()
                        for i in range(0, len(probe_states), 256)
                    ]
                )
            curve.append(
                {
                    "step": step,
                    "r2": r_squared(pred, probe_values),
                    "mae": float(np.abs(pred - probe_values).mean()),
                    **ranking(critic, rank_states, n, exact, gamma),
                    "seconds": time.time() - t0,
                }
            )
            print(json.dumps(curve[-1]), flush=True)
    report = {
        "benchmark": "guess_number_critic",
        "machine": f"{platform.machine()} {platform.processor() or ''} {__import__('os').cpu_count()} cores".strip(),
        "skill": args.skill,
        "gamma": gamma,
        "bc_run": str(args.bc_run) if args.bc_run else None,
        "critic": vars(cfg.critic),
        "batch_size": cfg.archer.batch_size,
        "critic_lr": cfg.archer.critic_lr,
        "seed": args.seed,
        "curve": curve,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
