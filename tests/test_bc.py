"""Behaviour cloning: the loss on utterance tokens, and keeping the best epoch when asked."""

from __future__ import annotations

import numpy as np
import torch

from archer.bc import bc_loss, behaviour_clone
from archer.envs.guess_number import GuessNumberEnv, ScriptedPlayer
from archer.models.policy import Policy
from archer.rollout import play_scripted


def test_bc_loss_is_the_mean_nll_over_masked_tokens():
    logp = torch.log(torch.tensor([[0.5, 0.25, 0.9], [0.1, 1.0, 1.0]]))
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    expected = -(np.log(0.5) + np.log(0.25) + np.log(0.1)) / 3
    assert torch.isclose(bc_loss(logp, mask), torch.tensor(expected, dtype=logp.dtype))


def test_score_keeps_the_best_epochs_weights(policy: Policy):
    env, player = GuessNumberEnv(n=8), ScriptedPlayer(n=8, seed=0)
    games = [play_scripted(env, player, seed) for seed in range(8)]
    scores = iter([1.0, 5.0, 2.0])  # epoch 2 is the best
    snapshots = []

    def score() -> float:
        snapshots.append({k: v.clone() for k, v in policy.model.state_dict().items()})
        return next(scores)

    losses = behaviour_clone(policy, games, 3, 1e-3, 16, np.random.default_rng(0), score=score)
    assert len(losses) == 3 and len(snapshots) == 3
    final = policy.model.state_dict()
    assert all(torch.equal(final[k], snapshots[1][k]) for k in final)  # the second epoch's weights
    assert not all(torch.equal(final[k], snapshots[2][k]) for k in final)  # not the last epoch's


def test_both_batchings_visit_every_turn_once_per_epoch(policy: Policy, monkeypatch):
    env, player = GuessNumberEnv(n=8), ScriptedPlayer(n=8, seed=0)
    games = [play_scripted(env, player, seed) for seed in range(6)]
    turns = sum(len(g.turns) for g in games)
    for batching in ("shuffle", "length"):
        seen: list[int] = []
        original = policy.token_log_probs

        def counting(states, actions, _original=original, _seen=seen):
            _seen.append(len(states))
            return _original(states, actions)

        monkeypatch.setattr(policy, "token_log_probs", counting)
        behaviour_clone(policy, games, 2, 1e-3, 4, np.random.default_rng(0), batching=batching)
        monkeypatch.undo()
        assert sum(seen) == 2 * turns, batching


def test_unknown_batching_is_refused(policy: Policy):
    games = [play_scripted(GuessNumberEnv(n=8), ScriptedPlayer(n=8, seed=0), 0)]
    try:
        behaviour_clone(policy, games, 1, 1e-3, 4, np.random.default_rng(0), batching="sorted")
    except ValueError as err:
        assert "batching" in str(err)
    else:
        raise AssertionError("batching='sorted' was accepted")
