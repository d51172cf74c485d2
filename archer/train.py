"""The ArCHer loop, top to bottom.

    demonstrations -> tokenizer, policy -> behaviour cloning -> critic (+ target, + frozen BC
    reference) -> critic pre-training on the demonstrations -> evaluate the BC start ->
    for each iteration:
        rollout: play `rollout_trajectories` games with the sampling policy (`greedy_rollouts` greedily)
        buffer:  add their utterance-level transitions
        critic:  `critic_updates` TD steps (each followed by the Polyak update of the target)
        actor:   `actor_updates` policy-gradient steps with the critic's advantage (after warm-up)
        evaluate greedily every `eval.every` iterations; log; checkpoint
    -> final evaluation, learning curve, summary

Everything a later iteration needs is in the checkpoint, so `resume` continues exactly.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from tqdm.auto import tqdm
from transformers import PreTrainedTokenizerFast

from archer.bc import bc_steps_per_epoch, behaviour_clone
from archer.buffer import ReplayBuffer
from archer.checkpoint import BC_FILENAME, BEST_FILENAME, load_checkpoint, save_checkpoint
from archer.config import Config, from_dict, save_config, to_dict
from archer.critic_update import GreedyActions, critic_step, mean_metrics
from archer.distributed import (
    barrier,
    broadcast_parameters,
    gather_objects,
    init_from_launcher,
    is_main,
    mean_over_processes,
    rank,
    share,
    world_size,
)
from archer.envs import make_env, make_scripted_player, validation_config
from archer.errors import UserError
from archer.evaluate import EvalResult, eval_due, evaluate, transcript
from archer.logger import MetricsLog, plot_learning_curve
from archer.models.build import (
    base_dtype,
    build_critic,
    build_policy_model,
    build_tokenizer,
    make_policy,
    make_reference,
    policy_model_from_config,
    prepare_policy_model,
    reference_state,
    resolve_device,
)
from archer.models.critic import DoubleCritic, make_target
from archer.models.policy import Policy
from archer.rollout import VectorTextEnv, play_games, play_scripted, rollout_metrics
from archer.seeding import rng_state, seed_everything, set_rng_state
from archer.token_baseline import TokenBaseline, actor_step_for, make_token_baseline
from archer.trajectory import Game, load_games, save_games


@dataclass
class Learner:
    """Everything that changes during training (and so goes into the checkpoint)."""

    policy: Policy
    reference: Policy  # the frozen BC policy, anchor of the KL penalty
    critic: DoubleCritic
    target: DoubleCritic
    critic_opt: torch.optim.Optimizer
    actor_opt: torch.optim.Optimizer
    buffer: ReplayBuffer
    rng: np.random.Generator
    iteration: int = 0
    env_samples: int = 0
    games_played: int = 0
    start_eval: dict[str, float] = field(default_factory=dict)
    best: dict[str, Any] | None = None  # eval.keep_best: the iteration of the best validation return, its metrics
    token_baseline: TokenBaseline | None = None  # Ṽ(s, a_<t), when token_baseline.enabled


@dataclass
class Summary:
    run_dir: Path
    start: dict[str, float]
    final: dict[str, float]
    minutes: float
    learner: Learner | None = None  # the trained state, for callers in the same process

    @property
    def best(self) -> dict[str, Any] | None:
        """eval.keep_best: the policy kept by validation (its iteration and held-out metrics)."""
        return self.learner.best if self.learner else None


# ----------------------------------------------------------------------------- stages

#: Validation games (BC epoch selection) use seeds from eval.seed + this, apart from training and eval games.
VALIDATION_OFFSET = 100_000


def play_validation(policy: Policy, cfg: Config, games: int) -> EvalResult:
    """Greedy play of `games` validation games: seeds from eval.seed + VALIDATION_OFFSET, on `validation_config`."""
    env_cfg = validation_config(cfg.env)
    return evaluate(policy, lambda: make_env(env_cfg), games, cfg.eval.seed + VALIDATION_OFFSET)


def say(message: str) -> None:
    """Print a line above the progress bar, from the main process only."""
    if is_main():
        tqdm.write(message)


def make_demonstrations(cfg: Config, rng: np.random.Generator) -> list[Game]:
    """The user's JSONL games, or `env.demo_games` games of the scripted player."""
    if cfg.env.demo_path:
        return load_games(cfg.env.demo_path)
    env = make_env(cfg.env)
    player = make_scripted_player(cfg.env, seed=int(rng.integers(2**31)))
    seeds = rng.integers(0, cfg.eval.seed, size=cfg.env.demo_games)
    return [play_scripted(env, player, int(s)) for s in seeds]


