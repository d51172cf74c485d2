"""The command line in a subprocess, as a user runs it: help, one-line errors, train -> eval."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.tiny import TINY


def archer(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archer.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


class InProcess:
    """main() called in this process (fast), shaped like a CompletedProcess for the same checks."""

    def __init__(self, capsys, *args: str) -> None:  # type: ignore[no-untyped-def]
        from archer.cli import main

        self.returncode = main(list(args))
        captured = capsys.readouterr()
        self.stdout, self.stderr = captured.out, captured.err


def one_line_error(result, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("archer: error:"), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_help_lists_commands_and_every_option():
    top = archer("--help")
    assert top.returncode == 0 and all(c in top.stdout for c in ("train", "eval", "bc", "demos", "play"))
    train_help = archer("train", "--help").stdout
    for option in ("env.name", "archer.critic_updates", "archer.gamma", "critic.encoder", "run.seed", "bc.from_run"):
        assert option in train_help


def test_a_user_mistake_in_a_real_process_is_one_line():
    one_line_error(archer("train", "archer.gama=0.9"), "did you mean archer.gamma")


def test_user_mistakes_get_one_clear_line(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    def run(*args: str) -> InProcess:
        return InProcess(capsys, *args)

    one_line_error(run("train", "archer.iterations=many"), "archer.iterations must be int")
    one_line_error(run("train", "--config", str(tmp_path / "nope.yaml")), "config file not found")
    bad = tmp_path / "bad.yaml"
    bad.write_text("archer: [1, 2\n")
    one_line_error(run("train", "--config", str(bad)), "not valid YAML")
    one_line_error(run("train", "archer.tau=0"), "archer.tau")
    one_line_error(run("eval", str(tmp_path)), "not an archer run folder")
    one_line_error(run("train", "--resume", str(tmp_path / "missing")), "no such run folder")
    (tmp_path / "config.yaml").write_text("env: {name: guess_number}\n")
    one_line_error(run("eval", str(tmp_path)), "has no checkpoint yet")
    (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint")
    one_line_error(run("eval", str(tmp_path)), "not a readable archer checkpoint")
    one_line_error(run("eval", str(tmp_path / "checkpoint.pt"), "--games", "0"), "--games must be >= 1")
    one_line_error(
        run("train", "env.demo_path=/no/such/file.jsonl", "run.out_dir=" + str(tmp_path / "r")),
        "demonstration file not found",
    )
    one_line_error(
        run("train", f"bc.from_run={tmp_path / 'nope' / 'bc_policy.pt'}", "run.out_dir=" + str(tmp_path / "r")),
        "neither a run folder with a checkpoint nor a checkpoint file",
    )
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"turns": [{"observation": "x"}]}\n')
    one_line_error(run("train", f"env.demo_path={broken}", "run.out_dir=" + str(tmp_path / "r2")), "broken.jsonl:1")


def test_train_then_eval_then_demos(tmp_path: Path):
    result = archer("train", *TINY, "archer.iterations=1", f"run.out_dir={tmp_path}", "run.name=cli")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "BC start" in result.stdout and "final" in result.stdout
    evaluated = archer("eval", str(tmp_path / "cli"), "--games", "5")
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    assert "mean return" in evaluated.stdout and "success rate" in evaluated.stdout
    again = archer("train", *TINY, "archer.iterations=1", f"run.out_dir={tmp_path}", "run.name=cli")
    one_line_error(again, "already holds a run")
    out = tmp_path / "demos.jsonl"
    demos = archer("demos", "--env", "guess_number", "--games", "7", "--out", str(out))
    assert demos.returncode == 0 and len(out.read_text().splitlines()) == 7


def test_bc_then_eval_then_train_from_it(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    from archer.cli import main

    assert main(["bc", *TINY, f"run.out_dir={tmp_path}", "run.name=bc"]) == 0
    assert main(["eval", str(tmp_path / "bc"), "--games", "3"]) == 0
    assert "mean return" in capsys.readouterr().out
    # other game settings
    assert main(["eval", str(tmp_path / "bc"), "--games", "3", "env.max_turns=2", "run.device=cpu"]) == 0
    import re

    assert float(re.search(r"mean turns\s+([0-9.]+)", capsys.readouterr().out).group(1)) <= 2  # type: ignore[union-attr]
    assert main(["eval", str(tmp_path / "bc"), "--games", "3", "archer.gamma=0.5"]) != 0
    assert "changes only how the game is played" in capsys.readouterr().err
    args = ["train", *TINY, "archer.iterations=1", f"bc.from_run={tmp_path / 'bc'}", f"run.out_dir={tmp_path}"]
    assert main([*args, "run.name=rl"]) == 0
    assert "policy from" in capsys.readouterr().out or (tmp_path / "rl" / "checkpoint.pt").is_file()


def test_a_train_run_keeps_its_bc_start_and_a_variant_starts_from_it(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    import json
    import re

    from archer.cli import main

    assert main(["train", *TINY, "archer.iterations=1", f"run.out_dir={tmp_path}", "run.name=a"]) == 0
    first = json.loads((tmp_path / "a" / "metrics.jsonl").read_text().splitlines()[0])
    snapshot = tmp_path / "a" / "bc_policy.pt"
    assert snapshot.is_file()
    capsys.readouterr()
    assert main(["eval", str(snapshot), "--games", "8"]) == 0
    assert "bc_policy.pt (iteration 0):" in capsys.readouterr().out
    # --against: the same games with a second checkpoint, and the paired difference of the two.
    assert main(["eval", str(tmp_path / "a"), "--games", "8", "--against", str(snapshot)]) == 0
    out = capsys.readouterr().out
    means = [float(m) for m in re.findall(r"mean return\s+(-?[0-9.]+)", out)]
    difference = re.search(r"difference \(first - second\): ([-+][0-9.]+) ± ", out)
    assert len(means) == 2 and difference is not None, out
    assert abs(float(difference.group(1)) - (means[0] - means[1])) < 2e-3
    # Sampled play of one checkpoint against itself: same games, same torch seed, no difference at all.
    assert main(["eval", str(snapshot), "--games", "6", "--sampled", "--against", str(snapshot)]) == 0
    assert "difference (first - second): +0.000 ± 0.000" in capsys.readouterr().out
    assert main(["eval", str(snapshot), "--games", "2", "--against", str(tmp_path / "nope")]) != 0
    assert "nope" in capsys.readouterr().err
    # A variant from the same start: its iteration-0 evaluation is the first run's, to the digit.
    args = ["train", *TINY, "archer.iterations=1", f"bc.from_run={snapshot}", f"run.out_dir={tmp_path}"]
    assert main([*args, "run.name=b", "archer.kl_coef=3"]) == 0
    again = json.loads((tmp_path / "b" / "metrics.jsonl").read_text().splitlines()[0])
    assert again["eval/return_mean"] == first["eval/return_mean"]
    assert again["eval/sampled_return_mean"] == first["eval/sampled_return_mean"]


def test_play_shows_each_answer_and_the_end(monkeypatch, capsys):
    from archer.envs.guess_number import GuessNumberEnv

    hidden = GuessNumberEnv(n=4).reset(seed=3)[1]["number"]
    moves = iter(["Is it greater than 9?", f"Is it {hidden}?"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(moves))
    result = InProcess(capsys, "play", "--env", "guess_number", "--n", "4", "--seed", "3")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "Guess my number from 1 to 4.",
        "Is it greater than 9? No.",
        f"Is it {hidden}? Yes.",
        "game over: return -1, won",
    ]


def test_play_takes_a_recipe_and_overrides(monkeypatch, capsys):
    def no_more_input(_prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", no_more_input)
    recipe = Path(__file__).resolve().parents[1] / "configs" / "guess_number.yaml"
    result = InProcess(capsys, "play", "--config", str(recipe), "env.n=5")
    assert result.returncode == 0 and result.stdout.startswith("Guess my number from 1 to 5.")
    bad = InProcess(capsys, "play", "env.nn=5")
    one_line_error(bad, "env.n")


def test_play_shows_a_whole_page_when_the_game_does_not_append():
    from archer.cli import new_text

    assert new_text("Questions:\n", "Questions:\nIs it a dog? Yes.\n") == "Is it a dog? Yes.\n"
    assert new_text("[Search]", "Results page\n[Back to Search]") == "Results page\n[Back to Search]"
