"""The data-parallel path: two CPU processes (gloo) under `accelerate launch` stay identical replicas.

Each process draws its own games and batches, so without the gradient all-reduce the replicas
would drift apart after the first update; with it, every model and the replay buffer agree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archer import distributed
from tests.tiny import TINY

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import hashlib, json, sys
from archer import distributed
from archer.config import load_config
from archer.train import train

summary = train(load_config(None, sys.argv[2:]))
learner = summary.learner

def digest(module):
    h = hashlib.sha256()
    for tensor in module.state_dict().values():
        h.update(tensor.detach().cpu().numpy().tobytes())
    return h.hexdigest()

row = {"rank": distributed.rank(), "world": distributed.world_size(), "buffer": len(learner.buffer),
       "policy": digest(learner.policy.model), "reference": digest(learner.reference.model),
       "critic": digest(learner.critic), "target": digest(learner.target),
       "last_action": learner.buffer.sample(1, __import__("numpy").random.default_rng(0)).actions[0]}
rows = distributed.gather_objects([row])
if distributed.is_main():
    open(sys.argv[1], "w").write(json.dumps(rows))
"""


def test_share_splits_evenly_in_one_process():
    assert distributed.world_size() == 1 and distributed.is_main()
    assert distributed.share(7) == (0, 7)
    assert distributed.gather_objects([1, 2]) == [1, 2]
    assert distributed.mean_over_processes({"a": 1.0}) == {"a": 1.0}


@pytest.mark.skipif(shutil.which("accelerate") is None, reason="the accelerate launcher is not on PATH")
def test_two_cpu_processes_stay_identical_replicas(tmp_path: Path):
    script = tmp_path / "replicas.py"
    script.write_text(SCRIPT)
    out = tmp_path / "replicas.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""}
    # --multi_gpu selects accelerate's torchrun launcher; with no GPU visible it uses gloo on the CPU.
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "--main_process_port",
        "29517",
        str(script),
        str(out),
        *TINY,
        "archer.iterations=2",
        f"run.out_dir={tmp_path}",
        "run.name=ddp",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(out.read_text())
    assert [r["world"] for r in rows] == [2, 2]
    first, second = rows
    for key in ("policy", "reference", "critic", "target", "buffer", "last_action"):
        assert first[key] == second[key], key
    assert first["policy"] != first["reference"]  # the actor did move away from the BC start
    assert first["buffer"] > 30 * 1  # demonstrations plus both processes' games
    assert (tmp_path / "ddp" / "checkpoint.pt").is_file()  # written once, by the main process
    assert "(2 processes)" in done.stdout + done.stderr
