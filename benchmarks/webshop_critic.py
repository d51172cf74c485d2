"""Does a run's WebShop critic tell good purchases from bad ones? Scored against the store's own reward.

For each instruction, the scripted shopper (skill 1) searches once; then every product listed on
the first results page is opened and bought without options in a fresh copy of the game, which
gives the reward r_j that buying product j would earn. The run's critic (from its checkpoint)
scores the same moves:

- at the results page, Q(s, click[id_j]) for every listed product j;
- at product j's page, Q(s_j, click[buy now]).

Per instruction and per kind of move it reports `pair_acc` (the share of pairs of products whose
rewards differ by more than 0.05 that min(Q1, Q2) orders the same way; random ranking scores 0.5),
`top1_reward` (the reward of the product the critic rates highest), and beside them the best
reward on the page, the page's mean reward, and the reward of the product the run's policy clicks
greedily. At the page of the product the shopper opens it also scores the moves `click[buy now]`
and each option click followed by buying (`option_*`: options are where a clone loses most). A
critic that resolves purchases ranks well above 0.5 and picks near the best.

With `--train-steps N` it instead trains a fresh critic (the product's `build_critic` and
`critic_step`, with `key=value` overrides on the run's config, e.g. critic.describe_actions=true)
for N TD steps on the run's replay buffer, with the run's BC policy drawing the V target's
actions, and probes it every `--every` steps: the same data for every critic setting compared.

    python benchmarks/webshop_critic.py --run runs/NAME --games 100
    python benchmarks/webshop_critic.py --run runs/NAME --train-steps 300 --every 100 critic.describe_actions=true
    python benchmarks/webshop_critic.py --run runs/NAME --purchases [--policy runs/NAME/bc_policy.pt]
    python benchmarks/webshop_critic.py --run runs/NAME --options 16 [--policy runs/NAME/bc_policy.pt]

`--purchases` plays the run's policy (or `--policy`, a checkpoint in that run folder) greedily on
`--games` held-out instructions and counts where its purchases fall short, from the store's record
of each purchase: wrong product type, price over the bound, goal attributes or options missed.
`--options N` samples N moves of that policy at the page of the product the shopper opens and
reports how often it tries an option and how often it buys at once: an actor step can only
learn an option that its samples try.

Results go to benchmarks/results/webshop_critic.json (with `--out`), with the machine and the run.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from archer.buffer import ReplayBuffer
from archer.checkpoint import load_checkpoint
from archer.config import Config, apply_overrides
from archer.critic_update import critic_step
from archer.envs import make_env
from archer.envs.base import VectorTextEnv
from archer.envs.webshop import ScriptedPlayer
from archer.evaluate import standard_error
from archer.models.build import build_critic
from archer.models.critic import DoubleCritic, make_target
from archer.models.policy import Policy
from archer.rollout import play_games
from archer.seeding import seed_everything
from archer.train import load_run_config, restore_policy

ROOT = Path(__file__).resolve().parents[1]


def replay(env: Any, seed: int, actions: list[str]) -> tuple[str, float]:
    """Play `actions` from the start of game `seed`; the last observation and reward."""
    obs, reward = env.reset(seed=seed)[0], 0.0
    for action in actions:
        obs, reward, *_ = env.step(action)
    return obs, reward


def pair_accuracy(q: np.ndarray, r: np.ndarray, margin: float = 0.05) -> float | None:
    """Share of pairs with |r_i - r_j| > margin that q orders the same way as r; None with no such pair."""
    right = total = 0
    for i in range(len(r)):
        for j in range(i + 1, len(r)):
            if abs(r[i] - r[j]) > margin:
                total += 1
                right += int((q[i] - q[j]) * (r[i] - r[j]) > 0)
    return right / total if total else None


def page_products(observation: str) -> list[str]:
    return re.findall(r"^\[(?:clicked button|button)\] ([A-Z0-9]{10}) \[", observation, flags=re.MULTILINE)


def shopper_search(env: Any, shopper: ScriptedPlayer, seed: int) -> tuple[str, str]:
    """The skill-1 shopper's search for game `seed`: its query and the results page."""
    obs, _ = env.reset(seed=seed)
    query = shopper.act(obs)
    return query, env.step(query)[0]


def option_moves(item: str) -> list[str]:
    """The option clicks an item page offers (the indented buttons under each option group's name)."""
    return [f"click[{v}]" for v in re.findall(r"^  \[button\] (.+) \[button_\]$", item, re.M)]


