"""Checkpoints: one file holding everything needed to resume, written atomically.

`checkpoint.pt` in the run folder holds the models (policy, reference policy, critic, target
critic) and their HF configs, both optimizers, the replay buffer, the RNG states, the loop's
counters and the resolved config. It is written to a temporary file and renamed over the old one,
so a run killed at any moment leaves the previous complete checkpoint behind.

`bc_policy.pt` beside it holds the policy as it was after behaviour cloning (with the config and
the counters at 0), so that another run can start from the same BC policy
(`bc.from_run=RUN/bc_policy.pt`) or `archer eval RUN/bc_policy.pt` can replay it. With
`eval.keep_best`, `best_policy.pt` holds the policy of the best validation return in the same form.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from archer.errors import UserError

FORMAT_VERSION = 1
FILENAME = "checkpoint.pt"
BC_FILENAME = "bc_policy.pt"  # the behaviour-cloned start policy alone, kept beside the checkpoint
BEST_FILENAME = "best_policy.pt"  # with eval.keep_best: the policy of the best validation return so far


def save_checkpoint(state: dict[str, Any], run_dir: str | Path, filename: str = FILENAME) -> Path:
    """Write `state` to RUN_DIR/checkpoint.pt (or `filename`) atomically; returns the path."""
    path = Path(run_dir) / filename
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format_version": FORMAT_VERSION, **state}, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    tmp.replace(path)
    return path


def find_checkpoint(path: str | Path) -> Path:
    """Accept a run folder or a checkpoint file; say clearly when neither is one."""
    path = Path(path)
    if path.is_dir():
        if not (path / "config.yaml").is_file():
            raise UserError(f"{path} is not an archer run folder (it has no config.yaml)")
        path = path / FILENAME
        if not path.is_file():
            raise UserError(
                f"{path.parent} has no checkpoint yet (the run stopped before its first one); start it again"
            )
    if not path.is_file():
        raise UserError(f"no such run folder or checkpoint: {path}")
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by `save_checkpoint`; an unreadable or foreign file is a UserError."""
    path = find_checkpoint(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not our checkpoint"
        raise UserError(f"{path} is not a readable archer checkpoint ({type(exc).__name__})") from None
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise UserError(f"{path} is not an archer checkpoint of format {FORMAT_VERSION}")
    return state
