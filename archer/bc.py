"""Behaviour cloning: supervised fine-tuning of the policy on demonstration games.

    L_BC = -mean over utterance tokens of log π(a_t | s, a_<t)

The loss covers the utterance's tokens and its closing newline (so the policy learns where to
stop), never the state's tokens: the policy learns to act, not to predict the oracle.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from archer.distributed import average_gradients, rank, world_size
from archer.models.policy import Policy
from archer.trajectory import Game


def bc_loss(token_logp: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood over the masked (utterance) tokens; inputs [B, T]."""
    return -(token_logp * mask).sum() / mask.sum().clamp(min=1.0)


def behaviour_clone(
    policy: Policy,
    games: list[Game],
    epochs: int,
    lr: float,
    batch_size: int,
    rng: np.random.Generator,
    on_step: Callable[[int, float], None] | None = None,
    score: Callable[[], float] | None = None,
    batching: str = "length",
) -> list[float]:
    """Fine-tune `policy` on every (state, utterance) of `games`; returns the mean loss per epoch.

    With `score` (higher is better, e.g. the greedy return on validation games), the policy is
    scored after every epoch and the best epoch's weights are kept: greedy play of a small cloned
    policy can swing by many turns from one epoch to the next (measured on guess_number).
    `batching` is 'shuffle' (uniform random batches) or 'length' (`length_bucketed_batches`).
    """
    if batching not in ("shuffle", "length"):
        raise ValueError(f"batching must be 'shuffle' or 'length', got {batching!r}")
    pairs = [(t.observation, t.action) for g in games for t in g.turns]
    if not pairs or epochs == 0:
        return []
    states = policy.encode_states([s for s, _ in pairs])
    actions = policy.encode_actions([a for _, a in pairs])
    optimizer = torch.optim.AdamW(policy.model.parameters(), lr=lr)
    # Cosine decay to 10% of lr: the last epochs at a small step size make greedy play much steadier.
    total = epochs * ((len(pairs) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(k, total) / total))
    )
    policy.model.train()
    losses, step = [], 0
    lengths = np.array([len(s) + len(a) for s, a in zip(states, actions)])
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    for _ in range(epochs):
        epoch_losses = []
        # The same batches on every process (same rng).
        if batching == "length":
            batches = length_bucketed_batches(lengths, batch_size, rng)
        else:
            order = rng.permutation(len(lengths))
            batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        per_process = max(1, len(batches) // world_size())  # equal counts: every step is one all-reduce
        for idx in batches[rank() :: world_size()][:per_process]:
            token_logp, mask = policy.token_log_probs([states[i] for i in idx], [actions[i] for i in idx])
            loss = bc_loss(token_logp, mask)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            average_gradients(policy.model.parameters())  # mean over processes; a no-op in one process
            torch.nn.utils.clip_grad_norm_(policy.model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            epoch_losses.append(float(loss.detach()))
            step += 1
            if on_step is not None:
                on_step(step, epoch_losses[-1])
        losses.append(float(np.mean(epoch_losses)))
        if score is not None:
            policy.model.eval()
            value = score()
            if best is None or value > best[0]:
                best = (value, {k: v.detach().clone() for k, v in policy.model.state_dict().items()})
            policy.model.train()
    if best is not None:
        policy.model.load_state_dict(best[1])
    policy.model.eval()
    return losses


def length_bucketed_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length: a batch is padded to its longest row, so mixing a
    40-token turn with a 160-token one wastes most of the compute (measured: 3-4x on Twenty
    Questions). The price: a batch holds turns of one stage of the game, which made a tiny
    guess_number policy imitate far worse (bc.batching). Rows are shuffled, sorted by length
    within windows of 50 batches, cut into batches, and the batches shuffled."""
    order = rng.permutation(len(lengths))
    window = 50 * batch_size
    batches = []
    for start in range(0, len(order), window):
        chunk = order[start : start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def bc_steps_per_epoch(games: list[Game], batch_size: int) -> int:
    n = sum(len(g.turns) for g in games)
    return (n + batch_size - 1) // batch_size
