"""Guess the number: the multi-turn task whose optimal play and exact values are known.

A hidden integer lies in 1..N. Each turn the agent asks "Is it greater than k?" (or "less
than", "smaller", "bigger", "at least", "at most") or guesses "Is it k?". The oracle answers
`Yes.` or `No.`; anything else gets `Invalid Question.`. Reward is -1 per turn and 0 for the
turn whose guess is right, which ends the game; `max_turns` truncates it.

Because the interval of numbers still possible is all that matters, the optimal expected return
is an exact dynamic programme over the interval's size (`optimal_costs`): -3.5 for N = 16, where
binary search to a single number scores -4.0 and linear search -7.5. That makes this game the
correctness test of multi-turn credit assignment, for the critic and the actor separately.
"""

from __future__ import annotations

import random
import re
from functools import cache
from typing import Any

from archer.envs.base import ScriptedPlayer as _ScriptedPlayerBase
from archer.envs.base import StepResult, TextEnv, clean_action

YES, NO, INVALID = "Yes.", "No.", "Invalid Question."

_NUMBER = r"(-?\d{1,6})"
# Each comparison maps to a predicate on the hidden number h and the asked k.
_COMPARISONS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(rf"^is it (?:greater|bigger|larger|more|higher) than {_NUMBER}$"), lambda h, k: h > k),
    (re.compile(rf"^is it (?:less|smaller|lower|fewer) than {_NUMBER}$"), lambda h, k: h < k),
    (re.compile(rf"^is it at least {_NUMBER}$"), lambda h, k: h >= k),
    (re.compile(rf"^is it at most {_NUMBER}$"), lambda h, k: h <= k),
]
_GUESS = re.compile(rf"^is it {_NUMBER}$")


def _normalise(question: str) -> str:
    """Lower-case, drop the trailing question mark(s), fold spaces: 'Is it 5 ?' -> 'is it 5'."""
    return " ".join(question.lower().rstrip(" ?").split())


def parse_question(question: str) -> tuple[str, int] | None:
    """('guess', k) or ('compare', index into _COMPARISONS encoded as k) or None if not understood.

    Returns ('guess', k) for a guess, ('cmp<i>', k) for comparison i, None otherwise.
    """
    text = _normalise(question)
    match = _GUESS.match(text)
    if match:
        return ("guess", int(match.group(1)))
    for i, (pattern, _) in enumerate(_COMPARISONS):
        match = pattern.match(text)
        if match:
            return (f"cmp{i}", int(match.group(1)))
    return None


def answer(hidden: int, question: str) -> str:
    """The oracle: Yes./No. for questions it understands, Invalid Question. otherwise."""
    parsed = parse_question(question)
    if parsed is None:
        return INVALID
    kind, k = parsed
    if kind == "guess":
        return YES if hidden == k else NO
    predicate = _COMPARISONS[int(kind[3:])][1]
    return YES if predicate(hidden, k) else NO


@cache
def optimal_costs(n: int) -> tuple[float, ...]:
    """Expected number of -1 rewards under optimal play, for every interval size m = 0..n.

    C(1) = 0 (guess it). For m >= 2 the best of: guess one number (right with chance 1/m, else
    one turn spent and m-1 left) and split into k and m-k by a comparison (one turn spent).
        C(m) = min( (m-1)/m * (1 + C(m-1)),  min_k 1 + k/m C(k) + (m-k)/m C(m-k) )
    """
    cost = [0.0] * (n + 1)
    for m in range(2, n + 1):
        guess = (m - 1) / m * (1 + cost[m - 1])
        split = min(1 + (k * cost[k] + (m - k) * cost[m - k]) / m for k in range(1, m))
        cost[m] = min(guess, split)
    return tuple(cost)


def optimal_return(n: int) -> float:
    """Exact optimal expected return of the game over 1..n (turn limit not binding): -C(n)."""
    return -optimal_costs(n)[n]


def scripted_values(n: int, skill: float, gamma: float) -> tuple[float, ...]:
    """Exact discounted value V(m) of `ScriptedPlayer(skill)` with m numbers left, m = 0..n.

    With chance `skill` it compares at a uniform split k in 1..m-1 (one turn, then k or m-k left),
    otherwise it guesses the lowest number (right with chance 1/m, else one turn and m-1 left):
        V(1) = 0
        V(m) = skill * (-1 + γ/(m-1) Σ_k [k/m V(k) + (m-k)/m V(m-k)]) + (1-skill) * (m-1)/m (-1 + γ V(m-1))
    The turn limit is ignored (it binds in a negligible share of games for n <= 32).
    """
    value = [0.0] * (n + 1)
    for m in range(2, n + 1):
        split = sum(k / m * value[k] + (m - k) / m * value[m - k] for k in range(1, m)) / (m - 1)
        value[m] = skill * (-1 + gamma * split) + (1 - skill) * (m - 1) / m * (-1 + gamma * value[m - 1])
    return tuple(value)