def option_samples(cfg: Config, policy: Policy, games: int, samples: int) -> dict[str, Any]:
    """At the page of the product the shopper opens, how often the sampling policy tries an option.

    `samples` utterances at the policy's temperature per page; only pages that offer options count.
    An actor step can only learn an option that its samples try."""
    env, shopper = make_env(cfg.env), ScriptedPlayer(skill=1.0, seed=0)
    option_share, buy_share = [], []
    for g in range(games):
        seed = cfg.eval.seed + g
        query, results = shopper_search(env, shopper, seed)
        item, _ = replay(env, seed, [query, shopper.act(results)])
        options = {m.lower() for m in option_moves(item)}
        if not options:
            continue
        with torch.no_grad():
            moves = [t.strip().lower() for t in policy.sample([item] * samples).texts]
        option_share.append(float(np.mean([m in options for m in moves])))
        buy_share.append(float(np.mean([m == "click[buy now]" for m in moves])))
    return {
        "pages_with_options": len(option_share),
        "samples_per_page": samples,
        "option_click_share": float(np.mean(option_share)) if option_share else None,
        "buy_now_share": float(np.mean(buy_share)) if buy_share else None,
        "pages_with_no_option_tried": float(np.mean([s == 0 for s in option_share])) if option_share else None,
    }


def probe(cfg: Config, critic: DoubleCritic, policy: Policy, games: int) -> dict[str, Any]:
    critic.eval()
    env = make_env(cfg.env)
    shopper = ScriptedPlayer(skill=1.0, seed=0)
    kinds = ("click", "buy", "option")
    rows: dict[str, list[float]] = {f"{k}_{m}": [] for k in kinds for m in ("pair", "top1")}
    rows |= {k: [] for k in ("best", "mean", "policy_pick", "option_best", "option_buy_now", "option_policy_pick")}
    for g in range(games):
        seed = cfg.eval.seed + g
        query, results = shopper_search(env, shopper, seed)
        ids = page_products(results)
        if len(ids) < 2:
            continue
        item_pages, rewards = [], []
        for asin in ids:  # buy each listed product, without options, in a fresh copy of the game
            item, _ = replay(env, seed, [query, f"click[{asin}]"])
            item_pages.append(item)
            rewards.append(env.step("click[buy now]")[1])
        r = np.array(rewards)
        # At the page of the product the shopper opens: buy now, or one option click and then buy.
        opened = shopper.act(results)
        item, _ = replay(env, seed, [query, opened])
        moves = ["click[buy now]"] + option_moves(item)
        option_rewards = [
            replay(env, seed, [query, opened] + ([move] if move == "click[buy now]" else [move, "click[buy now]"]))[1]
            for move in moves
        ]
        with torch.no_grad():
            q_click = torch.minimum(*critic([results] * len(ids), [f"click[{a}]" for a in ids])[:2]).numpy()
            q_buy = torch.minimum(*critic(item_pages, ["click[buy now]"] * len(ids))[:2]).numpy()
            q_option = torch.minimum(*critic([item] * len(moves), moves)[:2]).numpy()
            pick = policy.sample([results], greedy=True).texts[0]
            item_pick = policy.sample([item], greedy=True).texts[0]
        for kind, q, rr in (("click", q_click, r), ("buy", q_buy, r), ("option", q_option, np.array(option_rewards))):
            acc = pair_accuracy(q, rr)
            if acc is not None:
                rows[f"{kind}_pair"].append(acc)
            rows[f"{kind}_top1"].append(float(rr[int(q.argmax())]))
        rows["option_best"].append(max(option_rewards))
        rows["option_buy_now"].append(option_rewards[0])
        if item_pick in moves:  # (a policy that opens a sub-page instead is not counted: n says how often it did not)
            rows["option_policy_pick"].append(option_rewards[moves.index(item_pick)])
        rows["best"].append(float(r.max()))
        rows["mean"].append(float(r.mean()))
        picked = [rewards[i] for i, a in enumerate(ids) if pick.strip().lower() == f"click[{a.lower()}]"]
        rows["policy_pick"].append(picked[0] if picked else 0.0)
    return {
        k: {"mean": float(np.mean(v)), "stderr": standard_error(np.array(v)), "n": len(v)} for k, v in rows.items() if v
    }


