"""The learning and critic benchmarks at toy scale: they run end to end and report what they measured."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.tiny import TINY, TINY_MODELS

ROOT = Path(__file__).resolve().parents[2]


def load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_guess_number_learning_benchmark_reports_against_the_optimum(tmp_path: Path):
    out = tmp_path / "gn.json"
    report = load("guess_number_learning").main(
        [
            "--seeds",
            "0",
            "--out",
            str(out),
            "--runs",
            str(tmp_path),
            *TINY,
            "archer.iterations=1",
            "eval.keep_best=true",
        ]
    )
    assert json.loads(out.read_text()) == report
    row = report["seeds"][0]
    assert row["optimum"] == -1.5  # n = 4: the DP optimum (C(4) = 1.5)
    assert row["gap_to_optimum"] == row["optimum"] - row["final"]
    assert row["within_tolerance"] == (row["gap_to_optimum"] <= 0.5)
    assert row["best"]["iteration"] in (0, 1)
    assert row["best_within_tolerance"] == (row["optimum"] - row["best"]["eval/return_mean"] <= 0.5)
    # Exact greedy returns: one game per hidden number, so a multiple of 1/4 for n = 4.
    for key in ("bc_start_exact", "final_exact", "best_exact"):
        assert -6 <= row[key] <= 0 and (row[key] * 4).is_integer()
    if row["best"]["iteration"] == 1:
        assert row["best_exact"] == row["final_exact"]  # the same policy file, scored twice
    else:
        assert row["best_exact"] == row["bc_start_exact"]


def test_exact_greedy_return_plays_each_number_once():
    from archer.envs.guess_number import GuessNumberEnv

    seeds = load("guess_number_learning").seed_per_number(7)
    assert [GuessNumberEnv(n=7).reset(seed=s)[1]["number"] for s in seeds] == list(range(1, 8))
    assert min(seeds) >= 1_000_000  # outside the training seeds


def test_critic_benchmark_reports_r2(tmp_path: Path):
    out = tmp_path / "critic.json"
    report = load("guess_number_critic").main(
        ["--steps", "4", "--every", "2", "--games", "40", "--out", str(out), *TINY_MODELS]
    )
    assert [p["step"] for p in report["curve"]] == [2, 4]
    assert all(p["r2"] <= 1.0 and p["mae"] >= 0 for p in report["curve"])
    assert all(0 <= p["pair_acc"] <= 1 and 0 <= p["top1"] <= 1 for p in report["curve"])


def test_scripted_q_averages_to_the_scripted_value():
    """V(m) of the scripted player is the mean of its moves' Q: skill over uniform splits, the rest on guessing lo."""
    from archer.envs.guess_number import scripted_values

    bench = load("guess_number_critic")
    n, skill, gamma = 16, 0.7, 0.95
    value = scripted_values(n, skill, gamma)
    for lo, hi in [(1, 16), (3, 9), (5, 6)]:
        m = hi - lo + 1
        splits = [bench.scripted_q(lo, hi, f"Is it greater than {k}?", value, gamma) for k in range(lo, hi)]
        guess = bench.scripted_q(lo, hi, f"Is it {lo}?", value, gamma)
        assert abs(skill * sum(splits) / (m - 1) + (1 - skill) * guess - value[m]) < 1e-9
    assert bench.scripted_q(5, 6, "Is it greater than 9?", value, gamma) == -1.0 + gamma * value[2]  # splits nothing
    assert bench.scripted_q(5, 5, "Is it 5?", value, gamma) == 0.0  # the last number: right for sure


def test_exact_advantages_of_guess_number():
    exact_q = load("guess_number_actor").exact_q
    start = "Guess my number from 1 to 16.\n"
    assert exact_q(start, "Is it greater than 8?", 16) == (-3.5, -3.5)  # the optimal split: A = 0
    assert exact_q(start, "Is it greater than 4?", 16)[0] == -1 - (4 * 1.5 + 12 * 3.0) / 16  # C(4)=1.5, C(12)=3
    assert exact_q(start, "Is it 1?", 16)[0] == -15 / 16 * (1 + 3.4)  # a guess: right 1 time in 16
    assert exact_q(start, "Is it greater than 16?", 16)[0] == -4.5  # splits nothing: one turn wasted
    assert exact_q(start, "hello", 16)[0] == -4.5
    two_left = start + "Is it greater than 8? No.\nIs it greater than 4? Yes.\nIs it greater than 6? No.\n"
    assert exact_q(two_left, "Is it 5?", 16) == (-0.5, -0.5)  # guessing beats comparing at m = 2
    assert exact_q(two_left, "Is it greater than 5?", 16)[0] == -1.0


