"""Tiny settings for the baseline tests, and the check that every trained parameter moved."""

from collections.abc import Iterable

import torch

from tests.tiny import TINY

TINY_METHODS = [
    *TINY,
    "eval.transcripts=1",
    "ppo.games_per_update=4",
    "ppo.value_pretrain_steps=2",
    "ppo.minibatch_size=8",
    "filtered_bc.games_per_iteration=4",
    "filtered_bc.updates_per_iteration=2",
    "filtered_bc.batch_size=8",
    "chai.samples=2",
    "offline.steps=4",
    "offline.eval_every=2",
    "offline.actor_warmup_steps=1",
    "offline.batch_size=8",
]

STATES = ["Guess my number from 1 to 8.\n", "Guess my number from 1 to 8.\nIs it 3? No.\n"]


def snapshot(named: Iterable[tuple[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in named}


def unchanged(before: dict[str, torch.Tensor], named: Iterable[tuple[str, torch.Tensor]], skip: str = "") -> list[str]:
    """Names of parameters still equal to their snapshot (names containing `skip` are ignored)."""
    return [n for n, p in named if torch.equal(p, before[n]) and not (skip and skip in n)]