def purchases(cfg: Config, policy: Policy, games: int) -> dict[str, Any]:
    """Greedy games of `policy` on held-out instructions and the parts of each purchase."""
    envs = [make_env(cfg.env) for _ in range(games)]
    played = play_games(policy, VectorTextEnv(envs), [cfg.eval.seed + g for g in range(games)], greedy=True)
    bought = [env.store.purchases.get(env.session.session) for env in envs]  # type: ignore[attr-defined]
    done = [p for p in bought if p]
    return {
        "mean_reward": float(np.mean([sum(t.reward for t in g.turns) for g in played])),
        "games": games,
        "no_purchase": games - len(done),
        "wrong_type": sum(p["r_type"] < 1 for p in done),
        "over_price": sum(not p["price_ok"] for p in done),
        "attributes_missed": sum(p["r_att"] is not None and p["r_att"] < 1 for p in done),
        "with_goal_options": sum(p["r_option"] is not None for p in done),
        "options_missed": sum(p["r_option"] is not None and p["r_option"] < 1 for p in done),
        "three_action_games": sum(len(g.turns) == 3 for g in played),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="a WebShop run folder with a checkpoint.pt")
    parser.add_argument(
        "--games", type=int, default=100, help="instructions probed (the run's held-out seeds, eval.seed on)"
    )
    parser.add_argument("--train-steps", type=int, default=0, help="train a fresh critic this long on the run's buffer")
    parser.add_argument("--every", type=int, default=100, help="probe every this many training steps")
    parser.add_argument("--purchases", action="store_true", help="count where greedy purchases fall short instead")
    parser.add_argument(
        "--options",
        type=int,
        default=0,
        help="sample this many moves at each opened product's page and count option clicks instead",
    )
    parser.add_argument(
        "--policy", type=Path, default=None, help="with --purchases or --options: a policy checkpoint of the run"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "webshop_critic.json")
    parser.add_argument("overrides", nargs="*", help="key=value settings on top of the run's config")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    cfg = load_run_config(args.run)
    if cfg.env.name != "webshop":
        raise SystemExit(f"{args.run} is a {cfg.env.name} run; this probe reads WebShop runs")
    apply_overrides(cfg, args.overrides)
    state = load_checkpoint(args.run)
    curve = []
    if args.purchases or args.options:
        policy_state = load_checkpoint(args.policy) if args.policy else state
        policy = restore_policy(cfg, policy_state, args.run, torch.device("cpu"))
        if args.purchases:
            kind, counts = "purchases", purchases(cfg, policy, args.games)
        else:
            seed_everything(args.seed)
            kind, counts = "options", option_samples(cfg, policy, args.games, args.options)
        print(json.dumps(counts))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"run": str(args.run), "policy": str(args.policy), kind: counts}, indent=2))
        return counts
    if not args.train_steps:  # the run's own critic and policy
        policy = restore_policy(cfg, state, args.run, torch.device("cpu"))
        critic = build_critic(cfg, policy)
        critic.load_state_dict(state["critic"])
        curve.append({"step": None, **probe(cfg, critic, policy, args.games)})
    else:  # a fresh critic on the run's buffer, the BC policy drawing the V target's actions
        rng = seed_everything(args.seed)
        policy = restore_policy(cfg, load_checkpoint(args.run / "bc_policy.pt"), args.run, torch.device("cpu"))
        critic = build_critic(cfg, policy)
        target = make_target(critic)
        optimizer = torch.optim.AdamW(critic.parameters(), lr=cfg.archer.critic_lr)
        buffer = ReplayBuffer(cfg.archer.buffer_capacity)
        buffer.load_state_dict(state["buffer"])
        for step in range(1, args.train_steps + 1):
            critic.train()
            loss = critic_step(
                critic,
                target,
                policy,
                buffer.sample(cfg.archer.batch_size, rng),
                optimizer,
                gamma=cfg.archer.gamma,
                tau=cfg.archer.tau,
                grad_clip=cfg.archer.grad_clip,
                reward_scale=cfg.archer.reward_scale,
            )["critic/loss"]
            if step % args.every == 0 or step == args.train_steps:
                curve.append({"step": step, "loss": loss, **probe(cfg, critic, policy, args.games)})
                print(f"step {step}: TD loss {loss:.4f}", flush=True)
    scores = curve[-1]
    for k, v in scores.items():
        if isinstance(v, dict):
            print(f"{k:18s} {v['mean']:.3f} ± {v['stderr']:.3f} (n={v['n']})")
    report = {
        "run": str(args.run),
        "games": args.games,
        "overrides": args.overrides,
        "train_steps": args.train_steps,
        "scores": {k: v for k, v in scores.items() if isinstance(v, dict)},
        "curve": curve,
        "seconds": round(time.time() - t0, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''} {__import__('os').cpu_count()} cores".strip(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
