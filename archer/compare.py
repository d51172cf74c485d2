"""`archer compare`: every method under identical conditions, side by side.

    archer compare --env guess_number --methods archer,ppo,filtered_bc,chai,bc --budget 20000 --seeds 3

For each seed, one BC policy is trained (OUT/seed_S/bc) and every method starts from it
(`bc.from_run`). Every online method then gets the same env-sample budget (utterances played,
`run.max_env_samples`; the iteration that crosses it completes) and is evaluated greedily on the
same held-out games (`eval.seed`) whenever its samples cross a multiple of `eval.every_samples`
(default: a tenth of the budget). BC and offline ArCHer play no games: their curve is flat.

Outputs in OUT: `results.md` and `results.csv` (per method: final greedy eval return, mean ± std
over seeds; env samples to first reach the threshold return, utterances and games; wall time) and
`curves.png` (eval return vs env samples, mean over seeds with a ±1 std band).

Resumable: a finished (method, seed) run (its summary.json exists) is read, not rerun; an
unfinished one with a checkpoint is resumed; a failed one has its traceback in error.txt, is
reported as failed, and does not stop the others (run the command again to retry it).
"""

from __future__ import annotations

import copy
import csv
import json
import math
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archer.config import Config
from archer.errors import UserError

METHODS = ("archer", "archer_tb", "ppo", "filtered_bc", "chai", "bc", "offline_archer")
#: The methods whose best final return sets the default threshold (the paper's comparison).
BASELINES = ("ppo", "filtered_bc", "chai", "bc")
BUDGET_FREE = ("bc", "offline_archer")  # play no games


@dataclass
class RunResult:
    """One (method, seed): its eval curve and outcome."""

    method: str
    seed: int
    status: str  # "ok" or "failed"
    curve: list[tuple[int, int, float]] = field(default_factory=list)  # (env samples, games, eval return)
    final_return: float = float("nan")
    env_samples: int = 0
    games: int = 0
    wall_s: float = 0.0
    error: str = ""


def parse_methods(text: str) -> list[str]:
    methods = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise UserError(f"unknown method(s) {', '.join(unknown) or '(none)'}; choose from: {', '.join(METHODS)}")
    return list(dict.fromkeys(methods))


