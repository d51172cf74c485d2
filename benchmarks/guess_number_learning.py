"""Does ArCHer reach the optimum of guess_number? A learning benchmark with exact targets.

Runs `archer train` on guess_number (n = 16 by default) from a BC policy trained on the
near-linear scripted player, for several seeds, and reports the BC start and the final greedy
eval return against the exact optimum (-3.5 for n = 16; binary search -4.0). The claim checked:
the final return is within `--tolerance` (0.5) turns of the optimum.

    python benchmarks/guess_number_learning.py --seeds 0 1 2 --out benchmarks/results/guess_number.json
    python benchmarks/guess_number_learning.py --seeds 0 archer.iterations=2   # a quick smoke run

Extra `section.key=value` arguments override configs/guess_number.yaml. Results (JSON) hold
every seed's numbers, the machine and the wall time; nothing is asserted about speed here.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from archer.config import load_config
from archer.envs.guess_number import optimal_return
from archer.train import train

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--tolerance", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "guess_number.json")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "benchmarks")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)

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
