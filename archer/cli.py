"""The `archer` command: train, eval, bc, demos, play.

User mistakes (bad config keys or values, missing files, folders that are not runs) end with one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archer.errors import UserError

EXAMPLES = """examples:
  archer train                                   # the default: Twenty Questions (10 words), tiny models, ~15 min
  archer train --config configs/guess_number.yaml archer.iterations=60
  archer train --resume runs/twenty_questions_subset-20261124-101500
  archer eval runs/twenty_questions_subset-20261124-101500 --games 128
  archer demos --env twenty_questions --games 1000 --out demos.jsonl
  archer play --env guess_number
  archer webshop serve --port 3000               # the local WebShop as a website: http://127.0.0.1:3000/fixed_0
  archer compare --env guess_number --methods archer,ppo,filtered_bc,chai,bc --budget 20000 --seeds 3
  archer baseline ppo --config configs/guess_number.yaml run.max_env_samples=20000
"""


def _config_options_text() -> str:
    from archer.config import help_lines

    return "config options (set as section.key=value after the command, or in a YAML --config):\n" + "\n".join(
        help_lines()
    )


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="a YAML recipe (see configs/)")
    p.add_argument("overrides", nargs="*", metavar="section.key=value", help="config overrides, applied after --config")


def cmd_train(args: argparse.Namespace) -> int:
    from archer.config import apply_overrides, load_config
    from archer.train import load_run_config, train

    if args.resume is not None:
        if args.config is not None:
            raise UserError("--resume continues a run with its saved config; drop --config")
        run_dir = Path(args.resume)
        if not run_dir.is_dir():
            raise UserError(f"no such run folder: {run_dir}")
        cfg = apply_overrides(load_run_config(run_dir), args.overrides).validate()
        summary = train(cfg, run_dir=run_dir, resume_run=True)
    else:
        summary = train(load_config(args.config, args.overrides))
    _print_summary(summary)
    return 0


def _print_summary(summary) -> None:  # type: ignore[no-untyped-def]
    s, f = summary.start, summary.final
    print(
        f"\nBC start : greedy eval return {s['eval/return_mean']:.2f} ± {s['eval/return_stderr']:.2f} (std. error), "
        f"success {s['eval/success_rate']:.0%}"
    )
    print(
        f"final    : greedy eval return {f['eval/return_mean']:.2f} ± {f['eval/return_stderr']:.2f} (std. error), "
        f"success {f['eval/success_rate']:.0%}"
        + (f" (went back to the kept policy of iteration {f['eval/restored_to']})" if "eval/restored_to" in f else "")
    )
    if "eval/sampled_return_mean" in f:
        print(
            f"sampled  : {s.get('eval/sampled_return_mean', float('nan')):.2f} -> {f['eval/sampled_return_mean']:.2f}"
        )
    b = summary.best
    if b:
        print(
            f"best     : greedy eval return {b['eval/return_mean']:.2f} ± {b['eval/return_stderr']:.2f} at iteration "
            f"{b['iteration']} (kept for its validation return {b['eval/validation_return_mean']:.2f}): "
            f"{summary.run_dir / 'best_policy.pt'}"
        )
    print(
        f"results  : {summary.run_dir} (metrics.jsonl, learning_curve.png, transcripts/, checkpoint.pt); "
        f"{summary.minutes:.1f} min"
    )


def cmd_bc(args: argparse.Namespace) -> int:
    """Behaviour cloning alone: a run with no critic pre-training and no ArCHer iterations."""
    from archer.config import load_config
    from archer.train import train

    summary = train(
        load_config(args.config, [*args.overrides, "archer.iterations=0", "archer.critic_pretrain_steps=0"])
    )
    _print_summary(summary)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from archer.checkpoint import find_checkpoint, load_checkpoint
    from archer.config import apply_overrides, from_dict
    from archer.envs import make_env
    from archer.evaluate import PLAYABLE_OVERRIDES, evaluate, standard_error
    from archer.models.build import resolve_device
    from archer.train import restore_policy

    path = find_checkpoint(args.path)
    state = load_checkpoint(path)
    cfg = from_dict(state["config"])
    if args.device:
        cfg.run.device = args.device
    for override in args.overrides:
        if not override.startswith(PLAYABLE_OVERRIDES):
            raise UserError(
                f"archer eval changes only how the game is played ({', '.join(PLAYABLE_OVERRIDES)}...): {override!r}"
            )
    cfg = apply_overrides(cfg, args.overrides).validate()
    other = None
    if args.against is not None:  # checked before any game is played
        other_path = find_checkpoint(args.against)
        other_state = load_checkpoint(other_path)
        other_cfg = apply_overrides(from_dict(other_state["config"]), args.overrides).validate()
        other_cfg.run.device = cfg.run.device
        if other_cfg.env.name != cfg.env.name:
            raise UserError(f"--against {args.against} plays {other_cfg.env.name}, not {cfg.env.name}")
        other = (other_path, other_state, other_cfg)
    if cfg.run.threads:
        torch.set_num_threads(cfg.run.threads)
    device = resolve_device(cfg.run.device)
    first_seed = cfg.eval.seed if args.first_seed is None else args.first_seed
    mode = "sampled" if args.sampled else "greedy"
    print(f"{cfg.env.name}, {args.games} {mode} games (seeds {first_seed}..{first_seed + args.games - 1}):")

    def play(checkpoint: Path, its_state: dict, its_cfg) -> list[float]:  # type: ignore[no-untyped-def]
        policy = restore_policy(its_cfg, its_state, checkpoint.parent, device)
        torch.manual_seed(args.seed)
        result = evaluate(policy, lambda: make_env(cfg.env), args.games, first_seed, greedy=not args.sampled)
        print(f"{checkpoint} (iteration {its_state['iteration']}):")
        print(f"  mean return  {result.return_mean:.3f} ± {result.return_stderr:.3f} (std. error)")
        print(f"  success rate {result.success_rate:.3f} ± {result.success_stderr:.3f} (std. error)")
        print(f"  mean turns   {result.turns_mean:.2f}")
        return [g.total_return for g in result.games]

    returns = play(path, state, cfg)
    if other is not None:
        difference = np.subtract(returns, play(*other))
        paired = standard_error(difference)
        print(
            f"difference (first - second): {difference.mean():+.3f} ± {paired:.3f} (paired std. error over the same "
            f"{len(difference)} games); better in {int((difference > 0).sum())}, worse in {int((difference < 0).sum())}"
        )
    return 0


def cmd_demos(args: argparse.Namespace) -> int:
    import numpy as np

    from archer.config import Config, EnvConfig
    from archer.envs import make_env, make_scripted_player
    from archer.rollout import play_scripted
    from archer.trajectory import save_games

    cfg = Config(env=EnvConfig(name=args.env, n=args.n, demo_skill=args.skill, max_turns=args.max_turns)).validate()
    env, player = make_env(cfg.env), make_scripted_player(cfg.env, seed=args.seed)
    games = [play_scripted(env, player, args.seed * 1_000_003 + i) for i in range(args.games)]
    save_games(games, args.out)
    returns = [g.total_return for g in games]
    print(
        f"wrote {len(games)} games to {args.out}: mean return {np.mean(returns):.2f}, "
        f"success {np.mean([bool(g.success) for g in games]):.0%}"
    )
    return 0


def new_text(previous: str, observation: str) -> str:
    """What a move added: the tail after the previous observation when the game appends to its
    transcript (20Q, guess_number), else the whole new observation (a web page, a room)."""
    if observation.startswith(previous):
        return observation[len(previous) :]
    return observation


def cmd_play(args: argparse.Namespace) -> int:
    from archer.config import load_config
    from archer.envs import make_env

    shortcuts = [f"env.name={args.env}"] if args.env else []
    if args.n is not None:
        shortcuts.append(f"env.n={args.n}")
    cfg = load_config(args.config, [*shortcuts, *args.overrides])
    env = make_env(cfg.env)
    obs, _ = env.reset(seed=args.seed)
    print(obs, end="" if obs.endswith("\n") else "\n")
    total = 0.0
    while True:
        try:
            action = input("> ")
        except EOFError:
            print()
            return 0
        previous = obs
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        shown = new_text(previous, obs)
        print(shown, end="" if shown.endswith("\n") else "\n")
        if terminated or truncated:
            print(f"game over: return {total:g}, {'won' if info.get('success') else 'lost'}")
            return 0


def cmd_webshop_serve(args: argparse.Namespace) -> int:
    from archer.envs.webshop.server import serve

    if args.products < 1:
        raise UserError("--products must be >= 1")
    try:
        serve(host=args.host, port=args.port, products=args.products, seed=args.seed)
    except OSError as exc:
        raise UserError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from archer.compare import compare, parse_methods
    from archer.config import load_config

    methods = parse_methods(args.methods)
    if args.seeds < 1 or args.budget < 1:
        raise UserError("--seeds and --budget must be >= 1")
    env = [f"env.name={args.env}"] if args.env else []  # else the recipe's (or the default) game
    cfg = load_config(args.config, [*env, *args.overrides])
    out = args.out or Path(cfg.run.out_dir) / f"compare-{cfg.env.name}-{args.budget}"
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    compare(cfg, methods, args.budget, seeds, out, threshold=args.threshold)
    print((out / "results.md").read_text(encoding="utf-8"))
    print(f"results: {out} (results.md, results.csv, curves.png, one run folder per seed and method)")
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    """One baseline alone (from bc.from_run, or a BC run it makes first); --resume continues one."""
    from archer.baselines.common import load_run_config
    from archer.compare import run_one
    from archer.config import apply_overrides, load_config

    if args.resume is not None:
        run_dir = Path(args.resume)
        if not run_dir.is_dir():
            raise UserError(f"no such run folder: {run_dir}")
        cfg = apply_overrides(load_run_config(run_dir), args.overrides).validate()
        run_one(args.method, cfg, run_dir, resume=True)
    else:
        run_one(args.method, load_config(args.config, args.overrides), None, resume=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from archer.envs import ENV_NAMES

    parser = argparse.ArgumentParser(
        prog="archer",
        description="Train LLM agents with hierarchical multi-turn RL (ArCHer).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="{train,eval,bc,demos,play,compare,baseline,webshop}")
    fmt = argparse.RawDescriptionHelpFormatter

    p = sub.add_parser(
        "train",
        help="BC warm start, then online ArCHer; writes a run folder",
        epilog=_config_options_text(),
        formatter_class=fmt,
    )
    _add_config_args(p)
    p.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue a run from its last checkpoint")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "bc",
        help="behaviour cloning only (a run folder with the BC policy)",
        epilog=_config_options_text(),
        formatter_class=fmt,
    )
    _add_config_args(p)
    p.set_defaults(func=cmd_bc)

    p = sub.add_parser("eval", help="play evaluation games with a trained policy")
    p.add_argument("path", type=Path, help="a run folder or its checkpoint.pt")
    p.add_argument("--games", type=int, default=64, help="number of games (default 64)")
    p.add_argument("--sampled", action="store_true", help="sample at the policy temperature instead of greedy")
    p.add_argument("--first-seed", type=int, default=None, help="seed of the first game (default: the run's eval seed)")
    p.add_argument("--seed", type=int, default=0, help="torch seed for sampled play")
    p.add_argument("--device", default=None, help="override run.device (cpu, cuda, ...)")
    p.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="OTHER",
        help="also play the same games (and, sampled, the same torch seed) with another checkpoint, e.g. "
        "RUN/bc_policy.pt, and report the difference with its paired standard error",
    )
    p.add_argument(
        "overrides",
        nargs="*",
        metavar="env.key=value",
        help="play other game settings than the run's: env.* keys, policy.choose_from, policy.temperature "
        "(e.g. env.textworld_eval_games=100 for more unseen games, env.webshop_url=URL to play a server)",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("demos", help="write scripted demonstration games as JSONL")
    p.add_argument("--env", default="twenty_questions_subset", choices=ENV_NAMES)
    p.add_argument("--games", type=int, default=1000)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--skill", type=float, default=None, help="demonstrator skill in [0, 1] (default: the game's)")
    p.add_argument("--n", type=int, default=16, help="guess_number: numbers 1..n")
    p.add_argument("--max-turns", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demos)

    p = sub.add_parser("play", help="play a game yourself in the terminal")
    p.add_argument("--env", default=None, choices=ENV_NAMES, help="the game (default: --config's, else the default)")
    p.add_argument("--n", type=int, default=None, help="guess_number: numbers 1..n (default env.n)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--config", type=Path, default=None, help="a YAML recipe whose env section sets up the game")
    p.add_argument("overrides", nargs="*", metavar="section.key=value", help="config overrides, e.g. env.max_turns=5")
    p.set_defaults(func=cmd_play)

    p = sub.add_parser("webshop", help="the local WebShop: `archer webshop serve` runs it as a website")
    webshop = p.add_subparsers(dest="webshop_command", metavar="{serve}", required=True)
    p = webshop.add_parser("serve", help="serve the store as HTML pages at WebShop's URLs (one session per id)")
    p.add_argument("--port", type=int, default=3000, help="port (default 3000, as WebShop; 0 = any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--products", type=int, default=3000, help="catalog size (default 3000)")
    p.add_argument("--seed", type=int, default=0, help="catalog seed (default 0)")
    p.set_defaults(func=cmd_webshop_serve)
    p = sub.add_parser(
        "compare",
        help="run methods side by side from the same BC start and env-sample budget; table and plot",
        epilog=_config_options_text(),
        formatter_class=fmt,
    )
    p.add_argument("--env", default=None, choices=ENV_NAMES, help="the game (default: --config's, else env.name's)")
    p.add_argument(
        "--methods",
        default="archer,ppo,filtered_bc,chai,bc",
        help="comma-separated, from: "
        "archer, archer_tb (token-level baseline), ppo, filtered_bc, chai, bc, offline_archer",
    )
    p.add_argument("--budget", type=int, required=True, help="env samples (utterances played) per online run")
    p.add_argument("--seeds", type=int, default=3, help="number of seeds (default 3)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--threshold", type=float, default=None, help="return to reach (default: best baseline's final)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default RUN.OUT_DIR/compare-ENV-BUDGET)")
    _add_config_args(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "baseline",
        help="run one baseline alone (filtered_bc, chai, ppo, offline_archer); writes a run folder",
        epilog=_config_options_text(),
        formatter_class=fmt,
    )
    p.add_argument("method", choices=["filtered_bc", "chai", "ppo", "offline_archer"])
    _add_config_args(p)
    p.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue a run from its last checkpoint")
    p.set_defaults(func=cmd_baseline)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    # Overrides may come on either side of options (`archer eval RUN --games 9 env.max_turns=5`),
    # which argparse's positional list does not allow: collect the stragglers here.
    args, extra = parser.parse_known_args(argv)
    if extra:
        if hasattr(args, "overrides") and all("=" in e and not e.startswith("-") for e in extra):
            args.overrides = list(args.overrides or []) + extra
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        parser.print_help()
        return 0
    for name in ("games",):
        if getattr(args, name, 1) is not None and getattr(args, name, 1) < 1:
            print(f"archer: error: --{name} must be >= 1", file=sys.stderr)
            return 2
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"archer: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\narcher: interrupted; the last checkpoint is intact (archer train --resume RUN_DIR)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
