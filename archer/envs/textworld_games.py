"""Generated text adventures: seeded TextWorld games at several difficulty levels, a train/eval split.

TextWorld generates a game (a map, objects, a quest and its text) from seeds and compiles it to a
Z-machine story offline with the Inform 7 compiler its wheel ships. A game is generated the first
time a reset needs it and kept in a cache folder (`env.cache_dir`, default `~/.cache/archer/textworld`),
so later runs and other processes reuse it; a game is written to a temporary name and renamed, so
processes sharing the folder never read half a game.

Levels (`LEVELS`): rooms, objects, quest length. The reward is the score gained by a step (a
quest's sub-goals score points; the game is won at its maximum score); a game ends when it is won
or lost (`terminated`, `info["success"]` = won) or at `max_turns` (`truncated`).

Train/eval split: the env owns `train_games` training games (generator seeds 0..train_games-1) and
`eval_games` held-out games (generator seeds from `EVAL_GAME_SEED`, never used for training). A
reset seed below `EVAL_SEED_START` (1,000,000, the default `eval.seed`) plays training game
`seed % train_games`; a seed at or above it plays held-out game `(seed - EVAL_SEED_START) % eval_games`.
So the training loop's own convention (rollouts use seeds below `eval.seed`, evaluation seeds from
it) trains on many games and evaluates on unseen ones. `options={"split": "eval", "game": 3}`
chooses a game directly.

The observation has the Detective's layout plus the quest's goal:

    Step 0 of 30. Score: 0 of 3.
    Goal: ... open the refrigerator ... put the teapot on the pan ...
    Response: (the game's answer to the last command)
    Location: -= Kitchen =- ...
    Inventory: You are carrying nothing.
    Valid actions: close refrigerator, examine pan, go east, ... (TextWorld's admissible commands)

Action text is made safe as for Detective (`archer.envs.detective.to_command`): one printable ASCII
command, no NUL byte, cut at the first `.`/`then`, and interpreter meta-commands refused.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archer.envs.base import ScriptedPlayer as _ScriptedPlayerBase
from archer.envs.base import StepResult, TextEnv, clean_action
from archer.envs.detective import META_VERBS, REFUSAL, observed_step, observed_valid_actions, to_command
from archer.errors import UserError


@dataclass(frozen=True)
class Level:
    """Difficulty of a generated game."""

    rooms: int
    objects: int
    quest_length: int


LEVELS: dict[int, Level] = {
    1: Level(rooms=1, objects=3, quest_length=1),
    2: Level(rooms=3, objects=6, quest_length=3),
    3: Level(rooms=6, objects=12, quest_length=6),
}
#: Reset seeds at or above this play held-out games (the default `eval.seed`).
EVAL_SEED_START = 1_000_000
#: Generator seed of held-out game 0; training games use generator seeds 0, 1, 2, ...
EVAL_GAME_SEED = 50_000
DEFAULT_CACHE_DIR = Path("~/.cache/archer/textworld")


def require_textworld() -> Any:
    """Import textworld or raise a UserError that says how to install it."""
    try:
        import textworld
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise UserError("the textworld environment needs textworld: pip install 'archer-rl[textworld]'") from exc
    return textworld


def game_file(level: int, game_seed: int, cache_dir: str | Path | None = None) -> Path:
    """The compiled game (.z8, with its .json beside it) for a level and generator seed; generated if absent."""
    textworld = require_textworld()
    if level not in LEVELS:
        raise UserError(f"textworld level {level} is unknown; choose one of {sorted(LEVELS)}")
    folder = Path(cache_dir or DEFAULT_CACHE_DIR).expanduser()
    # The generator's version is part of the name: another version may make another game from a seed.
    stem = f"tw{textworld.__version__}-level{level}-seed{game_seed}"
    path = folder / f"{stem}.z8"
    if path.is_file() and path.with_suffix(".json").is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    from textworld.generator import compile_game, make_game

    spec = LEVELS[level]
    options = textworld.GameOptions()
    options.nb_rooms, options.nb_objects, options.quest_length = spec.rooms, spec.objects, spec.quest_length
    options.seeds = game_seed
    with tempfile.TemporaryDirectory(dir=folder, prefix=".building-") as tmp:
        options.path = str(Path(tmp) / f"{stem}.z8")
        game = make_game(options)
        compile_game(game, options)
        # .json first: a reader checks for both, and the .z8 appears last.
        os.replace(Path(tmp) / f"{stem}.json", path.with_suffix(".json"))
        os.replace(Path(tmp) / f"{stem}.z8", path)
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


class TextWorldEnv(TextEnv):
    """Seeded generated games of one level; see the module docstring for the seed -> game rule."""

    name = "textworld"

    def __init__(
        self,
        level: int = 1,
        train_games: int = 100,
        eval_games: int = 20,
        max_turns: int = 30,
        cache_dir: str | Path | None = None,
    ) -> None:
        if level not in LEVELS:
            raise UserError(f"env.textworld_level={level} is unknown; choose one of {sorted(LEVELS)}")
        if train_games < 1 or eval_games < 1:
            raise UserError("env.textworld_train_games and env.textworld_eval_games must be >= 1")
        if max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {max_turns}")
        require_textworld()
        self.level, self.train_games, self.eval_games = level, train_games, eval_games
        self.max_turns = max_turns
        self.cache_dir = cache_dir
        self.game_seed = 0
        self.game: Any = None
        self._game_path: Path | None = None
        self.state: Any = None
        self.turn, self.score, self.max_score = 0, 0, 1
        self.finished = True

    def game_seed_for(self, seed: int | None, options: dict[str, Any] | None = None) -> int:
        """The generator seed a reset plays (see the module docstring)."""
        options = options or {}
        split = options.get("split")
        seed = 0 if seed is None else int(seed)
        if split is None:
            split = "eval" if seed >= EVAL_SEED_START else "train"
        if split not in ("train", "eval"):
            raise ValueError(f"split must be 'train' or 'eval', got {split!r}")
        if "game" in options:
            index = int(options["game"])
        else:
            index = seed - EVAL_SEED_START if split == "eval" else seed
        if split == "eval":
            return EVAL_GAME_SEED + index % self.eval_games
        return index % self.train_games

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        import textworld

        game_seed = self.game_seed_for(seed, options)
        path = game_file(self.level, game_seed, self.cache_dir)
        if self.game is None or path != self._game_path:
            if self.game is not None:
                self.game.close()
            infos = textworld.EnvInfos(
                admissible_commands=True, score=True, max_score=True, won=True, lost=True, description=True,
                inventory=True, objective=True, feedback=True, extras=["walkthrough"],
            )  # fmt: skip
            with warnings.catch_warnings():  # Jericho warns that it knows no score bindings; TextWorld keeps score
                warnings.simplefilter("ignore")
                self.game = textworld.start(str(path), request_infos=infos)
            self._game_path = path
        self.game_seed = game_seed
        self.state = self.game.reset()
        self.turn, self.score, self.finished = 0, int(self.state["score"] or 0), False
        self.max_score = int(self.state["max_score"] or 1)
        self.goal = _clean(self.state["objective"])
        # The first feedback is TextWorld's ASCII-art banner, the goal and the room: the goal and the room
        # have their own lines, so the banner is left out.
        return self._observe("", "A new game begins."), {
            "turn": 0, "game_seed": game_seed, "walkthrough": self.walkthrough(),
        }  # fmt: skip

    def step(self, action: str) -> StepResult:
        if self.finished:
            raise RuntimeError("the game has ended; call reset() first")
        command = to_command(action)
        words = command.lower().split()
        if not words:
            response = "I beg your pardon?"
        elif words[0] in META_VERBS:
            response = REFUSAL
        else:
            self.state, _, _ = self.game.step(command)
            response = _clean(self.state["feedback"])
        new_score = int(self.state["score"] or 0)
        reward = float(new_score - self.score)
        self.score = new_score
        self.turn += 1
        won, lost = bool(self.state["won"]), bool(self.state["lost"])
        terminated = won or lost
        truncated = not terminated and self.turn >= self.max_turns
        self.finished = terminated or truncated
        info: dict[str, Any] = {"turn": self.turn, "score": self.score, "game_seed": self.game_seed}
        if self.finished:
            info["success"] = won
        return self._observe(clean_action(action), response, ended=terminated), reward, terminated, truncated, info

    def _observe(self, action: str, response: str, ended: bool = False) -> str:
        lines = [
            f"Step {self.turn} of {self.max_turns}. Score: {self.score} of {self.max_score}.",
            f"Goal: {self.goal}",
        ]
        if action:
            lines.append(f"Last action: {action}")
        lines.append(f"Response: {response}")
        if ended:
            lines.append("The story has ended.")
        else:
            lines += [
                f"Location: {_clean(self.state['description'])}",
                f"Inventory: {_clean(self.state['inventory'])}",
                "Valid actions: " + ", ".join(sorted(self.state["admissible_commands"] or [])),
            ]
        return "\n".join(lines) + "\n"

    def walkthrough(self) -> list[str]:
        """The generator's winning commands for the current game."""
        return list(self.state["extra.walkthrough"] or []) if self.state is not None else []

    def tokenizer_corpus(self) -> list[str]:
        """The text of a few training games (their start and walkthrough) and the fixed phrases."""
        lines = [
            f"Step 0 of {self.max_turns}. Score: 0 of 1. Goal: Last action: Response: Location: Inventory: "
            f"Valid actions: The story has ended. {REFUSAL} I beg your pardon?"
        ]
        for game in range(min(self.train_games, 5)):
            obs, info = self.reset(seed=game)
            lines.append(obs)
            for command in info["walkthrough"]:
                obs, *_ = self.step(command)
                lines.append(obs)
                if self.finished:
                    break
        self.finished = True
        return lines

    def close(self) -> None:
        if self.game is not None:
            self.game.close()
            self.game = None