def test_actor_benchmark_runs_from_a_bc_run(tmp_path: Path):
    bc = tmp_path / "bc"
    from archer.cli import main as cli

    assert (
        cli(
            [
                "bc",
                "--config",
                str(ROOT / "configs" / "guess_number.yaml"),
                f"run.out_dir={tmp_path}",
                "run.name=bc",
                *TINY_MODELS,
                "bc.epochs=1",
                "eval.games=4",
                "run.progress=false",
            ]
        )
        == 0
    )
    out = tmp_path / "actor.json"
    report = load("guess_number_actor").main(
        [
            "--bc-run",
            str(bc / "checkpoint.pt"),  # a policy file in a run folder works as the folder does
            "--steps",
            "2",
            "--every",
            "1",
            "--games-per-step",
            "2",
            "--out",
            str(out),
            *TINY_MODELS,
            "archer.batch_size=4",
            "archer.baseline=group",  # exact Q of each sampled utterance minus its siblings' mean
            "archer.actor_samples=2",
            "token_baseline.enabled=true",  # the paper's token-level baseline on top
            "eval.games=4",
        ]
    )
    assert [p["step"] for p in report["curve"]] == [0, 1, 2]
    assert report["optimum"] == -1.5
    assert report["settings"]["baseline"] == "group" and report["settings"]["actor_samples"] == 2
    assert all("kl" in p and "token_baseline_loss" in p for p in report["curve"][1:])
    assert report["settings"]["token_baseline"] is True


def test_webshop_critic_probe_scores_a_run_against_the_store_reward(tmp_path: Path):
    from archer.config import load_config
    from archer.train import train

    models = [t for t in TINY if not t.startswith("env.")]
    webshop = ["env.name=webshop", "env.webshop_products=300", "env.demo_games=6", "env.max_turns=5"]
    train(load_config(None, [*models, *webshop, "archer.iterations=1", f"run.out_dir={tmp_path}", "run.name=ws"]))
    out = tmp_path / "probe.json"
    report = load("webshop_critic").main(["--run", str(tmp_path / "ws"), "--games", "3", "--out", str(out)])
    scores = report["scores"]
    assert json.loads(out.read_text())["scores"] == scores
    assert scores["best"]["n"] == 3 and scores["best"]["mean"] >= scores["mean"]["mean"]
    for kind in ("click", "buy", "option"):
        assert scores[f"{kind}_top1"]["mean"] <= scores["best" if kind != "option" else "option_best"]["mean"]
    assert all(0 <= v["mean"] <= 1 for k, v in scores.items() if k.endswith("_pair"))
    # A fresh critic trained on the run's buffer, with an override, probed at each `--every`.
    report = load("webshop_critic").main(
        [
            "--run",
            str(tmp_path / "ws"),
            "--games",
            "2",
            "--train-steps",
            "2",
            "--every",
            "1",
            "--out",
            str(out),
            "critic.describe_actions=true",
        ]
    )
    assert [p["step"] for p in report["curve"]] == [1, 2] and report["overrides"] == ["critic.describe_actions=true"]
    counts = load("webshop_critic").main(
        ["--run", str(tmp_path / "ws"), "--games", "3", "--purchases", "--out", str(out)]
    )
    assert counts["games"] == 3 and 0 <= counts["options_missed"] <= counts["with_goal_options"] <= 3
    assert 0.0 <= counts["mean_reward"] <= 1.0
    tried = load("webshop_critic").main(
        ["--run", str(tmp_path / "ws"), "--games", "3", "--options", "4", "--out", str(out)]
    )
    assert tried["samples_per_page"] == 4 and 1 <= tried["pages_with_options"] <= 3
    assert 0.0 <= tried["option_click_share"] + tried["buy_now_share"] <= 1.0


