"""Plays the policy in a batch of games and returns them as `Game`s; no gradients.

All running games are generated for together; a game that ends leaves the batch at once, so no
compute is spent on finished games (the reference kept them until the last game ended).
"""

from __future__ import annotations

import numpy as np
import torch

from archer.envs.base import ScriptedPlayer, TextEnv, VectorTextEnv
from archer.models.policy import Sampler, Utterances
from archer.trajectory import Game, Transition


@torch.no_grad()
def play_games(
    policy: Sampler,
    venv: VectorTextEnv,
    seeds: list[int],
    greedy: bool = False,
    token_ids: list[list[list[int]]] | None = None,
    greedy_games: int = 0,
) -> list[Game]:
    """One game per seed (len(seeds) must equal len(venv)), played to the end by the policy.

    The policy samples (or picks its most likely utterance everywhere if `greedy`); the first
    `greedy_games` games are played greedily in either case, as an evaluation plays them.

    If `token_ids` is given (an empty list), it receives each game's generated token ids, one list
    per turn: the exact tokens sampled, which a re-tokenization of the text need not reproduce
    (token-level PPO scores these)."""
    observations = venv.reset(seeds)
    games = [Game(env=venv.envs[i].name, seed=s) for i, s in enumerate(seeds)]
    if token_ids is not None:
        token_ids[:] = [[] for _ in seeds]
    while active := venv.active():
        states = [observations[i] for i in active]
        sampled = _act(policy, states, [greedy or i < greedy_games for i in active])
        actions = sampled.texts
        if token_ids is not None:
            for i, ids in zip(active, sampled.token_ids):
                token_ids[i].append(ids)
        for i, state, action, result in zip(active, states, actions, venv.step(active, actions)):
            next_obs, reward, terminated, truncated, info = result
            observations[i] = next_obs
            games[i].turns.append(Transition(state, action, float(reward), next_obs, bool(terminated), bool(truncated)))
            if terminated or truncated:
                games[i].success = bool(info.get("success", False))
    return games


def _act(policy: Sampler, states: list[str], greedy: list[bool]) -> Utterances:
    """One utterance per state, greedy where greedy[k] is set and sampled elsewhere (one call per kind)."""
    if all(greedy) or not any(greedy):
        return policy.sample(states, greedy=greedy[0])
    texts: list[str] = [""] * len(states)
    ids: list[list[int]] = [[] for _ in states]
    for kind in (True, False):
        rows = [k for k, g in enumerate(greedy) if g == kind]
        part = policy.sample([states[k] for k in rows], greedy=kind)
        for k, text, tokens in zip(rows, part.texts, part.token_ids):
            texts[k], ids[k] = text, tokens
    return Utterances(texts, ids)


def play_scripted(env: TextEnv, player: ScriptedPlayer, seed: int) -> Game:
    """One game of a scripted player: the demonstrations for behaviour cloning."""
    obs, _ = env.reset(seed=seed)
    game = Game(env=env.name, seed=seed)
    while True:
        action = player.act(obs)
        next_obs, reward, terminated, truncated, info = env.step(action)
        game.turns.append(Transition(obs, action, float(reward), next_obs, bool(terminated), bool(truncated)))
        obs = next_obs
        if terminated or truncated:
            game.success = bool(info.get("success", False))
            return game


def rollout_metrics(games: list[Game]) -> dict[str, float]:
    """The `rollout/` metrics of an iteration's games, logged the same way by every method."""
    return {
        "rollout/return_mean": float(np.mean([g.total_return for g in games])),
        "rollout/success_rate": float(np.mean([bool(g.success) for g in games])),
        "rollout/turns_mean": float(np.mean([len(g.turns) for g in games])),
    }