def tokenizer_texts(cfg: Config, demos: list[Game]) -> list[str]:
    env = make_env(cfg.env)
    texts = list(env.tokenizer_corpus())
    texts += [t.next_observation for g in demos for t in g.turns if t.terminated or t.truncated]
    return texts


def make_optimizers(cfg: Config, policy: Policy, critic: DoubleCritic) -> tuple[torch.optim.Optimizer, ...]:
    critic_opt = torch.optim.AdamW(critic.parameters(), lr=cfg.archer.critic_lr)
    trained = [p for p in policy.model.parameters() if p.requires_grad]  # with LoRA: the adapters only
    actor_opt = torch.optim.AdamW(trained, lr=cfg.archer.actor_lr)
    return critic_opt, actor_opt


def critic_phase(learner: Learner, cfg: Config, steps: int, bar: tqdm | None = None) -> dict[str, float]:
    """`steps` critic steps on batches from the replay buffer."""
    rows = []
    learner.critic.train()
    v_policy = GreedyActions(learner.policy) if cfg.archer.v_target == "greedy" else learner.policy  # a' for V
    for _ in range(steps):
        batch = learner.buffer.sample(cfg.archer.batch_size, learner.rng)
        rows.append(
            critic_step(
                learner.critic,
                learner.target,
                v_policy,
                batch,
                learner.critic_opt,
                gamma=cfg.archer.gamma,
                tau=cfg.archer.tau,
                grad_clip=cfg.archer.grad_clip,
                reward_scale=cfg.archer.reward_scale,
                mc_weight=cfg.archer.mc_weight,
            )
        )
        if bar is not None:
            bar.update(1)
    learner.critic.eval()
    return mean_over_processes(mean_metrics(rows))


def actor_settings(cfg: Config) -> dict[str, Any]:
    """The config's keyword settings of `actor_step` (the actor benchmarks pass the same)."""
    return {
        "kl_coef": cfg.archer.kl_coef,
        "samples_per_state": cfg.archer.actor_samples,
        "baseline": cfg.archer.baseline,
    }


