"""Can ArCHer's actor raise a WebShop clone when its advantages are right? The actor alone.

WebShop's learned critics rank a results page's products at chance and options against `buy now`
at 0.6-0.7 (benchmarks/webshop_critic.py), and ArCHer's runs from the recipe's clone gain at most
+0.02. To tell a critic problem from an actor problem, this script replaces the learned critic by
Monte-Carlo values from the store itself and runs the product's own `actor_step` (same loss, KL
penalty, learning rate, group baseline) on states from the current policy's own games
(`archer.batch_size` states a step, each with `archer.actor_samples` utterances; ArCHer's own
actor phase takes batch_size // actor_samples states):

    Q(s, a) = γ^k · reward   (replay the game to s, play a, then the current policy greedily to the end;
                              k = the actions after a, reward = the store's score of the purchase, 0 if none)

With `archer.baseline=group` (required) each sampled utterance's Q is compared with the mean Q of
its siblings at the same state. The continuation is greedy because evaluation is greedy: Q is the
value of a move for the policy that is measured. These values are exact for the current greedy
policy (the store is deterministic); the only noise left is which utterances the actor samples.

    python benchmarks/webshop_actor.py --bc-run runs/NAME/bc_policy.pt --steps 40 --every 10 \
        archer.baseline=group archer.actor_samples=4 run.threads=2
    python benchmarks/webshop_actor.py --bc-run runs/NAME/bc_policy.pt --critic runs/NAME --states 64 \
        archer.baseline=group archer.actor_samples=4

`--critic RUN` trains nothing: at `--states` states of the policy's own games it samples the
utterances an actor step would and scores them with both the played-out values and RUN's learned
critic (min of its two Q heads), then reports how far the learned group advantages agree with the
true ones: their sign where the true advantage is not ~0, their correlation, and each one's spread;
the same for the run's target critic (the Polyak copy), and the sign agreement split at the median
size of the learned advantage. The states and the utterances are drawn from `run.seed` alone, so
critics compared at one seed score the same utterances. One draw of 64 states is noisy: the same
critic scored sign agreement 0.59 to 0.75 over eight draws (session 20); compare critics over
several seeds (`run.seed=0`, `1`, `2`, ...).

Games and evaluation follow configs/webshop.yaml (the fixed range 2000..2099 for both, as the
recipe). Results go to benchmarks/results/webshop_actor.json with the machine and the settings.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from archer.actor_update import actor_step, group_advantage
from archer.checkpoint import load_checkpoint
from archer.config import Config, load_config
from archer.envs import VectorTextEnv, make_env
from archer.evaluate import evaluate, standard_error
from archer.models.build import build_critic
from archer.models.policy import Policy
from archer.rollout import play_games
from archer.seeding import seed_everything
from archer.train import actor_settings, from_run_folder, load_run_config, restore_policy

ROOT = Path(__file__).resolve().parents[1]


class MonteCarloCritic:
    """Stands where the learned critic stands in `actor_step`: Q(s, a) from playing the game out.

    `games[s]` holds how to reach state s: (reset seed, the actions taken before s). Returns
    (Q, Q, Q, Q): only the group baseline's ranking of a state's samples is used."""

    def __init__(self, cfg: Config, policy: Policy, games: dict[str, tuple[int, list[str]]]) -> None:
        self.cfg, self.policy, self.games = cfg, policy, games
        self.gamma = cfg.archer.gamma

    def __call__(self, states: list[str], actions: list[str]) -> tuple[torch.Tensor, ...]:
        was_training = self.policy.model.training
        self.policy.model.eval()  # the continuation is the greedy policy that evaluation plays (no dropout)
        try:
            return self._play_out(states, actions)
        finally:
            self.policy.model.train(was_training)

    def _play_out(self, states: list[str], actions: list[str]) -> tuple[torch.Tensor, ...]:
        envs = [make_env(self.cfg.env) for _ in states]
        observations: list[str] = []
        done: list[bool] = []
        value = np.zeros(len(states))
        steps_after = np.zeros(len(states), dtype=int)
        for i, (state, action) in enumerate(zip(states, actions)):
            seed, before = self.games[state]
            envs[i].reset(seed=seed)
            for past in before:
                envs[i].step(past)
            obs, reward, terminated, truncated, _ = envs[i].step(action)
            observations.append(obs)
            done.append(terminated or truncated)
            value[i] = reward
        while active := [i for i in range(len(states)) if not done[i]]:
            with torch.no_grad():
                moves = self.policy.sample([observations[i] for i in active], greedy=True).texts
            for i, move in zip(active, moves):
                obs, reward, terminated, truncated, _ = envs[i].step(move)
                observations[i] = obs
                steps_after[i] += 1
                done[i] = terminated or truncated
                value[i] = reward
        q = torch.tensor(value * self.gamma**steps_after, dtype=torch.float32)
        return q, q, q, q


def play_routes(
    policy: Policy, venv: VectorTextEnv, seeds: list[int], routes: dict[str, tuple[int, list[str]]]
) -> list[str]:
    """Play one game per seed with the policy (sampling); record how to reach each state. Returns the states."""
    policy.model.eval()
    states: list[str] = []
    for game in play_games(policy, venv, seeds):
        for k, turn in enumerate(game.turns):
            routes[turn.observation] = (game.seed, [t.action for t in game.turns[:k]])
            states.append(turn.observation)
    return states


def correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation; None where it is undefined (under 3 points, or one side constant)."""
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def compare_critic(
    cfg: Config, policy: Policy, run: Path, n_states: int, games_per_round: int, rng: np.random.Generator
) -> dict:
    """The learned critic's group advantages against the played-out ones, on the same sampled utterances."""
    run_cfg = load_run_config(run)
    learned = build_critic(run_cfg, policy)
    saved = load_checkpoint(run)
    learned.load_state_dict(saved["critic"])
    learned.eval()
    target = build_critic(run_cfg, policy)  # the Polyak-averaged copy: does it rank better than the online critic?
    target.load_state_dict(saved["target"])
    target.eval()
    torch.manual_seed(cfg.run.seed)  # the same sampled games and utterances for every critic compared at this seed
    routes: dict[str, tuple[int, list[str]]] = {}
    true_values = MonteCarloCritic(cfg, policy, routes)
    venv = VectorTextEnv([make_env(cfg.env) for _ in range(games_per_round)])
    pool: list[str] = []
    seed = 0
    while len(pool) < n_states:
        pool += play_routes(policy, venv, list(range(seed, seed + games_per_round)), routes)
        seed += games_per_round
    picked = [pool[i] for i in rng.choice(len(pool), size=n_states, replace=False)]
    group = cfg.archer.actor_samples
    states = [s for s in picked for _ in range(group)]
    true_adv, learned_adv, target_adv, heads_agree = [], [], [], []
    for start in range(0, len(states), 32 * group):
        chunk = states[start : start + 32 * group]
        with torch.no_grad():
            texts = policy.sample(chunk).texts
            q1, q2, _, _ = learned(chunk, texts)
            t1, t2, _, _ = target(chunk, texts)
        true_adv.append(group_advantage(true_values(chunk, texts)[0], group))
        learned_adv.append(group_advantage(torch.minimum(q1, q2), group))
        target_adv.append(group_advantage(torch.minimum(t1, t2), group))
        heads_agree.append(torch.sign(group_advantage(q1, group)) == torch.sign(group_advantage(q2, group)))
    a_true, a_learned, a_target = (torch.cat(a).numpy() for a in (true_adv, learned_adv, target_adv))
    clear = np.abs(a_true) > 0.01
    agree = np.sign(a_true[clear]) == np.sign(a_learned[clear])
    target_agree = np.sign(a_true[clear]) == np.sign(a_target[clear])
    both = np.abs(a_learned) > 1e-6

    def agreement_where(subset: np.ndarray) -> dict:
        """Sign agreement on the utterances in `subset` (and a clear true advantage): is the critic surer there?"""
        pick = subset[clear]
        return {"utterances": int(pick.sum()), "sign_agreement": float(agree[pick].mean()) if pick.any() else None}

    large = np.abs(a_learned) >= np.median(np.abs(a_learned))
    return {
        "what": "learned critic's group advantages vs played-out values, same states and utterances",
        "critic_run": str(run),
        "states": n_states,
        "samples_per_state": group,
        "utterances_with_clear_true_advantage": int(clear.sum()),
        "sign_agreement": float(agree.mean()) if clear.any() else None,
        "sign_agreement_stderr": standard_error(agree.astype(float)) if clear.sum() > 1 else None,
        "correlation": correlation(a_true[both], a_learned[both]),
        "true_advantage_std": float(a_true.std()),
        "learned_advantage_std": float(a_learned.std()),
        "where_both_q_heads_agree_in_sign": agreement_where(torch.cat(heads_agree).numpy()),
        "where_learned_advantage_is_large": agreement_where(large),
        "where_learned_advantage_is_small": agreement_where(~large),
        "target_critic": {
            "sign_agreement": float(target_agree.mean()) if clear.any() else None,
            "correlation": correlation(a_true[both], a_target[both]),
        },
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bc-run", type=Path, required=True, help="a WebShop run folder or a policy file in one")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--every", type=int, default=10, help="evaluate every this many actor steps")
    parser.add_argument("--games-per-step", type=int, default=8, help="on-policy games whose states the actor uses")
    parser.add_argument("--critic", type=Path, help="compare this run's learned critic with the played-out values")
    parser.add_argument("--states", type=int, default=64, help="--critic: states compared")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "webshop_actor.json")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)

    cfg = load_config(ROOT / "configs" / "webshop.yaml", args.overrides)
    if cfg.archer.baseline != "group" or cfg.archer.actor_samples < 2:
        parser.error("use archer.baseline=group archer.actor_samples=N (N >= 2): the values rank a state's samples")
    if cfg.run.threads:
        torch.set_num_threads(cfg.run.threads)
    rng = seed_everything(cfg.run.seed)
    state = load_checkpoint(args.bc_run)
    run_dir = from_run_folder(args.bc_run)
    policy = restore_policy(cfg, state, run_dir, torch.device("cpu"))
    reference = restore_policy(cfg, state, run_dir, torch.device("cpu"))
    for p in reference.model.parameters():
        p.requires_grad_(False)
    if args.critic is not None:
        report = compare_critic(cfg, policy, args.critic, args.states, args.games_per_step, rng)
        report["machine"] = f"{platform.machine()}, {torch.get_num_threads()} torch threads"
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2))
        return report
    optimizer = torch.optim.AdamW(policy.model.parameters(), lr=cfg.archer.actor_lr)
    venv = VectorTextEnv([make_env(cfg.env) for _ in range(args.games_per_step)])
    routes: dict[str, tuple[int, list[str]]] = {}
    critic = MonteCarloCritic(cfg, policy, routes)
    start_games: list[float] = []

    def greedy_eval() -> dict[str, float]:
        policy.model.eval()
        result = evaluate(policy, lambda: make_env(cfg.env), cfg.eval.games, cfg.eval.seed)
        returns = [g.total_return for g in result.games]
        if not start_games:
            start_games.extend(returns)
        diff = np.array(returns) - np.array(start_games)
        return {
            "greedy": result.return_mean,
            "greedy_stderr": result.return_stderr,
            "paired_gain": float(diff.mean()),
            "paired_stderr": standard_error(diff),
            "better": int((diff > 1e-9).sum()),
            "worse": int((diff < -1e-9).sum()),
        }

    curve = [{"step": 0, **greedy_eval()}]
    print(f"step 0: {curve[-1]}", flush=True)
    t0 = time.time()
    seed = 0
    for step in range(1, args.steps + 1):
        pool = play_routes(policy, venv, list(range(seed, seed + args.games_per_step)), routes)
        seed += args.games_per_step
        states = [pool[i] for i in rng.integers(0, len(pool), size=cfg.archer.batch_size)]
        policy.model.train()
        metrics = actor_step(
            policy,
            critic,  # type: ignore[arg-type]  # duck-typed: any callable (states, actions) -> (q1, q2, v1, v2)
            states,
            optimizer,
            cfg.archer.grad_clip,
            reference=reference,
            **actor_settings(cfg),  # values in game units: no reward_scale
        )
        if step % args.every == 0 or step == args.steps:
            curve.append(
                {
                    "step": step,
                    **greedy_eval(),
                    "advantage_std": metrics["actor/advantage_std"],
                    "kl": metrics["actor/kl"],
                    "seconds": time.time() - t0,
                }
            )
            print(f"step {step}: {curve[-1]}", flush=True)

    result = {
        "what": "ArCHer's actor alone on WebShop with Monte-Carlo values of the current greedy policy",
        "bc_run": str(args.bc_run),
        "settings": {
            "actor_lr": cfg.archer.actor_lr,
            "kl_coef": cfg.archer.kl_coef,
            "batch_size": cfg.archer.batch_size,
            "actor_samples": cfg.archer.actor_samples,
            "gamma": cfg.archer.gamma,
            "temperature": cfg.policy.temperature,
            "games_per_step": args.games_per_step,
            "eval_games": cfg.eval.games,
            "seed": cfg.run.seed,
        },
        "curve": curve,
        "seconds": time.time() - t0,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, {platform.python_version()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    last = curve[-1]
    gain = f"paired {last['paired_gain']:+.3f} ± {last['paired_stderr']:.3f}"
    print(f"final greedy {last['greedy']:.3f}, {gain}; wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
