"""The replay buffer of utterance-level transitions (s, a, r, s', done), fixed capacity.

A ring: once full, each new transition overwrites the oldest. Sampling is uniform over the
transitions held (the reference drew `randint(0, size) % capacity`, which is not uniform after
the ring wraps). `done` is the game's own termination, never a turn-limit truncation, because
the critic bootstraps on 1 - done. Each transition inserted with its game (`add_games`) also
keeps the rewards that followed it in that game, from which the critic can form the game's
discounted return-to-go (`archer.mc_weight`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from archer.trajectory import Game, Transition


@dataclass
class Batch:
    """A sampled batch: parallel lists/arrays of length B."""

    observations: list[str]
    actions: list[str]
    rewards: np.ndarray  # [B] float32
    next_observations: list[str]
    dones: np.ndarray  # [B] float32, 1.0 where the game terminated
    future_rewards: list[tuple[float, ...] | None] | None = None  # rewards of the turn and the rest of its game


class ReplayBuffer:
    """Utterance-level transitions in a ring of `capacity` slots."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.items: list[Transition] = []
        self.futures: list[tuple[float, ...] | None] = []  # per slot: this turn's reward and the game's later ones
        self.next = 0  # slot the next insert writes once the ring is full

    def __len__(self) -> int:
        return len(self.items)

    def add(self, transition: Transition, future_rewards: tuple[float, ...] | None = None) -> None:
        """Insert one transition; `future_rewards` (its reward and the later ones of its game) if known."""
        if len(self.items) < self.capacity:
            self.items.append(transition)
            self.futures.append(future_rewards)
        else:
            self.items[self.next] = transition
            self.futures[self.next] = future_rewards
        self.next = (self.next + 1) % self.capacity

    def add_games(self, games: list[Game]) -> int:
        """Insert every turn of every game, each with the rewards from it to the game's end; returns the count."""
        n = 0
        for game in games:
            rewards = tuple(float(t.reward) for t in game.turns)
            for k, t in enumerate(game.turns):
                self.add(t, rewards[k:])
                n += 1
        return n

    def sample(self, batch_size: int, rng: np.random.Generator, newest: int | None = None) -> Batch:
        """Uniform over the transitions held, with replacement; over the `newest` last added only if given."""
        if not self.items:
            raise RuntimeError("cannot sample from an empty replay buffer")
        if newest is None:
            idx = rng.integers(0, len(self.items), size=batch_size)
        else:
            back = rng.integers(0, max(1, min(newest, len(self.items))), size=batch_size)  # 0 = the newest
            idx = (self.next - 1 - back) % len(self.items)  # `next` follows the newest slot, full ring or not
        picked = [self.items[i] for i in idx]
        return Batch(
            observations=[t.observation for t in picked],
            actions=[t.action for t in picked],
            rewards=np.array([t.reward for t in picked], dtype=np.float32),
            next_observations=[t.next_observation for t in picked],
            dones=np.array([float(t.terminated) for t in picked], dtype=np.float32),
            future_rewards=[self.futures[i] for i in idx],
        )

    def state_dict(self) -> dict[str, Any]:
        items = [vars(t) for t in self.items]
        futures = [list(f) if f is not None else None for f in self.futures]
        return {"capacity": self.capacity, "next": self.next, "items": items, "futures": futures}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.capacity = int(state["capacity"])
        self.next = int(state["next"])
        self.items = [Transition(**t) for t in state["items"]]
        futures = state.get("futures") or [None] * len(self.items)  # checkpoints before returns were kept
        self.futures = [tuple(f) if f is not None else None for f in futures]