def actor_phase(learner: Learner, cfg: Config, rollout_transitions: int) -> dict[str, float]:
    """`actor_updates` policy-gradient steps at states from the replay buffer (archer.actor_states=rollout:
    from its `rollout_transitions` newest, the latest rollout's)."""
    rows = []
    step = actor_step_for(learner.token_baseline)  # with per-token residual weights when enabled
    n_states = max(1, cfg.archer.batch_size // cfg.archer.actor_samples)  # batch_size utterances per step
    lr = cfg.archer.actor_lr
    if cfg.archer.actor_lr_decay:  # linear to 0, by the share of the run spent before this iteration
        lr *= 1.0 - run_spent(cfg, learner.iteration, learner.env_samples - rollout_transitions)
    for group in learner.actor_opt.param_groups:
        group["lr"] = lr
    newest = rollout_transitions if cfg.archer.actor_states == "rollout" else None
    learner.policy.model.train()
    for _ in range(cfg.archer.actor_updates):
        states = learner.buffer.sample(n_states, learner.rng, newest=newest).observations
        rows.append(
            step(
                learner.policy,
                learner.critic,
                states,
                learner.actor_opt,
                cfg.archer.grad_clip,
                reference=learner.reference,
                reward_scale=cfg.archer.reward_scale,
                **actor_settings(cfg),
            )
        )
    learner.policy.model.eval()
    return {**mean_over_processes(mean_metrics(rows)), "actor/lr": lr}


def run_spent(cfg: Config, iterations: int, env_samples: int) -> float:
    """Share of the run done, in [0, 1]: the larger of iterations / archer.iterations and
    env_samples / run.max_env_samples (where a sample budget is set)."""
    spent = iterations / max(1, cfg.archer.iterations)
    if cfg.run.max_env_samples > 0:
        spent = max(spent, env_samples / cfg.run.max_env_samples)
    return min(1.0, spent)


def run_eval(learner: Learner, cfg: Config, run_dir: Path, tag: str) -> EvalResult:
    """Greedy evaluation on the held-out games; writes the first games as a transcript file."""
    result = evaluate(learner.policy, lambda: make_env(cfg.env), cfg.eval.games, cfg.eval.seed)
    if cfg.eval.transcripts and is_main():
        folder = run_dir / "transcripts"
        folder.mkdir(exist_ok=True)
        text = "\n".join(transcript(g) for g in result.games[: cfg.eval.transcripts])
        (folder / f"{tag}.txt").write_text(text, encoding="utf-8")
    return result


def keep_if_best(learner: Learner, cfg: Config, run_dir: Path, held_out: dict[str, float]) -> dict[str, float]:
    """eval.keep_best: play the validation games; save the policy as best_policy.pt if it beats the best so far.

    Selection uses games of their own seeds, so the held-out return of the kept policy stays an
    honest estimate, except where those seeds replay the held-out games: a deterministic game
    (detective), TextWorld (seeds from eval.seed all play its held-out games), or WebShop's fixed
    instruction range without env.webshop_validation_start.
    Returns the validation metrics for the log row."""
    validation = play_validation(learner.policy, cfg, cfg.eval.games).return_mean
    if learner.best is None or validation > learner.best["eval/validation_return_mean"]:
        learner.best = {
            "iteration": learner.iteration,
            "perf/env_samples": learner.env_samples,
            "eval/validation_return_mean": validation,
            **held_out,
        }
        if is_main():
            save_checkpoint(policy_snapshot(learner, cfg), run_dir, BEST_FILENAME)
        barrier()  # the file is whole before any process may restore from it
    elif cfg.eval.restore_best and validation < learner.best["eval/validation_return_mean"] - cfg.eval.restore_margin:
        restore_best_policy(learner, run_dir)
        return {"eval/validation_return_mean": validation, "eval/restored_to": learner.best["iteration"]}
    return {"eval/validation_return_mean": validation}


def restore_best_policy(learner: Learner, run_dir: Path) -> None:
    """eval.restore_best: load best_policy.pt's weights into the policy and restart the actor's optimizer
    (its moments belong to the steps being undone). The reference, critic and buffer stay as they are."""
    learner.policy.model.load_state_dict(load_checkpoint(run_dir / BEST_FILENAME)["policy"])
    learner.actor_opt.state.clear()


def policy_snapshot(learner: Learner, cfg: Config) -> dict[str, Any]:
    """The policy alone, in checkpoint form: enough for `archer eval` and `bc.from_run`."""
    return {
        "config": to_dict(cfg),
        "policy_config": learner.policy.model.config.to_dict(),
        "policy": learner.policy.model.state_dict(),
        "iteration": learner.iteration,
        "env_samples": learner.env_samples,
        "games_played": learner.games_played,
        "start_eval": learner.start_eval,
    }


def checkpoint_state(learner: Learner, cfg: Config) -> dict[str, Any]:
    return {
        **policy_snapshot(learner, cfg),
        "reference": reference_state(learner.policy, learner.reference),  # None: LoRA's own base
        "critic": learner.critic.state_dict(),
        "target": learner.target.state_dict(),
        "critic_opt": learner.critic_opt.state_dict(),
        "actor_opt": learner.actor_opt.state_dict(),
        "buffer": learner.buffer.state_dict(),
        "rng": rng_state(learner.rng),
        "token_baseline": learner.token_baseline.state_dict() if learner.token_baseline else None,
        "best": learner.best,
    }


def restore_policy(cfg: Config, state: dict[str, Any], run_dir: Path, device: torch.device) -> Policy:
    """The trained policy of a checkpoint, rebuilt without any download."""
    tok_dir = run_dir / "tokenizer"
    if not tok_dir.is_dir():
        raise UserError(f"{run_dir} has no tokenizer/ folder; it is not a complete archer run")
    tokenizer = PreTrainedTokenizerFast.from_pretrained(str(tok_dir))
    tokenizer.padding_side = "left"
    model = prepare_policy_model(cfg, policy_model_from_config(state["policy_config"], base_dtype(cfg)))
    try:
        model.load_state_dict(state["policy"])
    except RuntimeError as exc:
        raise UserError(f"the checkpoint's policy does not fit its config ({str(exc).splitlines()[0]})") from None
    return make_policy(cfg, model.to(device).eval(), tokenizer)


def from_run_folder(from_run: str | Path) -> Path:
    """The run folder of `bc.from_run`, which names a run folder or a checkpoint file in one."""
    path = Path(from_run)
    return path.parent if path.is_file() else path


def setup(cfg: Config, run_dir: Path, log: MetricsLog) -> Learner:
    """Fresh start: demonstrations, tokenizer, policy, BC, critic, critic pre-training, BC-start eval."""
    rng = seed_everything(cfg.run.seed)
    device = resolve_device(cfg.run.device)
    show = cfg.run.progress and is_main()

    if cfg.bc.from_run:
        # Start from an earlier run's policy: its tokenizer, weights and demonstrations.
        state = load_checkpoint(cfg.bc.from_run)
        source = from_run_folder(cfg.bc.from_run)
        policy = restore_policy(cfg, state, source, device)
        demos = load_games(cfg.env.demo_path or source / "demonstrations.jsonl")
        if is_main():
            policy.tokenizer.save_pretrained(str(run_dir / "tokenizer"))
            save_games(demos, run_dir / "demonstrations.jsonl")
        bc_losses: list[float] = []
        say(f"policy from {source} (iteration {state['iteration']}); {len(demos)} demonstration games")
    else:
        demos = make_demonstrations(cfg, rng)  # the same games on every process (same seed)
        if is_main():
            save_games(demos, run_dir / "demonstrations.jsonl")
        demo_return = float(np.mean([g.total_return for g in demos]))
        say(
            f"demonstrations: {len(demos)} games, mean return {demo_return:.2f}, "
            f"success {np.mean([bool(g.success) for g in demos]):.0%}"
        )
        if is_main():
            tokenizer = build_tokenizer(cfg, tokenizer_texts(cfg, demos))
            tokenizer.save_pretrained(str(run_dir / "tokenizer"))
        barrier()
        if not is_main():  # every replica reads the main process's tokenizer: ids must agree
            tokenizer = PreTrainedTokenizerFast.from_pretrained(str(run_dir / "tokenizer"))
            tokenizer.padding_side = "left"
        policy = make_policy(cfg, build_policy_model(cfg, tokenizer).to(device).eval(), tokenizer)
        broadcast_parameters(policy.model)
        bc_steps = cfg.bc.epochs * bc_steps_per_epoch(demos, cfg.bc.batch_size)
        with tqdm(
            total=bc_steps,
            desc="behaviour cloning",
            disable=not show,
            leave=False,
        ) as bar:

            def on_step(_: int, loss: float) -> None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}")

            score = None
            if cfg.bc.select_games:

                def score() -> float:
                    result = play_validation(policy, cfg, cfg.bc.select_games)
                    say(f"behaviour cloning: validation greedy return {result.return_mean:.2f}")
                    return result.return_mean

            bc_losses = behaviour_clone(
                policy,
                demos,
                cfg.bc.epochs,
                cfg.bc.lr,
                cfg.bc.batch_size,
                rng,
                on_step,
                score=score,
                batching=cfg.bc.batching,
            )
        if bc_losses:
            say(f"behaviour cloning: {cfg.bc.epochs} epochs ({bc_steps} steps), final loss {bc_losses[-1]:.3f}")
    tokenizer = policy.tokenizer

    reference = make_reference(cfg, policy, fold=True)  # LoRA: BC adapters folded into the shared base
    broadcast_parameters(policy.model)  # LoRA: the fresh adapters start equal on every process
    critic = build_critic(cfg, policy)
    broadcast_parameters(critic)
    if world_size() > 1:
        # From here on each process draws its own games and batches (replicas stay equal: the
        # gradients are averaged); one process keeps the single-process random stream.
        rng = seed_everything(cfg.run.seed + 100_003 * rank())
    critic_opt, actor_opt = make_optimizers(cfg, policy, critic)
    learner = Learner(
        policy,
        reference,
        critic,
        make_target(critic),
        critic_opt,
        actor_opt,
        ReplayBuffer(cfg.archer.buffer_capacity),
        rng,
        token_baseline=make_token_baseline(cfg, policy) if cfg.token_baseline.enabled else None,
    )

    if cfg.archer.critic_pretrain_steps:
        learner.buffer.add_games(demos)
        with tqdm(
            total=cfg.archer.critic_pretrain_steps, desc="critic pre-training", disable=not show, leave=False
        ) as bar:
            pre = critic_phase(learner, cfg, cfg.archer.critic_pretrain_steps, bar)
        say(f"critic pre-training: {cfg.archer.critic_pretrain_steps} steps, loss {pre['critic/loss']:.3f}")
        if not cfg.archer.demos_in_buffer:
            learner.buffer = ReplayBuffer(cfg.archer.buffer_capacity)
    elif cfg.archer.demos_in_buffer:
        learner.buffer.add_games(demos)

    start = run_eval(learner, cfg, run_dir, "iteration_0000")
    sampled = evaluate(policy, lambda: make_env(cfg.env), cfg.eval.games, cfg.eval.seed, greedy=False)
    learner.start_eval = {**start.metrics(), "eval/sampled_return_mean": sampled.return_mean}
    say(
        f"BC start: greedy eval return {start.return_mean:.2f} ± {start.return_stderr:.2f}, "
        f"success {start.success_rate:.0%}; sampled {sampled.return_mean:.2f}"
    )
    if cfg.eval.keep_best:
        learner.start_eval.update(keep_if_best(learner, cfg, run_dir, start.metrics()))
    if is_main():
        row = {
            "iteration": 0,
            "perf/env_samples": 0,
            "perf/games": 0,
            "bc/final_loss": bc_losses[-1] if bc_losses else None,
        }
        log.write({**row, **learner.start_eval})
        save_checkpoint(checkpoint_state(learner, cfg), run_dir)
        # The start policy alone, so that a variant can begin from it: bc.from_run=RUN/bc_policy.pt
        save_checkpoint(policy_snapshot(learner, cfg), run_dir, BC_FILENAME)
    return learner


