"""Shared fixtures: tiny models built locally, no downloads."""

from __future__ import annotations

import pytest
import torch

from archer.config import Config
from archer.envs.guess_number import GuessNumberEnv
from archer.models.build import build_critic, build_policy_model, build_tokenizer, make_policy
from archer.models.policy import Policy


@pytest.fixture(scope="session")
def tiny_cfg() -> Config:
    cfg = Config()
    cfg.env.name = "guess_number"
    cfg.policy.n_layer, cfg.policy.n_embd, cfg.policy.n_head = 1, 32, 2
    cfg.policy.max_new_tokens = 8
    cfg.critic.head_hidden = 16
    return cfg


@pytest.fixture()
def policy(tiny_cfg: Config) -> Policy:
    torch.manual_seed(0)
    tok = build_tokenizer(tiny_cfg, GuessNumberEnv(n=8).tokenizer_corpus())
    return make_policy(tiny_cfg, build_policy_model(tiny_cfg, tok).eval(), tok)


@pytest.fixture()
def critic(tiny_cfg: Config, policy: Policy):  # type: ignore[no-untyped-def]
    torch.manual_seed(1)
    return build_critic(tiny_cfg, policy)