def test_webshop_actor_benchmark_values_moves_by_playing_them_out(tmp_path: Path):
    from archer.config import load_config
    from archer.envs import make_env
    from archer.envs.webshop import ScriptedPlayer
    from archer.train import restore_policy, train

    models = [t for t in TINY if not t.startswith("env.")]
    webshop = [
        "env.webshop_products=300",
        "env.demo_games=6",
        "env.max_turns=5",
        "eval.games=3",
        "archer.greedy_rollouts=1",
    ]
    common = [*models, *webshop]
    train(load_config(ROOT / "configs" / "webshop.yaml", [*common, "archer.iterations=1", f"run.out_dir={tmp_path}",
                                                          "run.name=ws"]))  # fmt: skip
    run = tmp_path / "ws"
    module = load("webshop_actor")
    cfg = load_config(ROOT / "configs" / "webshop.yaml", [*common, "archer.gamma=0.5"])
    policy = restore_policy(cfg, module.load_checkpoint(run / "bc_policy.pt"), run, module.torch.device("cpu"))

    # The skill-1 shopper walks to a product page; buying there is worth exactly the store's score.
    env, shopper = make_env(cfg.env), ScriptedPlayer(skill=1.0, seed=0)
    obs, _ = env.reset(seed=3)
    before: list[str] = []
    while "[button] Buy Now [button_]" not in obs.rsplit("Observation:\n", 1)[-1]:
        before.append(shopper.act(obs))
        obs, *_ = env.step(before[-1])
    _, bought, *_ = env.step("click[buy now]")
    critic = module.MonteCarloCritic(cfg, policy, {obs: (3, before)})
    q, q2, v, _ = critic([obs, obs], ["click[buy now]", "click[description]"])
    assert q[0].item() == pytest.approx(bought) and bool((q == q2).all() and (q == v).all())
    # Any other move is played out greedily to the end and discounted by γ per action after it.
    assert 0.0 <= q[1].item() <= 0.5

    out = tmp_path / "actor.json"
    args = ["--bc-run", str(run / "bc_policy.pt"), "--games-per-step", "2", "--out", str(out)]
    group = [*common, "archer.batch_size=2", "archer.baseline=group", "archer.actor_samples=2"]
    report = module.main([*args, "--steps", "1", "--every", "1", *group])
    assert [p["step"] for p in report["curve"]] == [0, 1] and json.loads(out.read_text())["curve"] == report["curve"]
    assert report["curve"][0]["paired_gain"] == 0.0 and report["curve"][1]["better"] + report["curve"][1]["worse"] <= 3
    # The run's learned critic against the played-out values, on the same sampled utterances.
    compared = module.main([*args, "--critic", str(run), "--states", "3", *group])
    assert compared["states"] == 3 and compared["samples_per_state"] == 2
    assert 0 <= compared["utterances_with_clear_true_advantage"] <= 6 and compared["true_advantage_std"] >= 0
    assert compared["sign_agreement"] is None or 0.0 <= compared["sign_agreement"] <= 1.0
    # Split by the size of the learned advantage, the utterances with a clear true advantage are all counted once.
    large, small = compared["where_learned_advantage_is_large"], compared["where_learned_advantage_is_small"]
    assert large["utterances"] + small["utterances"] == compared["utterances_with_clear_true_advantage"]
    assert set(compared["target_critic"]) == {"sign_agreement", "correlation"}
    # The utterances are drawn from run.seed alone, whatever drew from torch's random state before.
    probe = load_config(ROOT / "configs" / "webshop.yaml", [*common, *group[1:]])
    first = module.compare_critic(probe, policy, run, 4, 2, np.random.default_rng(0))
    torch.rand(1000)
    again = module.compare_critic(probe, policy, run, 4, 2, np.random.default_rng(0))
    keys = ("utterances_with_clear_true_advantage", "true_advantage_std", "learned_advantage_std")
    assert [again[k] for k in keys] == [first[k] for k in keys]


def test_seed_spread_compares_each_run_with_its_own_start_then_over_runs(tmp_path: Path):
    from archer.config import load_config
    from archer.errors import UserError
    from archer.train import train

    for seed in (0, 1):
        train(load_config(None, [*TINY, "archer.iterations=1", f"run.seed={seed}", f"run.out_dir={tmp_path}",
                                 f"run.name=s{seed}"]))  # fmt: skip
    module = load("seed_spread")
    out = tmp_path / "spread.json"
    report = module.main(
        [str(tmp_path / "s0"), str(tmp_path / "s1"), "--games", "4", "run.threads=1", "--out", str(out)]
    )
    assert json.loads(out.read_text()) == report and report["overrides"] == ["run.threads=1"]
    rows, summary = report["runs"], report["summary"]
    for row in rows:  # the same four games for both policies: the paired gain is the difference of the means
        assert row["gain"] == pytest.approx(row["final"] - row["start"]) and row["better"] + row["worse"] <= 4
        assert row["iteration"] == 1
    assert summary["runs"] == 2 and summary["mean_gain"] == pytest.approx(np.mean([r["gain"] for r in rows]))
    assert summary["stderr_over_runs"] == pytest.approx(abs(rows[0]["gain"] - rows[1]["gain"]) / 2)
    # A run without a BC start, and settings that would change the policy, are refused with a message.
    (tmp_path / "s1" / "bc_policy.pt").unlink()
    with pytest.raises(UserError, match="no bc_policy.pt"):
        module.main([str(tmp_path / "s1"), "--games", "2", "--out", str(out)])
    with pytest.raises(SystemExit):
        module.main([str(tmp_path / "s0"), "archer.kl_coef=2", "--out", str(out)])
