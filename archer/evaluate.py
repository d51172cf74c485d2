"""Evaluation: play fixed held-out games and summarise return, success and their spread.

Held-out games use seeds `eval.seed + i`, far above the training seeds, so the same games are
played at every evaluation and by every run of a config. Greedy play is deterministic, so the
standard error reflects the spread over games (hidden words/numbers), not sampling noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archer.envs.base import TextEnv, VectorTextEnv
from archer.models.policy import Sampler
from archer.rollout import play_games
from archer.trajectory import Game


@dataclass
class EvalResult:
    """Summary of a set of evaluation games."""

    return_mean: float
    return_stderr: float
    success_rate: float
    success_stderr: float
    turns_mean: float
    games: list[Game]

    def metrics(self, prefix: str = "eval") -> dict[str, float]:
        return {
            f"{prefix}/return_mean": self.return_mean,
            f"{prefix}/return_stderr": self.return_stderr,
            f"{prefix}/success_rate": self.success_rate,
            f"{prefix}/turns_mean": self.turns_mean,
        }


# Overrides that change only how evaluation games are played, not the policy being scored
# (`archer eval`, benchmarks/seed_spread.py).
PLAYABLE_OVERRIDES = ("env.", "policy.choose_from=", "policy.temperature=", "run.threads=", "run.device=")


def standard_error(values: np.ndarray) -> float:
    """Standard error of the mean of `values` (0 for fewer than two)."""
    n = len(values)
    return float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0


def summarise(games: list[Game]) -> EvalResult:
    returns = np.array([g.total_return for g in games], dtype=np.float64)
    success = np.array([bool(g.success) for g in games], dtype=np.float64)
    return EvalResult(
        return_mean=float(returns.mean()),
        return_stderr=standard_error(returns),
        success_rate=float(success.mean()),
        success_stderr=standard_error(success),
        turns_mean=float(np.mean([len(g.turns) for g in games])),
        games=games,
    )


def evaluate(
    policy: Sampler,
    make_env: Callable[[], TextEnv],
    n_games: int,
    first_seed: int,
    greedy: bool = True,
    batch_size: int = 64,
) -> EvalResult:
    """Play `n_games` held-out games (seeds first_seed..first_seed+n-1), in batches."""
    games: list[Game] = []
    for start in range(0, n_games, batch_size):
        seeds = [first_seed + i for i in range(start, min(n_games, start + batch_size))]
        venv = VectorTextEnv([make_env() for _ in seeds])
        games += play_games(policy, venv, seeds, greedy=greedy)
    return summarise(games)


def eval_due(
    iteration: int, every: int, samples_before: int, samples_after: int, every_samples: int, last: bool
) -> bool:
    """Whether to evaluate after this iteration: always after the last; otherwise every `every`
    iterations, or, when `every_samples` > 0, whenever the env samples cross one of its multiples
    (so methods that play different numbers of games per iteration are evaluated at similar x)."""
    if last:
        return True
    if every_samples > 0:
        return samples_after // every_samples > samples_before // every_samples
    return iteration % every == 0


def transcript(game: Game) -> str:
    """A game as readable text: the final transcript, then its return and outcome."""
    if not game.turns:
        return ""
    last = game.turns[-1]
    outcome = "won" if game.success else "lost"
    ending = f"-- seed {game.seed}: return {game.total_return:g}, {outcome}, {len(game.turns)} turns\n"
    return last.next_observation + ending