def resume(cfg: Config, run_dir: Path, log: MetricsLog) -> Learner:
    """Rebuild the learner from RUN_DIR/checkpoint.pt."""
    state = load_checkpoint(run_dir)
    device = resolve_device(cfg.run.device)
    rng = seed_everything(cfg.run.seed)
    policy = restore_policy(cfg, state, run_dir, device)
    reference = make_reference(cfg, policy, state=state["reference"])
    critic = build_critic(cfg, policy)
    try:
        critic.load_state_dict(state["critic"])
    except RuntimeError as exc:
        raise UserError(f"the checkpoint's critic does not fit the config ({str(exc).splitlines()[0]})") from None
    target = make_target(critic)
    target.load_state_dict(state["target"])
    critic_opt, actor_opt = make_optimizers(cfg, policy, critic)
    critic_opt.load_state_dict(state["critic_opt"])
    actor_opt.load_state_dict(state["actor_opt"])
    buffer = ReplayBuffer(cfg.archer.buffer_capacity)
    buffer.load_state_dict(state["buffer"])
    token_baseline = None
    if cfg.token_baseline.enabled:
        if state.get("token_baseline") is None:
            raise UserError(
                f"{run_dir} was trained without the token baseline; resume with token_baseline.enabled=false"
            )
        token_baseline = make_token_baseline(cfg, policy)
        token_baseline.load_state_dict(state["token_baseline"])
    set_rng_state(rng, state["rng"])
    if world_size() > 1 and rank() > 0:  # the checkpoint holds the main process's stream only
        rng = seed_everything(cfg.run.seed + 100_003 * rank() + state["iteration"])
    if is_main():
        log.truncate_after(state["iteration"])
    barrier()
    return Learner(
        policy,
        reference,
        critic,
        target,
        critic_opt,
        actor_opt,
        buffer,
        rng,
        iteration=state["iteration"],
        env_samples=state["env_samples"],
        games_played=state["games_played"],
        start_eval=state["start_eval"],
        best=state.get("best"),
        token_baseline=token_baseline,
    )


