"""Did ArCHer beat its BC start over several seeds? Each run against its own clone, then the spread.

One run's difference from its BC start, played greedily on the same games, has a standard error
over those games. ArCHer's own seeds vary more than that: on WebShop ten seeds from one clone
(docs/results.md, session 20) ranged from -0.014 to +0.024 with paired errors of 0.007-0.014, and
two of them passed two paired errors while the ten averaged +0.002. So judge a setting by several
seeds: this script plays each run folder's final policy (`checkpoint.pt`) and its own
`bc_policy.pt` on the same games (the run's evaluation games, greedy), and reports each paired
difference, then their mean with its standard error over the runs.

    python benchmarks/seed_spread.py runs/ws20-r-s* --games 100 run.threads=1

Overrides may change only how the games are played, as in `archer eval` (env.*, policy.choose_from=,
policy.temperature=, run.threads=, run.device=). Results go to benchmarks/results/seed_spread.json
with the machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np
import torch

from archer.checkpoint import find_checkpoint, load_checkpoint
from archer.config import apply_overrides, from_dict
from archer.envs import make_env
from archer.errors import UserError
from archer.evaluate import PLAYABLE_OVERRIDES, evaluate, standard_error
from archer.models.build import resolve_device
from archer.train import restore_policy

ROOT = Path(__file__).resolve().parents[1]


def greedy_returns(path: Path, overrides: list[str], games: int, first_seed: int | None) -> tuple[list[float], dict]:
    """Per-game greedy returns of one checkpoint on `games` games from `first_seed` (default: its eval seed),
    and its iteration, game and first seed."""
    state = load_checkpoint(path)
    cfg = apply_overrides(from_dict(state["config"]), overrides).validate()
    if cfg.run.threads:
        torch.set_num_threads(cfg.run.threads)
    policy = restore_policy(cfg, state, path.parent, resolve_device(cfg.run.device))
    first = cfg.eval.seed if first_seed is None else first_seed
    result = evaluate(policy, lambda: make_env(cfg.env), games, first, greedy=True)
    return [g.total_return for g in result.games], {"iteration": state["iteration"], "env": cfg.env.name, "seed": first}


def paired_gain(run: Path, overrides: list[str], games: int) -> dict:
    """A run's final policy minus its own BC start, over the same games."""
    final = find_checkpoint(run)
    start = final.parent / "bc_policy.pt"
    if not start.is_file():
        raise UserError(f"{final.parent} has no bc_policy.pt: only runs that start from behaviour cloning compare")
    final_returns, about = greedy_returns(final, overrides, games, None)
    start_returns, _ = greedy_returns(start, overrides, games, about["seed"])  # the run's own games
    diff = np.subtract(final_returns, start_returns)
    return {
        "run": str(final.parent),
        "env": about["env"],
        "iteration": about["iteration"],
        "final": float(np.mean(final_returns)),
        "start": float(np.mean(start_returns)),
        "gain": float(diff.mean()),
        "paired_stderr": standard_error(diff),
        "better": int((diff > 0).sum()),
        "worse": int((diff < 0).sum()),
    }


def spread(rows: list[dict]) -> dict:
    """Mean gain over the runs, its standard error over the runs, and how many went up or down."""
    gains = np.array([r["gain"] for r in rows])
    return {
        "runs": len(rows),
        "mean_gain": float(gains.mean()),
        "stderr_over_runs": standard_error(gains),
        "std_over_runs": float(gains.std(ddof=1)) if len(gains) > 1 else 0.0,
        "up": int((gains > 0).sum()),
        "down": int((gains < 0).sum()),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("items", nargs="+", metavar="RUN or key=value", help="run folders, then overrides")
    parser.add_argument("--games", type=int, default=100, help="games per policy (default 100)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "seed_spread.json")
    args = parser.parse_intermixed_args(argv)
    overrides = [i for i in args.items if "=" in i]
    runs = [Path(i) for i in args.items if "=" not in i]
    bad = [o for o in overrides if not o.startswith(PLAYABLE_OVERRIDES)]
    if bad or not runs:
        only = ", ".join(PLAYABLE_OVERRIDES)
        parser.error(f"give run folders, then only {only} overrides" + (f": not {bad}" if bad else ""))
    rows = []
    for run in runs:
        rows.append(paired_gain(run, overrides, args.games))
        r = rows[-1]
        if r["env"] != rows[0]["env"]:
            raise UserError(f"{r['run']} plays {r['env']}, {rows[0]['run']} {rows[0]['env']}: one task at a time")
        print(
            f"{r['run']}: {r['start']:.3f} -> {r['final']:.3f} (iteration {r['iteration']}), "
            f"{r['gain']:+.3f} ± {r['paired_stderr']:.3f} paired; better in {r['better']}, worse in {r['worse']}"
        )
    summary = spread(rows)
    print(
        f"over {summary['runs']} runs: {summary['mean_gain']:+.3f} ± {summary['stderr_over_runs']:.3f} "
        f"(std. error over runs; std. dev. {summary['std_over_runs']:.3f}); {summary['up']} up, {summary['down']} down"
    )
    report = {
        "what": "each run's greedy return minus its own BC start's on the same games, and the spread over runs",
        "games": args.games,
        "overrides": overrides,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "runs": rows,
        "summary": summary,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    try:
        main()
    except UserError as error:
        sys.exit(f"error: {error}")
