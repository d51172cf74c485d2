"""`archer compare`: the table's numbers by hand, failure isolation and resume with a stub runner,
and a real tiny comparison in a subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import archer.compare as cmp
from archer.config import Config
from archer.errors import UserError
from tests.baselines.tiny import TINY_METHODS


def test_first_reach_and_default_threshold():
    curve = [(0, 0, -9.0), (100, 10, -7.0), (200, 20, -5.0), (300, 30, -6.0)]
    assert cmp.first_reach(curve, -6.5) == (200, 20)
    assert cmp.first_reach(curve, -9.0) == (0, 0)
    assert cmp.first_reach(curve, -1.0) is None
    results = [
        cmp.RunResult("archer", 0, "ok", final_return=-2.0),  # not a baseline: never the threshold
        cmp.RunResult("ppo", 0, "ok", final_return=-6.0),
        cmp.RunResult("ppo", 1, "ok", final_return=-4.0),
        cmp.RunResult("bc", 0, "ok", final_return=-5.5),
        cmp.RunResult("chai", 0, "failed", error="boom"),
    ]
    assert cmp.default_threshold(results) == -5.0  # ppo's mean beats bc's
    assert cmp.default_threshold(results[:1]) is None


def test_summary_rows_by_hand():
    results = [
        cmp.RunResult("archer", 0, "ok", [(0, 0, -9.0), (50, 5, -4.0)], -4.0, 60, 6, 120.0),
        cmp.RunResult("archer", 1, "ok", [(0, 0, -9.0), (50, 5, -8.0), (90, 9, -6.0)], -6.0, 90, 9, 60.0),
        cmp.RunResult("ppo", 0, "failed", error="ValueError: x"),
    ]
    rows = cmp.summarise(results, ["archer", "ppo"], threshold=-6.0)
    a, p = rows
    assert a["final_return_mean"] == -5.0 and abs(a["final_return_std"] - 2**0.5) < 1e-9  # sample std over seeds
    assert a["seeds_reaching"] == 2 and a["samples_to_threshold_mean"] == 70.0 and a["games_to_threshold_mean"] == 7.0
    assert a["wall_min_mean"] == 1.5 and a["env_samples_mean"] == 75.0
    assert p["seeds_ok"] == 0 and p["seeds_failed"] == 1 and "ValueError" in p["errors"]
    table = cmp.markdown_table(rows, "# t")
    assert "| archer | -5.00 ± 1.41 | 75 | 70 (7) | 2/2 |" in table and "| ppo | - ± - |" in table


def test_sample_ratio_of_archer_to_ppo_by_hand():
    results = [
        cmp.RunResult("archer", 0, "ok", [(0, 0, -9.0), (50, 5, -6.0), (90, 9, -4.0)], -4.0, 90, 9),
        cmp.RunResult("ppo", 0, "ok", [(0, 0, -9.0), (400, 40, -6.0)], -6.0, 400, 40),
    ]
    line = cmp.sample_ratio(results)
    assert "after 50 env samples (5 games)" in line and "ratio 0.125 in samples, 0.125 in games" in line
    assert cmp.sample_ratio(results[:1]) == ""


def test_unknown_methods_are_one_clear_error():
    with pytest.raises(UserError, match="choose from: archer"):
        cmp.parse_methods("archer,dqn")
    assert cmp.parse_methods("ppo, bc,ppo") == ["ppo", "bc"]


def _fake_run(method: str, final: float, run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    rows = [{"perf/env_samples": 0, "perf/games": 0, "eval/return_mean": -9.0}]
    rows.append({"perf/env_samples": 40, "perf/games": 4, "eval/return_mean": final})
    (run_dir / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = {"final": {"eval/return_mean": final}, "env_samples": 40, "games": 4, "minutes_this_session": 0.1}
    (run_dir / "summary.json").write_text(json.dumps(summary))


def test_a_failed_method_keeps_the_others_and_a_rerun_only_retries_it(tmp_path: Path, monkeypatch):
    calls: list[str] = []
    failures = {"ppo": 1}  # ppo fails once, then works

    def fake_bc(cfg: Config, seed: int, seed_dir: Path) -> float:
        _fake_run("bc", -8.0, seed_dir / "bc")
        return 0.0

    def fake_run_one(method: str, cfg: Config, run_dir: Path, resume: bool) -> None:
        calls.append(method)
        if failures.get(method, 0) > 0:
            failures[method] -= 1
            raise RuntimeError("out of memory")
        _fake_run(method, {"archer": -3.0, "ppo": -5.0, "chai": -6.0}[method], run_dir)

    monkeypatch.setattr(cmp, "ensure_bc", fake_bc)
    monkeypatch.setattr(cmp, "run_one", fake_run_one)
    cfg = Config()
    rows = cmp.compare(cfg, ["archer", "ppo", "chai", "bc"], 40, [0], tmp_path, say=lambda _: None)
    by = {r["method"]: r for r in rows}
    assert by["ppo"]["seeds_failed"] == 1 and "out of memory" in by["ppo"]["errors"]
    assert by["archer"]["final_return_mean"] == -3.0 and by["chai"]["final_return_mean"] == -6.0
    assert by["archer"]["threshold"] == -6.0  # best finished baseline: chai -6 beats bc -8
    assert "RuntimeError" in (tmp_path / "seed_0" / "ppo" / "error.txt").read_text()
    for name in ("results.md", "results.csv", "curves.png", "results.json"):
        assert (tmp_path / name).is_file(), name

    calls.clear()
    rows = cmp.compare(cfg, ["archer", "ppo", "chai", "bc"], 40, [0], tmp_path, say=lambda _: None)
    assert calls == ["ppo"]  # finished runs are read back, not rerun
    by = {r["method"]: r for r in rows}
    assert by["ppo"]["seeds_ok"] == 1 and by["ppo"]["threshold"] == -5.0
    with pytest.raises(UserError, match="use another --out"):  # finished runs of another budget must not mix in
        cmp.compare(cfg, ["archer"], 80, [0], tmp_path, say=lambda _: None)
    assert by["archer"]["samples_to_threshold_mean"] == 40.0 and by["bc"]["seeds_reaching"] == 0


def test_compare_command_in_a_subprocess(tmp_path: Path):
    out = tmp_path / "cmp"
    args = ["--env", "guess_number", "--methods", "archer,filtered_bc", "--budget", "20", "--seeds", "1"]
    result = subprocess.run(
        [sys.executable, "-m", "archer.cli", "compare", *args, "--out", str(out), *TINY_METHODS],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| archer |" in result.stdout and "| filtered_bc |" in result.stdout
    with (out / "results.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["method"] for r in rows] == ["archer", "filtered_bc"]
    assert all(r["seeds_ok"] == "1" and float(r["env_samples_mean"]) >= 20 for r in rows)
    assert (out / "curves.png").stat().st_size > 1000
    assert (out / "seed_0" / "bc" / "summary.json").is_file()  # the one shared BC start
