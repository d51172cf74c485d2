"""The throughput benchmark's smoke mode: tiny models of both settings, on CPU, through the product's
own rollout, critic and actor steps; checks the report's shape (speed targets are not tested here)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from tests.benchmarks.test_benchmarks_small import load

SETTINGS = ["a"] + (["b"] if importlib.util.find_spec("peft") else [])  # b needs LoRA through peft


def test_smoke_benchmark_writes_json_and_table(tmp_path: Path):
    out = tmp_path / "throughput.json"
    report = load("throughput").main(["--smoke", "--settings", ",".join(SETTINGS), "--out", str(out)])
    assert json.loads(out.read_text()) == report
    assert report["smoke"] and report["machine"]["torch"]
    assert [r["setting"] for r in report["results"]] == SETTINGS
    for row in report["results"]:
        assert row["rollout_utterances"] > 0 and row["rollout_tokens_per_s"] > 0
        assert row["critic_samples_per_s"] > 0 and row["actor_samples_per_s"] > 0
        assert all(v > 0 for v in row["mfu"].values())
        for key in ("rollout_utterances_per_s", "critic_samples_per_s", "actor_samples_per_s"):
            assert row[f"{key}_pass"] == (row[key] >= row[f"{key}_target"])
    if "b" in SETTINGS:
        b = report["results"][-1]
        assert b["lora_r"] > 0 and 0 < b["policy_trainable_params"] < b["policy_params"]
    table = out.with_suffix(".md").read_text()
    assert "| a |" in table and "rollout utt/s (>= 480)" in table
