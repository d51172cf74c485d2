"""End to end on a tiny game and tiny models: a run, its outputs, and an exact resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from archer.checkpoint import load_checkpoint
from archer.config import load_config
from archer.errors import UserError
from archer.train import load_run_config, train
from tests.tiny import TINY


def run(tmp: Path, name: str, *extra: str):  # type: ignore[no-untyped-def]
    return train(load_config(None, [*TINY, f"run.out_dir={tmp}", f"run.name={name}", *extra]))


def test_run_writes_its_folder(tmp_path: Path):
    summary = run(tmp_path, "a", "archer.iterations=2")
    folder = tmp_path / "a"
    for name in (
        "config.yaml",
        "metrics.jsonl",
        "learning_curve.png",
        "checkpoint.pt",
        "demonstrations.jsonl",
        "summary.json",
        "tokenizer",
        "transcripts/iteration_0000.txt",
        "transcripts/iteration_0002.txt",
    ):
        assert (folder / name).exists(), name
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1, 2]
    assert rows[-1]["perf/env_samples"] > rows[1]["perf/env_samples"] > 0
    for key in ("critic/loss", "actor/loss", "rollout/return_mean", "eval/return_mean"):
        assert key in rows[-1]
    assert summary.final["eval/return_mean"] == rows[-1]["eval/return_mean"]
    assert load_run_config(folder).env.n == 4


def test_resume_continues_exactly(tmp_path: Path):
    straight = run(tmp_path, "straight", "archer.iterations=2")
    run(tmp_path, "split", "archer.iterations=1")
    cfg = load_run_config(tmp_path / "split")
    cfg.archer.iterations = 2
    resumed = train(cfg, run_dir=tmp_path / "split", resume_run=True)
    a = load_checkpoint(straight.run_dir)
    b = load_checkpoint(resumed.run_dir)
    assert a["iteration"] == b["iteration"] == 2
    for key in ("policy", "critic", "target"):
        for name, tensor in a[key].items():
            assert torch.equal(tensor, b[key][name]), f"{key}.{name} differs after resume"
    rows = (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["iteration"] for r in rows] == [0, 1, 2]


def test_resuming_with_a_critic_that_does_not_fit_is_a_user_error(tmp_path: Path):
    run(tmp_path, "r", "archer.iterations=1")
    cfg = load_run_config(tmp_path / "r")
    cfg.critic.head_hidden = 24  # the checkpoint's heads are 16 wide
    with pytest.raises(UserError, match="critic does not fit"):
        train(cfg, run_dir=tmp_path / "r", resume_run=True)
    assert load_checkpoint(tmp_path / "r")["iteration"] == 1  # its checkpoint is untouched


def test_actor_can_train_at_the_latest_rollouts_states(tmp_path: Path):
    run(tmp_path, "r", "archer.iterations=1", "archer.actor_states=rollout")
    rows = [json.loads(line) for line in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["actor/loss"] == rows[-1]["actor/loss"]  # logged and not NaN


def test_actor_lr_decays_linearly_to_zero_over_the_run(tmp_path: Path):
    from archer.train import run_spent

    cfg = load_config(None, ["archer.iterations=4", "run.max_env_samples=100"])
    assert run_spent(cfg, 1, 10) == 0.25  # iterations lead
    assert run_spent(cfg, 1, 50) == 0.5  # samples lead
    assert run_spent(cfg, 4, 120) == 1.0  # never past the end
    run(tmp_path, "d", "archer.iterations=2", "archer.actor_lr_decay=true", "archer.actor_lr=1e-4", "run.seed=1")
    rows = [json.loads(line) for line in (tmp_path / "d" / "metrics.jsonl").read_text().splitlines()]
    assert [r["actor/lr"] for r in rows[1:]] == [1e-4, 5e-5]  # before iteration 1, half-way before iteration 2


def test_a_run_with_greedy_rollouts_plays_all_its_games(tmp_path: Path):
    run(tmp_path, "g", "archer.iterations=1", "archer.greedy_rollouts=2")
    rows = [json.loads(line) for line in (tmp_path / "g" / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["perf/games"] == load_run_config(tmp_path / "g").archer.rollout_trajectories


def test_greedy_v_target_reaches_every_critic_step(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    import archer.train
    from archer.critic_update import GreedyActions

    asked: list[int] = []

    class Counting(GreedyActions):
        def sample(self, states, greedy=True):  # type: ignore[no-untyped-def]
            asked.append(len(states))
            return super().sample(states, greedy)

    monkeypatch.setattr(archer.train, "GreedyActions", Counting)
    extra = ["archer.iterations=1", "archer.critic_pretrain_steps=2", "archer.critic_updates=3"]
    run(tmp_path, "v", *extra, "archer.v_target=greedy")
    assert len(asked) == 2 + 3  # pre-training and the iteration's critic steps all take the greedy a'
    asked.clear()
    run(tmp_path, "s", *extra)
    assert asked == []  # the paper's sampled a' by default


def test_keep_best_keeps_the_policy_of_the_best_validation_return(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    from archer.cli import main

    summary = run(tmp_path, "k", "archer.iterations=3", "eval.keep_best=true", "archer.actor_lr=3e-3")
    rows = [json.loads(line) for line in (tmp_path / "k" / "metrics.jsonl").read_text().splitlines()]
    validation = [r["eval/validation_return_mean"] for r in rows]
    assert len(validation) == 4  # the BC start and every iteration (eval.every=1)
    best = summary.best
    assert best is not None and best["iteration"] == validation.index(max(validation))
    assert best["eval/return_mean"] == rows[best["iteration"]]["eval/return_mean"]
    assert load_checkpoint(tmp_path / "k")["best"] == best  # a resumed run goes on comparing with it
    # The kept file replays the held-out return logged at its iteration.
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "k" / "best_policy.pt"), "--games", "4"]) == 0
    out = capsys.readouterr().out
    assert f"best_policy.pt (iteration {best['iteration']}):" in out
    assert f"mean return  {best['eval/return_mean']:.3f}" in out


def test_restore_best_goes_back_to_the_kept_policy_when_validation_falls(tmp_path: Path):
    from archer.train import keep_if_best

    summary = run(tmp_path, "r", "archer.iterations=1", "eval.keep_best=true", "eval.restore_best=true")
    learner, cfg = summary.learner, load_run_config(tmp_path / "r")
    kept = load_checkpoint(tmp_path / "r" / "best_policy.pt")["policy"]
    # Break the policy and pretend the kept one was perfect: any validation return now lies below it.
    with torch.no_grad():
        for p in learner.policy.model.parameters():
            p.add_(torch.randn_like(p))
    learner.actor_opt.state[next(learner.policy.model.parameters())]["step"] = torch.tensor(5.0)
    learner.best["eval/validation_return_mean"] = 1.0
    metrics = keep_if_best(learner, cfg, tmp_path / "r", held_out={})
    assert metrics["eval/restored_to"] == learner.best["iteration"]
    for name, value in learner.policy.model.state_dict().items():
        assert torch.equal(value, kept[name]), name
    assert len(learner.actor_opt.state) == 0  # the undone steps' moments are gone
    # Within the margin nothing is restored.
    cfg.eval.restore_margin = 10.0
    assert "eval/restored_to" not in keep_if_best(learner, cfg, tmp_path / "r", held_out={})


def test_validation_games_come_from_the_validation_config(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    import dataclasses

    from archer import train as train_module

    summary = run(tmp_path, "v", "archer.iterations=1", "eval.keep_best=true")
    learner, cfg = summary.learner, load_run_config(tmp_path / "v")
    built: list[int] = []
    real_make_env = train_module.make_env
    # WebShop's own validation range is one such config; here a marker stands in for it.
    monkeypatch.setattr(train_module, "validation_config", lambda env: dataclasses.replace(env, max_turns=2))
    monkeypatch.setattr(train_module, "make_env", lambda env: built.append(env.max_turns) or real_make_env(env))
    train_module.keep_if_best(learner, cfg, tmp_path / "v", held_out={})
    assert built and set(built) == {2}


def test_bc_select_games_scores_every_epoch_on_validation_games(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    run(tmp_path, "b", "archer.iterations=0", "bc.epochs=2", "bc.select_games=2")
    assert capsys.readouterr().out.count("behaviour cloning: validation greedy return") == 2
