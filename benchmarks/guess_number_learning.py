"""Does ArCHer reach the optimum of guess_number? A learning benchmark with exact targets.

Runs `archer train` on guess_number (n = 16 by default) from a BC policy trained on the
near-linear scripted player, for several seeds, and reports the BC start and the final greedy
eval return against the exact optimum (-3.5 for n = 16; binary search -4.0). The claim checked:
the final return is within `--tolerance` (0.5) turns of the optimum.

    python benchmarks/guess_number_learning.py --seeds 0 1 2 --out benchmarks/results/guess_number.json
    python benchmarks/guess_number_learning.py --seeds 0 archer.iterations=2   # a quick smoke run

Extra `section.key=value` arguments override configs/guess_number.yaml. Results (JSON) hold
every seed's numbers, the machine and the wall time; nothing is asserted about speed here.

Exact greedy returns: a greedy policy sees nothing but the answers about its hidden number, so
its expected return is the mean over the n numbers of one game each, with no sampling noise. The
held-out games now hide each number equally often (guess_number's seeds are stratified), so for
n dividing 64 the logged greedy return equals it; runs made before that change sampled the
numbers unevenly. Each seed's row holds it for the BC start, the final policy and the kept-best
one (`*_exact`); `--score RUN [RUN ...]` computes it for the policy files of finished runs
(bc_policy.pt, best_policy.pt, checkpoint.pt).

    python benchmarks/guess_number_learning.py --score runs/keep/guess_number-seed0-*
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from archer.checkpoint import BC_FILENAME, BEST_FILENAME, FILENAME, load_checkpoint
from archer.config import EnvConfig, from_dict, load_config
from archer.envs import make_env
from archer.envs.base import VectorTextEnv
from archer.envs.guess_number import GuessNumberEnv, optimal_return
from archer.models.build import resolve_device
from archer.models.policy import Sampler
from archer.rollout import play_games
from archer.train import restore_policy, train

ROOT = Path(__file__).resolve().parents[1]


def seed_per_number(n: int) -> list[int]:
    """For k = 1..n, the first seed at or after the held-out range whose game hides k."""
    env, seeds, seed = GuessNumberEnv(n=n), [], 1_000_000
    for k in range(1, n + 1):
        while env.reset(seed=seed)[1]["number"] != k:
            seed += 1
        seeds.append(seed)
    return seeds


def exact_greedy_return(policy: Sampler, env_cfg: EnvConfig) -> float:
    """The greedy policy's expected return: the mean over the n hidden numbers, one game each."""
    seeds = seed_per_number(env_cfg.n)
    games = play_games(policy, VectorTextEnv([make_env(env_cfg) for _ in seeds]), seeds, greedy=True)
    return statistics.mean(g.total_return for g in games)


def score_file(path: Path) -> float:
    """The exact greedy return of a policy file (a checkpoint or bc_policy.pt / best_policy.pt)."""
    state = load_checkpoint(path)
    cfg = from_dict(state["config"])
    return exact_greedy_return(restore_policy(cfg, state, path.parent, resolve_device("cpu")), cfg.env)


def score_runs(run_dirs: list[Path]) -> list[dict]:
    """`--score`: the exact greedy return of every policy file a run folder holds."""
    rows = []
    for run_dir in run_dirs:
        row: dict = {"run_dir": str(run_dir)}
        for name, key in ((BC_FILENAME, "bc_start_exact"), (BEST_FILENAME, "best_exact"), (FILENAME, "final_exact")):
            if (run_dir / name).is_file():
                row[key] = score_file(run_dir / name)
        rows.append(row)
        print(json.dumps(row))
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--tolerance", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "guess_number.json")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "benchmarks")
    parser.add_argument("--score", type=Path, nargs="+", help="only score the policies of these finished runs")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)
    if args.score:
        return {"benchmark": "guess_number_exact_greedy", "runs": score_runs(args.score)}

    rows = []
    for seed in args.seeds:
        cfg = load_config(
            ROOT / "configs" / "guess_number.yaml",
            [
                *args.overrides,
                f"run.seed={seed}",
                f"run.out_dir={args.runs}",
                f"run.name=guess_number-seed{seed}-{time.strftime('%Y%m%d-%H%M%S')}",
            ],
        )
        t0 = time.time()
        summary = train(cfg)
        optimum = optimal_return(cfg.env.n)
        exact = score_runs([summary.run_dir])[0]
        rows.append(
            {
                "seed": seed,
                "bc_start": summary.start["eval/return_mean"],
                "bc_start_stderr": summary.start["eval/return_stderr"],
                "final": summary.final["eval/return_mean"],
                "final_stderr": summary.final["eval/return_stderr"],
                "final_sampled": summary.final.get("eval/sampled_return_mean"),
                "optimum": optimum,
                "gap_to_optimum": optimum - summary.final["eval/return_mean"],
                "within_tolerance": optimum - summary.final["eval/return_mean"] <= args.tolerance,
                # with eval.keep_best=true: the policy kept by its validation return, on the held-out games
                "best": summary.best,
                "best_within_tolerance": bool(summary.best)
                and optimum - summary.best["eval/return_mean"] <= args.tolerance,
                "bc_start_exact": exact["bc_start_exact"],
                "final_exact": exact["final_exact"],
                "best_exact": exact.get("best_exact"),
                "minutes": (time.time() - t0) / 60,
                "run_dir": str(summary.run_dir),
            }
        )
        print(json.dumps(rows[-1]))
    finals = [r["final"] for r in rows]
    report = {
        "benchmark": "guess_number_learning",
        "machine": f"{platform.machine()} {platform.processor() or ''} {__import__('os').cpu_count()} cores".strip(),
        "overrides": args.overrides,
        "seeds": rows,
        "final_mean": statistics.mean(finals),
        "final_std": statistics.stdev(finals) if len(finals) > 1 else 0.0,
        "optimum": rows[0]["optimum"],
        "tolerance": args.tolerance,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(
        f"final greedy return {report['final_mean']:.2f} ± {report['final_std']:.2f} (std over {len(rows)} seeds); "
        f"optimum {report['optimum']:.2f}; report in {args.out}"
    )
    return report


if __name__ == "__main__":
    main()