# ----------------------------------------------------------------------------- the loop


def train(cfg: Config, run_dir: Path | None = None, resume_run: bool = False) -> Summary:
    """Run (or resume) ArCHer as `cfg` says; returns the start and final evaluation."""
    t0 = time.time()
    init_from_launcher()  # joins the process group under `accelerate launch`; nothing in one process
    if cfg.run.threads:
        torch.set_num_threads(cfg.run.threads)
    if cfg.archer.rollout_trajectories < world_size():
        raise UserError(
            f"archer.rollout_trajectories={cfg.archer.rollout_trajectories} is fewer than the {world_size()} "
            "processes; every process needs at least one game per iteration"
        )
    if resume_run:
        assert run_dir is not None
    else:
        name = cfg.run.name or f"{cfg.env.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        run_dir = Path(cfg.run.out_dir) / gather_objects([name])[0]  # the main process's name everywhere
        if (run_dir / "checkpoint.pt").exists():
            raise UserError(f"{run_dir} already holds a run; resume it with --resume {run_dir} or choose run.name")
        barrier()  # every process has looked before the main one writes
        if is_main():
            run_dir.mkdir(parents=True, exist_ok=True)
            save_config(cfg, run_dir / "config.yaml")
        barrier()
    log = MetricsLog(run_dir / "metrics.jsonl")
    if is_main():
        say(f"run folder: {run_dir}" + (f" ({world_size()} processes)" if world_size() > 1 else ""))
    show = cfg.run.progress and is_main()

    learner = resume(cfg, run_dir, log) if resume_run else setup(cfg, run_dir, log)
    env_factory = lambda: make_env(cfg.env)  # noqa: E731
    # This process's share of the games of an iteration; the buffers receive everyone's games.
    venv = VectorTextEnv([env_factory() for _ in range(share(cfg.archer.rollout_trajectories)[1])])
    last_eval = log.read()[-1].get("eval/return_mean", learner.start_eval["eval/return_mean"]) if log.read() else None

    bar = tqdm(total=cfg.archer.iterations, initial=learner.iteration, desc="ArCHer", disable=not show)
    while learner.iteration < cfg.archer.iterations and not cfg.run.budget_spent(learner.env_samples):
        it = learner.iteration + 1
        row: dict[str, Any] = {"iteration": it}
        t_it = time.time()

        # 1. rollout: play games with the sampling policy (the first `greedy_rollouts` greedily)
        seeds = [int(s) for s in learner.rng.integers(0, cfg.eval.seed, size=len(venv))]
        greedy = share(cfg.archer.greedy_rollouts)[1]  # this process's greedy games (the first ones)
        games = gather_objects(play_games(learner.policy, venv, seeds, greedy_games=greedy))  # all, rank order
        t_rollout = time.time()

        # 2. buffer: add the utterance-level transitions
        samples_before = learner.env_samples
        learner.env_samples += learner.buffer.add_games(games)
        learner.games_played += len(games)

        # 3. critic: TD steps, each followed by the Polyak update
        row.update(critic_phase(learner, cfg, cfg.archer.critic_updates))
        t_critic = time.time()

        # 4. actor: policy-gradient steps with the critic's advantage, after the warm-up
        if it > cfg.archer.warmup_iterations:
            row.update(actor_phase(learner, cfg, learner.env_samples - samples_before))
        t_actor = time.time()

        # 5. evaluate, log, checkpoint
        learner.iteration = it
        row.update(
            {
                "perf/env_samples": learner.env_samples,
                "perf/games": learner.games_played,
                **rollout_metrics(games),
                "perf/rollout_s": t_rollout - t_it,
                "perf/critic_s": t_critic - t_rollout,
                "perf/actor_s": t_actor - t_critic,
            }
        )
        last = it == cfg.archer.iterations or cfg.run.budget_spent(learner.env_samples)
        if eval_due(it, cfg.eval.every, samples_before, learner.env_samples, cfg.eval.every_samples, last):
            result = run_eval(learner, cfg, run_dir, f"iteration_{it:04d}")
            row.update(result.metrics())
            last_eval = result.return_mean
            if cfg.eval.keep_best:
                row.update(keep_if_best(learner, cfg, run_dir, result.metrics()))
        row["perf/iteration_s"] = time.time() - t_it
        if is_main():
            log.write(row)
            if it % cfg.run.checkpoint_every == 0 or last:
                save_checkpoint(checkpoint_state(learner, cfg), run_dir)
        bar.update(1)
        bar.set_postfix(
            samples=learner.env_samples,
            rollout=f"{row['rollout/return_mean']:.2f}",
            eval=f"{last_eval:.2f}" if last_eval is not None else "-",
        )
    bar.close()

    # final: sampled eval too, learning curve, summary
    barrier()  # the main process has written the last row
    rows = log.read()
    final = dict(next((r for r in reversed(rows) if "eval/return_mean" in r), learner.start_eval))
    if "eval/restored_to" in final and learner.best is not None:  # the last evaluation went back to the kept policy
        final.update({k: v for k, v in learner.best.items() if k.startswith("eval/")})
    if learner.iteration > 0:
        sampled = evaluate(learner.policy, env_factory, cfg.eval.games, cfg.eval.seed, greedy=False)
        final["eval/sampled_return_mean"] = sampled.return_mean
    summary = Summary(run_dir, learner.start_eval, final, (time.time() - t0) / 60, learner)
    if not is_main():
        return summary
    plot_learning_curve(rows, run_dir / "learning_curve.png", f"ArCHer on {cfg.env.name} (seed {cfg.run.seed})")
    (run_dir / "summary.json").write_text(
        json.dumps(
            {
                "start": summary.start,
                "final": summary.final,
                "best": summary.best,
                "minutes_this_session": summary.minutes,
                "seed": cfg.run.seed,
                "iterations": learner.iteration,
                "env_samples": learner.env_samples,
                "games": learner.games_played,
            },
            indent=2,
        )
    )
    return summary


def load_run_config(run_dir: Path) -> Config:
    """The resolved config saved in a run folder."""

    path = run_dir / "config.yaml"
    if not path.is_file():
        raise UserError(f"{run_dir} is not an archer run folder (it has no config.yaml)")
    return from_dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