def method_config(cfg: Config, method: str, seed: int, seed_dir: Path, budget: int) -> Config:
    """The config one (method, seed) runs with: the shared settings, its seed, the BC start, the budget."""
    c = copy.deepcopy(cfg)
    c.run.seed, c.run.out_dir, c.run.name, c.run.progress = seed, str(seed_dir), method, False
    c.bc.from_run = str(seed_dir / "bc")
    c.run.max_env_samples = budget
    if c.eval.every_samples == 0:
        c.eval.every_samples = max(1, budget // 10)
    # the budget ends every online loop; an iteration plays at least one utterance
    c.archer.iterations = c.filtered_bc.iterations = c.chai.iterations = c.ppo.iterations = budget
    c.token_baseline.enabled = method == "archer_tb"
    return c


def run_one(method: str, cfg: Config, run_dir: Path | None, resume: bool) -> None:
    """Start or resume one method's run in `run_dir` (a plain if-chain: one line per method)."""
    if method in ("archer", "archer_tb"):
        from archer.train import train

        train(cfg, run_dir=run_dir, resume_run=resume)
    elif method == "ppo":
        from archer.baselines.ppo import train_ppo

        train_ppo(cfg, run_dir=run_dir, resume_run=resume)
    elif method == "filtered_bc":
        from archer.baselines.filtered_bc import train_filtered_bc

        train_filtered_bc(cfg, run_dir=run_dir, resume_run=resume)
    elif method == "chai":
        from archer.baselines.chai import train_chai

        train_chai(cfg, run_dir=run_dir, resume_run=resume)
    elif method == "offline_archer":
        from archer.baselines.offline_archer import train_offline_archer

        train_offline_archer(cfg, run_dir=run_dir, resume_run=resume)
    else:
        raise ValueError(f"no runner for {method!r}")


def ensure_bc(cfg: Config, seed: int, seed_dir: Path) -> float:
    """The seed's BC run (OUT/seed_S/bc), trained once and reused; returns its wall seconds (0 if reused)."""
    from archer.train import train

    bc_dir = seed_dir / "bc"
    if (bc_dir / "summary.json").is_file():
        return 0.0
    if bc_dir.is_dir():
        shutil.rmtree(bc_dir)  # a BC run cut short is cheaper to redo than to resume
    c = copy.deepcopy(cfg)
    c.run.seed, c.run.out_dir, c.run.name, c.run.progress = seed, str(seed_dir), "bc", False
    c.archer.iterations, c.archer.critic_pretrain_steps = 0, 0
    c.token_baseline.enabled = False
    t0 = time.time()
    train(c)
    return time.time() - t0


def execute(method: str, cfg: Config, seed: int, seed_dir: Path, budget: int, say: Callable[[str], None]) -> RunResult:
    """Run (or skip, or resume) one (method, seed); never raises for the method's own failures."""
    from archer.baselines.common import load_run_config, remove_partial

    run_dir = seed_dir / method
    timing = run_dir / "compare.json"
    previous = json.loads(timing.read_text()) if timing.is_file() else {}
    if method == "bc":
        run_dir = seed_dir / "bc"  # BC is the shared start itself
    elif not (run_dir / "summary.json").is_file():
        resume = (run_dir / "checkpoint.pt").is_file()
        if not resume:
            remove_partial(run_dir)
        say(f"seed {seed}: {method} {'resuming' if resume else 'starting'}")
        t0 = time.time()
        try:
            mcfg = load_run_config(run_dir) if resume else method_config(cfg, method, seed, seed_dir, budget)
            run_one(method, mcfg, run_dir, resume)
            status, error = "ok", ""
        except Exception as exc:  # noqa: BLE001 - a failed method must not lose the others' results
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
            say(f"seed {seed}: {method} FAILED ({error}); traceback in {run_dir / 'error.txt'}")
        wall = previous.get("wall_s", 0.0) + time.time() - t0
        run_dir.mkdir(parents=True, exist_ok=True)
        timing.write_text(json.dumps({"wall_s": wall, "status": status, "error": error}))
        if status == "failed":
            return RunResult(method, seed, "failed", wall_s=wall, error=error)
    return read_result(method, seed, run_dir)


def read_result(method: str, seed: int, run_dir: Path) -> RunResult:
    """A finished run's curve and summary, from its metrics.jsonl and summary.json."""
    summary = json.loads((run_dir / "summary.json").read_text())
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    curve = [
        (int(r.get("perf/env_samples", 0)), int(r.get("perf/games", 0)), float(r["eval/return_mean"]))
        for r in rows
        if "eval/return_mean" in r
    ]
    timing = run_dir / "compare.json"
    wall = json.loads(timing.read_text())["wall_s"] if timing.is_file() else 60 * summary["minutes_this_session"]
    return RunResult(
        method,
        seed,
        "ok",
        curve=curve,
        final_return=float(summary["final"]["eval/return_mean"]),
        env_samples=int(summary.get("env_samples", 0)),
        games=int(summary.get("games", 0)),
        wall_s=float(wall),
    )


# ----------------------------------------------------------------------------- the table and the plot


def first_reach(curve: list[tuple[int, int, float]], threshold: float) -> tuple[int, int] | None:
    """(env samples, games) at the first evaluation with return >= threshold, or None."""
    for samples, games, ret in curve:
        if ret >= threshold:
            return samples, games
    return None


def default_threshold(results: list[RunResult]) -> float | None:
    """The best baseline's final return (mean over its seeds); None without a finished baseline."""
    means = [
        float(np.mean([r.final_return for r in results if r.method == m and r.status == "ok"]))
        for m in BASELINES
        if any(r.method == m and r.status == "ok" for r in results)
    ]
    return max(means) if means else None


def sample_ratio(results: list[RunResult], fast: str = "archer", slow: str = "ppo") -> str:
    """A line: env samples `fast` needed to first reach `slow`'s final mean return, over the samples
    `slow` used (utterances and games); the paper's headline is this ratio for ArCHer vs PPO."""
    fast_ok = [r for r in results if r.method == fast and r.status == "ok"]
    slow_ok = [r for r in results if r.method == slow and r.status == "ok"]
    if not fast_ok or not slow_ok:
        return ""
    target = float(np.mean([r.final_return for r in slow_ok]))
    used_s, used_g = np.mean([r.env_samples for r in slow_ok]), np.mean([r.games for r in slow_ok])
    reached = [x for x in (first_reach(r.curve, target) for r in fast_ok) if x]
    if not reached:
        return (
            f"{fast} did not reach {slow}'s final return {target:.2f} on any seed ({slow} used {used_s:.0f} samples)."
        )
    s, g = float(np.mean([x[0] for x in reached])), float(np.mean([x[1] for x in reached]))
    return (
        f"{fast} first reached {slow}'s final return {target:.2f} after {s:.0f} env samples ({g:.0f} games) "
        f"on {len(reached)}/{len(fast_ok)} seeds; {slow} used {used_s:.0f} ({used_g:.0f} games): "
        f"ratio {s / max(used_s, 1):.3f} in samples, {g / max(used_g, 1):.3f} in games."
    )


def _mean_std(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summarise(results: list[RunResult], methods: list[str], threshold: float | None) -> list[dict[str, Any]]:
    """One row per method: the numbers of the table and the CSV."""
    rows = []
    for m in methods:
        ok = [r for r in results if r.method == m and r.status == "ok"]
        failed = [r for r in results if r.method == m and r.status != "ok"]
        ret_mean, ret_std = _mean_std([r.final_return for r in ok])
        reached = [x for x in (first_reach(r.curve, threshold) for r in ok) if x] if threshold is not None else []
        rows.append(
            {
                "method": m,
                "seeds_ok": len(ok),
                "seeds_failed": len(failed),
                "final_return_mean": ret_mean,
                "final_return_std": ret_std,
                "env_samples_mean": float(np.mean([r.env_samples for r in ok])) if ok else float("nan"),
                "games_mean": float(np.mean([r.games for r in ok])) if ok else float("nan"),
                "threshold": threshold if threshold is not None else float("nan"),
                "seeds_reaching": len(reached),
                "samples_to_threshold_mean": float(np.mean([s for s, _ in reached])) if reached else float("nan"),
                "games_to_threshold_mean": float(np.mean([g for _, g in reached])) if reached else float("nan"),
                "wall_min_mean": float(np.mean([r.wall_s for r in ok])) / 60 if ok else float("nan"),
                "errors": " | ".join(r.error for r in failed),
            }
        )
    return rows


def _fmt(x: float, digits: int = 2) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def markdown_table(rows: list[dict[str, Any]], header: str) -> str:
    t = rows[0]["threshold"] if rows else float("nan")
    lines = [
        header,
        "",
        f"| method | final greedy eval return (mean ± std over seeds) | env samples used | "
        f"samples to reach {_fmt(t)} (games) | seeds reaching | wall time (min per seed) | failed seeds |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        n = r["seeds_ok"] + r["seeds_failed"]
        reach = (
            f"{_fmt(r['samples_to_threshold_mean'], 0)} ({_fmt(r['games_to_threshold_mean'], 0)})"
            if r["seeds_reaching"]
            else "not reached"
        )
        lines.append(
            f"| {r['method']} | {_fmt(r['final_return_mean'])} ± {_fmt(r['final_return_std'])} | "
            f"{_fmt(r['env_samples_mean'], 0)} | {reach} | {r['seeds_reaching']}/{r['seeds_ok']} | "
            f"{_fmt(r['wall_min_mean'], 2)} | {r['seeds_failed']}/{n}"
            + (f" ({r['errors'][:200]})" if r["errors"] else "")
            + " |"
        )
    return "\n".join(lines) + "\n"


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def plot_curves(results: list[RunResult], methods: list[str], budget: int, path: Path, title: str) -> None:
    """Eval return vs env samples: per method the mean over seeds, a ±1 std band (seeds interpolated
    on a common grid; a run's last value holds after its end; budget-free methods are flat)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.linspace(0, budget, 201)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for m in methods:
        curves = [r.curve for r in results if r.method == m and r.status == "ok" and r.curve]
        if not curves:
            continue
        ys = np.stack([np.interp(grid, [c[0] for c in cv], [c[2] for c in cv]) for cv in curves])  # [seeds, 201]
        mean, std = ys.mean(0), ys.std(0, ddof=1) if len(ys) > 1 else np.zeros_like(grid)
        style = "--" if m in BUDGET_FREE else "-"
        (line,) = ax.plot(grid, mean, style, label=f"{m} ({len(curves)} seeds)")
        ax.fill_between(grid, mean - std, mean + std, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("env samples (utterances played)")
    ax.set_ylabel("greedy eval return")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# ----------------------------------------------------------------------------- the command


def compare(
    cfg: Config,
    methods: list[str],
    budget: int,
    seeds: list[int],
    out: Path,
    threshold: float | None = None,
    say: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Run every (seed, method), seed by seed, then write results.md, results.csv and curves.png to `out`."""
    if budget < 1:
        raise UserError("--budget must be >= 1 (env samples: utterances played)")
    out.mkdir(parents=True, exist_ok=True)
    settings = {"env": cfg.env.name, "budget": budget}
    saved = out / "compare_settings.json"
    if saved.is_file() and json.loads(saved.read_text()) != settings:
        raise UserError(f"{out} holds a comparison with {saved.read_text().strip()}; use another --out for {settings}")
    saved.write_text(json.dumps(settings))
    t0 = time.time()
    results: list[RunResult] = []
    for seed in seeds:
        seed_dir = out / f"seed_{seed}"
        try:
            bc_s = ensure_bc(cfg, seed, seed_dir)
            if bc_s:
                say(f"seed {seed}: BC start trained in {bc_s / 60:.1f} min")
        except Exception as exc:  # noqa: BLE001 - without a start no method of this seed can run
            error = f"BC start failed: {type(exc).__name__}: {exc}"
            say(f"seed {seed}: {error}")
            results += [RunResult(m, seed, "failed", error=error) for m in methods]
            continue
        for method in methods:
            result = execute(method, cfg, seed, seed_dir, budget, say)
            results.append(result)
            if result.status == "ok":
                say(
                    f"seed {seed}: {method} final greedy eval return {result.final_return:.2f} "
                    f"after {result.env_samples} samples ({result.wall_s / 60:.1f} min)"
                )
    source = "given"
    if threshold is None:
        threshold = default_threshold(results)
        source = "the best baseline's final return" if threshold is not None else "none: no baseline finished"
    rows = summarise(results, methods, threshold)
    header = (
        f"# archer compare: {cfg.env.name}, budget {budget} env samples, seeds {', '.join(map(str, seeds))}\n\n"
        f"Threshold return {_fmt(threshold)} ({source}). "
        f"Eval: {cfg.eval.games} greedy held-out games from seed {cfg.eval.seed}, the same for every method. "
        f"Wall time of this session {(time.time() - t0) / 60:.1f} min."
    )
    ratio = sample_ratio(results)
    (out / "results.md").write_text(markdown_table(rows, header) + (f"\n{ratio}\n" if ratio else ""), encoding="utf-8")
    write_csv(rows, out / "results.csv")
    plot_curves(results, methods, budget, out / "curves.png", f"{cfg.env.name}: eval return vs env samples")
    (out / "results.json").write_text(json.dumps([vars(r) for r in results], indent=1), encoding="utf-8")
    return rows
