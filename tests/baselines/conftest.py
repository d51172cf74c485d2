"""A BC start shared by the baseline loop tests (trained once per session, tiny)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.baselines.tiny import TINY_METHODS


@pytest.fixture(scope="session")
def bc_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from archer.config import load_config
    from archer.train import train

    out = tmp_path_factory.mktemp("bc")
    overrides = [*TINY_METHODS, f"run.out_dir={out}", "run.name=bc", "archer.iterations=0"]
    return train(load_config(None, [*overrides, "archer.critic_pretrain_steps=0"])).run_dir