def hidden_number(seed: int | None, n: int) -> int:
    """The number a game of seed `seed` hides: each block of n consecutive seeds hides each number once.

    Seeds b*n .. b*n + n-1 hide 1..n in an order shuffled by b, so every number is equally likely
    to a player who does not know the seed, and any held-out range of whole blocks (64 games from
    seed 1,000,000 for n = 16) holds each number equally often. A greedy policy's mean return over
    such a range is then its exact expected return, not a sample of it. No seed: a random number.
    """
    if seed is None:
        return random.randint(1, n)
    block, position = divmod(int(seed), n)
    order = list(range(1, n + 1))
    random.Random(block).shuffle(order)
    return order[position]


class GuessNumberEnv(TextEnv):
    """The game over 1..n. Observation: the rules line, then one `<question> <answer>` line a turn."""

    name = "guess_number"

    def __init__(self, n: int = 16, max_turns: int = 20) -> None:
        if n < 2:
            raise ValueError(f"guess_number needs n >= 2, got {n}")
        if max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {max_turns}")
        self.n = n
        self.max_turns = max_turns
        self.header = f"Guess my number from 1 to {n}.\n"
        self.hidden = 1
        self.turn = 0
        self.transcript = self.header
        self.finished = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        self.hidden = hidden_number(seed, self.n)
        if options and "number" in options:
            number = int(options["number"])
            if not 1 <= number <= self.n:
                raise ValueError(f"number must be in 1..{self.n}, got {number}")
            self.hidden = number
        self.turn = 0
        self.transcript = self.header
        self.finished = False
        return self.transcript, {"turn": 0, "number": self.hidden}

    def step(self, action: str) -> StepResult:
        if self.finished:
            raise RuntimeError("the game has ended; call reset() first")
        question = clean_action(action)
        reply = answer(self.hidden, question)
        self.turn += 1
        self.transcript += f"{question} {reply}\n"
        parsed = parse_question(question)
        won = reply == YES and parsed is not None and parsed[0] == "guess"
        terminated = won
        truncated = not won and self.turn >= self.max_turns
        self.finished = terminated or truncated
        info: dict[str, Any] = {"turn": self.turn, "number": self.hidden, "answer": reply}
        if self.finished:
            info["success"] = won
        return self.transcript, 0.0 if won else -1.0, terminated, truncated, info

    def tokenizer_corpus(self) -> list[str]:
        lines = [self.header]
        for k in range(0, self.n + 2):
            lines += [f"Is it greater than {k}? {YES}", f"Is it less than {k}? {NO}", f"Is it {k}? {INVALID}"]
        return lines


def candidates_from_transcript(observation: str, n: int) -> tuple[int, int]:
    """The interval [lo, hi] still consistent with the answers in a transcript."""
    lo, hi = 1, n
    for line in observation.splitlines()[1:]:
        for reply in (YES, NO):
            if line.endswith(" " + reply):
                question, said_yes = line[: -len(reply) - 1], reply == YES
                break
        else:
            continue
        parsed = parse_question(question)
        if parsed is None:
            continue
        kind, k = parsed
        if kind == "guess":
            if said_yes:
                lo = hi = k
            elif k == lo:
                lo += 1
            elif k == hi:
                hi -= 1
            continue
        keep = [h for h in range(lo, hi + 1) if _COMPARISONS[int(kind[3:])][1](h, k) == said_yes]
        if keep:
            lo, hi = keep[0], keep[-1]
    return lo, hi


class ScriptedPlayer(_ScriptedPlayerBase):
    """A near-linear searcher: with chance `skill` it compares at a uniformly drawn split point of
    the numbers still possible, otherwise it guesses the lowest of them.

    skill 0 is linear search (-7.5 for n = 16), skill 1 compares at random splits down to one
    number (-4.76); neither ever guesses early enough to reach the optimum (-3.5).
    """

    def __init__(self, n: int = 16, skill: float = 0.5, seed: int | None = None) -> None:
        super().__init__(skill=skill, seed=seed)
        self.n = n

    def act(self, observation: str) -> str:
        lo, hi = candidates_from_transcript(observation, self.n)
        if lo < hi and self.rng.random() < self.skill:
            return f"Is it greater than {self.rng.randint(lo, hi - 1)}?"
        return f"Is it {lo}?"
