"""The environment contract: multi-turn text games, strings in and strings out.

Every environment in `archer.envs` follows gymnasium's API on text:

    observation, info = env.reset(seed=..., options=...)
    observation, reward, terminated, truncated, info = env.step(utterance)

The observation is the whole interaction so far (the ArCHer state `s`); the action is one whole
utterance (the ArCHer action `a`). `terminated` means the game itself ended (the critic must not
bootstrap past it); `truncated` means the turn limit cut the game short (it may). `info` always
carries `turn` and, on the last step, `success`.

Any string is a legal argument to `step`: empty, very long, unicode, control characters. A move
the game cannot understand gets the game's normal answer to a malformed move, never an exception.

Each environment module also ships a `ScriptedPlayer`: a competent but clearly suboptimal player
whose games are the demonstrations for behaviour cloning (see `archer.demos`).
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

StepResult = tuple[str, float, bool, bool, dict[str, Any]]

#: Actions longer than this are cut before parsing; no game needs more, and it bounds parse time.
MAX_ACTION_CHARS = 1000


def clean_action(action: object) -> str:
    """Make any incoming action a single printable line of bounded length.

    The observation is a transcript with one turn per line, so a newline or control character
    inside an utterance would corrupt the transcript the policy reads next turn.
    """
    text = action if isinstance(action, str) else str(action)
    text = text[:MAX_ACTION_CHARS]
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


@dataclass(frozen=True)
class WordQuery:
    """A free-text action whose words must come from a given list: `opening` + words + `closing`.

    Each listed word may be used once (a word listed twice, twice). WebShop's search box:
    `search[` + words of the instruction, separated by single spaces, in any order (at least one)
    + `]`. Where a game's list of choices (`archer.envs.action_choices`) is a WordQuery instead of
    a list of actions, `policy.choose_from=auto` samples only such text.
    """

    opening: str
    words: tuple[str, ...]
    closing: str


class TextEnv(ABC):
    """One multi-turn text game. Subclasses set `name` and `max_turns` and implement the two calls."""

    name: str = "text_env"
    max_turns: int = 20

    @abstractmethod
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        """Start a new game; the same seed gives the same game."""

    @abstractmethod
    def step(self, action: str) -> StepResult:
        """Play one utterance; returns (observation, reward, terminated, truncated, info)."""

    def tokenizer_corpus(self) -> Iterable[str]:
        """Extra text a locally trained tokenizer should cover (e.g. every word the game knows)."""
        return ()


class ScriptedPlayer(ABC):
    """A hand-written player used to make demonstrations. `skill` in [0, 1]: 1 plays its best."""

    def __init__(self, skill: float = 0.5, seed: int | None = None) -> None:
        if not 0.0 <= skill <= 1.0:
            raise ValueError(f"skill must be in [0, 1], got {skill}")
        self.skill = skill
        self.rng = random.Random(seed)

    @abstractmethod
    def act(self, observation: str) -> str:
        """Choose the next utterance from the observation (the whole transcript so far)."""


class VectorTextEnv:
    """Many games of one kind played side by side; finished games stay finished until `reset`.

    The rollout asks `active()` which games still run and steps only those, so finished games
    never occupy a slot in the generation batch (a defect of the reference code).
    """

    def __init__(self, envs: list[TextEnv]) -> None:
        if not envs:
            raise ValueError("VectorTextEnv needs at least one environment")
        self.envs = envs
        self.observations: list[str] = [""] * len(envs)
        self.done: list[bool] = [True] * len(envs)

    def __len__(self) -> int:
        return len(self.envs)

    def reset(self, seeds: list[int], options: list[dict[str, Any] | None] | None = None) -> list[str]:
        """Reset game i with seeds[i] (and options[i]); returns the first observations."""
        if len(seeds) != len(self.envs):
            raise ValueError(f"got {len(seeds)} seeds for {len(self.envs)} games")
        opts = options or [None] * len(self.envs)
        for i, env in enumerate(self.envs):
            self.observations[i], _ = env.reset(seed=seeds[i], options=opts[i])
            self.done[i] = False
        return list(self.observations)

    def active(self) -> list[int]:
        """Indices of the games that have not ended."""
        return [i for i, d in enumerate(self.done) if not d]

    def step(self, indices: list[int], actions: list[str]) -> list[StepResult]:
        """Step game indices[k] with actions[k]; a game ends on terminated or truncated."""
        if len(indices) != len(actions):
            raise ValueError("indices and actions must have the same length")
        results = []
        for i, action in zip(indices, actions):
            if self.done[i]:
                raise RuntimeError(f"game {i} has ended; reset it before stepping")
            result = self.envs[i].step(action)
            self.observations[i] = result[0]
            self.done[i] = result[2] or result[3]
            results.append(result)
        return results