def _goal_and_step(observation: str) -> tuple[int, str]:
    goal = re.search(r"^Goal: (.*)$", observation, re.MULTILINE)
    return observed_step(observation), goal.group(1) if goal else ""


#: A demonstrator that mostly follows the walkthrough (see docs/environments.md).
DEFAULT_SKILL = 0.8


class ScriptedPlayer(_ScriptedPlayerBase):
    """Follows the generator's walkthrough of the game being played; with chance 1 - `skill` it plays a
    random admissible command instead and then goes on with the walkthrough from where it was.

    It cannot see which game is played from the observation alone, so it asks the game files: it
    finds the walkthrough whose game's goal matches the observation's among the level's games (each
    game's walkthrough is read once from its .json and cached).
    """

    def __init__(
        self, level: int = 1, train_games: int = 100, eval_games: int = 20, cache_dir: str | Path | None = None,
        skill: float = DEFAULT_SKILL, seed: int | None = None,
    ) -> None:  # fmt: skip
        super().__init__(skill=skill, seed=seed)
        self.level, self.train_games, self.eval_games, self.cache_dir = level, train_games, eval_games, cache_dir
        self._by_goal: dict[str, list[str]] = {}
        self.plan: list[str] = []

    def _walkthrough_for(self, goal: str) -> list[str]:
        if goal not in self._by_goal:
            self._index_games()
        return list(self._by_goal.get(goal, []))

    def _index_games(self) -> None:
        """Read the goal and walkthrough of every game of the level that is already generated."""
        import json

        folder = Path(self.cache_dir or DEFAULT_CACHE_DIR).expanduser()
        for path in folder.glob(f"tw*-level{self.level}-seed*.json"):
            data = json.loads(path.read_text())
            objective = _clean(data.get("objective") or "")
            walkthrough = data.get("metadata", {}).get("walkthrough") or []
            if objective:
                self._by_goal.setdefault(objective, list(walkthrough))

    def act(self, observation: str) -> str:
        step, goal = _goal_and_step(observation)
        if step == 0:
            self.plan = self._walkthrough_for(goal)
        valid = observed_valid_actions(observation)
        if self.plan and (self.rng.random() < self.skill or not valid):
            return self.plan.pop(0)
        if valid:
            return self.rng.choice(valid)
        return "look"
