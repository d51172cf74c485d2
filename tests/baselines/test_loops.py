"""Each baseline loop end to end on a tiny game from one shared BC start: its run folder, its
metrics, the shared budget, and an exact resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from archer.baselines.chai import train_chai
from archer.baselines.common import load_run_config
from archer.baselines.filtered_bc import train_filtered_bc
from archer.baselines.offline_archer import train_offline_archer
from archer.baselines.ppo import train_ppo
from archer.checkpoint import load_checkpoint
from archer.config import load_config
from tests.baselines.tiny import TINY_METHODS

LOOPS = {"filtered_bc": train_filtered_bc, "chai": train_chai, "ppo": train_ppo, "offline_archer": train_offline_archer}


def config(tmp: Path, bc_run: Path, name: str, *extra: str):  # type: ignore[no-untyped-def]
    return load_config(None, [*TINY_METHODS, f"run.out_dir={tmp}", f"run.name={name}", f"bc.from_run={bc_run}", *extra])


@pytest.mark.parametrize("method", list(LOOPS))
def test_loop_writes_a_run_folder_and_stops_at_the_budget(method: str, tmp_path: Path, bc_run: Path):
    # 4 games of at most 6 turns per iteration: a budget of 30 takes 2 iterations
    summary = LOOPS[method](config(tmp_path, bc_run, method, "run.max_env_samples=30", "eval.every_samples=10"))
    folder = tmp_path / method
    for name in ("config.yaml", "metrics.jsonl", "checkpoint.pt", "summary.json", "learning_curve.png", "tokenizer"):
        assert (folder / name).exists(), name
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    assert rows[0]["iteration"] == 0 and "eval/return_mean" in rows[0] and "eval/return_mean" in rows[-1]
    done = json.loads((folder / "summary.json").read_text())
    if method == "offline_archer":
        assert done["env_samples"] == 0 and done["iterations"] == 4
    else:
        assert 30 <= done["env_samples"] < 30 + 4 * 6 and done["iterations"] == 2
        assert rows[-1]["perf/env_samples"] == done["env_samples"]
    assert summary.final["eval/return_mean"] == rows[-1]["eval/return_mean"]
    state = load_checkpoint(folder)
    assert {"config", "policy", "policy_config", "iteration"} <= set(state)  # `archer eval` reads these


def test_ppo_resume_continues_exactly(tmp_path: Path, bc_run: Path):
    straight = train_ppo(config(tmp_path, bc_run, "straight", "ppo.iterations=2"))
    train_ppo(config(tmp_path, bc_run, "split", "ppo.iterations=1"))
    cfg = load_run_config(tmp_path / "split")
    cfg.ppo.iterations = 2
    resumed = train_ppo(cfg, run_dir=tmp_path / "split", resume_run=True)
    a, b = load_checkpoint(straight.run_dir), load_checkpoint(resumed.run_dir)
    assert a["iteration"] == b["iteration"] == 2
    for key in ("policy", "value"):
        for name, tensor in a[key].items():
            assert torch.equal(tensor, b[key][name]), f"{key}.{name} differs after resume"


def test_archer_with_token_baseline_trains_checkpoints_and_resumes_it(tmp_path: Path, bc_run: Path):
    from archer.train import load_run_config as load_archer_config
    from archer.train import train

    cfg = config(tmp_path, bc_run, "tb", "token_baseline.enabled=true", "archer.iterations=1")
    train(cfg)
    first = load_checkpoint(tmp_path / "tb")["token_baseline"]["model"]
    cfg = load_archer_config(tmp_path / "tb")
    cfg.archer.iterations = 2
    train(cfg, run_dir=tmp_path / "tb", resume_run=True)
    rows = [json.loads(line) for line in (tmp_path / "tb" / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1, 2]
    assert all("actor/token_baseline_loss" in r and "actor/residual_advantage_std" in r for r in rows[1:])
    second = load_checkpoint(tmp_path / "tb")["token_baseline"]["model"]
    assert any(not torch.equal(first[k], second[k]) for k in first)  # Ṽ kept learning after the resume
    assert load_checkpoint(bc_run)["token_baseline"] is None  # a plain run carries none


def test_archer_baseline_command_makes_its_own_bc_start_and_resumes(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    from archer.cli import main

    args = [*TINY_METHODS, f"run.out_dir={tmp_path}", "run.name=fbc", "filtered_bc.iterations=1"]
    assert main(["baseline", "filtered_bc", *args]) == 0
    assert (tmp_path / "fbc" / "bc_start" / "summary.json").is_file()  # BC trained first, inside the run
    assert main(["baseline", "filtered_bc", "filtered_bc.iterations=2", "--resume", str(tmp_path / "fbc")]) == 0
    rows = (tmp_path / "fbc" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["iteration"] for r in rows] == [0, 1, 2]
    assert main(["eval", str(tmp_path / "fbc"), "--games", "2"]) == 0  # archer eval reads a baseline run
    assert main(["baseline", "filtered_bc", "--resume", str(tmp_path / "nope")]) == 2
    assert "no such run folder" in capsys.readouterr().err
