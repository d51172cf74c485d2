"""What every baseline loop shares: its run folder, the BC start, evaluation, the summary.

A baseline run folder has the same shape as an ArCHer run (config.yaml, metrics.jsonl with the
same `perf/env_samples` and `eval/...` names, tokenizer/, checkpoint.pt, summary.json,
learning_curve.png), so `archer eval RUN` and `archer compare` read every method alike.

Each loop stays in its own module, top to bottom; only the plumbing around it lives here.
"""

from __future__ import annotations

import copy
import json
import shutil
import time
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from archer.checkpoint import load_checkpoint
from archer.config import Config, save_config, to_dict
from archer.envs import make_env
from archer.errors import UserError
from archer.evaluate import EvalResult, evaluate, transcript
from archer.logger import MetricsLog, plot_learning_curve
from archer.models.build import resolve_device
from archer.models.policy import Policy, Sampler
from archer.train import Summary, from_run_folder, restore_policy, train
from archer.train import load_run_config as load_run_config  # re-exported: reads any method's run folder
from archer.trajectory import Game, load_games, save_games


def open_run(cfg: Config, method: str, run_dir: Path | None, resume_run: bool) -> tuple[Path, MetricsLog]:
    """A fresh run folder (config.yaml written) or, on resume, the existing one."""
    if cfg.run.threads:
        torch.set_num_threads(cfg.run.threads)
    if resume_run:
        if run_dir is None or not (run_dir / "checkpoint.pt").is_file():
            raise UserError(f"{run_dir} has no checkpoint to resume; start it again")
    else:
        name = cfg.run.name or f"{method}-{cfg.env.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        run_dir = Path(cfg.run.out_dir) / name
        if (run_dir / "checkpoint.pt").exists():
            raise UserError(f"{run_dir} already holds a run; resume it or choose run.name")
        run_dir.mkdir(parents=True, exist_ok=True)
        save_config(cfg, run_dir / "config.yaml")
    tqdm.write(f"{method} run folder: {run_dir}")
    return run_dir, MetricsLog(run_dir / "metrics.jsonl")


def bc_start(cfg: Config, run_dir: Path) -> tuple[Policy, list[Game]]:
    """The behaviour-cloned start policy and its demonstrations.

    From `bc.from_run` when set (how `archer compare` gives every method the same start);
    otherwise a BC run is made first in RUN_DIR/bc_start (what `archer bc` would do)."""
    source = Path(cfg.bc.from_run) if cfg.bc.from_run else None
    if source is None:
        bc_cfg = copy.deepcopy(cfg)
        bc_cfg.archer.iterations, bc_cfg.archer.critic_pretrain_steps = 0, 0
        bc_cfg.token_baseline.enabled = False
        bc_cfg.run.out_dir, bc_cfg.run.name = str(run_dir), "bc_start"
        source = train(bc_cfg).run_dir
    state = load_checkpoint(source)
    source = from_run_folder(source)
    policy = restore_policy(cfg, state, source, resolve_device(cfg.run.device))
    demos = load_games(cfg.env.demo_path or source / "demonstrations.jsonl")
    policy.tokenizer.save_pretrained(str(run_dir / "tokenizer"))
    save_games(demos, run_dir / "demonstrations.jsonl")
    return policy, demos


def frozen_copy(policy: Policy) -> Policy:
    """A frozen copy of `policy` (the KL anchor, or CHAI's fixed policy)."""
    model = copy.deepcopy(policy.model).eval().requires_grad_(False)
    return Policy(model, policy.tokenizer, policy.max_new_tokens, policy.temperature, choices=policy.choices)


def run_eval(agent: Sampler, cfg: Config, run_dir: Path, tag: str) -> EvalResult:
    """Greedy evaluation on the held-out games (the same seeds for every method); first games as text."""
    result = evaluate(agent, lambda: make_env(cfg.env), cfg.eval.games, cfg.eval.seed)
    if cfg.eval.transcripts:
        folder = run_dir / "transcripts"
        folder.mkdir(exist_ok=True)
        text = "\n".join(transcript(g) for g in result.games[: cfg.eval.transcripts])
        (folder / f"{tag}.txt").write_text(text, encoding="utf-8")
    return result


def policy_state(policy: Policy, cfg: Config) -> dict[str, Any]:
    """The checkpoint entries `archer eval` and `restore_policy` read."""
    return {
        "config": to_dict(cfg),
        "policy_config": policy.model.config.to_dict(),
        "policy": policy.model.state_dict(),
    }


def finish(
    cfg: Config,
    run_dir: Path,
    log: MetricsLog,
    method: str,
    t0: float,
    counters: dict[str, Any],
    start_eval: dict[str, float],
) -> Summary:
    """Learning curve and summary.json (start and final evaluation, counters)."""
    rows = log.read()
    final = dict(next((r for r in reversed(rows) if "eval/return_mean" in r), start_eval))
    plot_learning_curve(rows, run_dir / "learning_curve.png", f"{method} on {cfg.env.name} (seed {cfg.run.seed})")
    summary = Summary(run_dir, start_eval, final, (time.time() - t0) / 60)
    (run_dir / "summary.json").write_text(
        json.dumps(
            {
                "method": method,
                "start": start_eval,
                "final": final,
                "minutes_this_session": summary.minutes,
                "seed": cfg.run.seed,
                **counters,
            },
            indent=2,
        )
    )
    return summary


def remove_partial(run_dir: Path) -> None:
    """Delete a run folder that never reached its first checkpoint (nothing in it can be resumed)."""
    if run_dir.is_dir() and not (run_dir / "checkpoint.pt").is_file():
        shutil.rmtree(run_dir)
