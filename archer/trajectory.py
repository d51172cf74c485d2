"""Games as data: utterance-level transitions and whole games, and their JSONL file format.

A game is what the rollout, the scripted players and users' own data sets all produce, and what
the replay buffer and behaviour cloning consume. On disk, one game per line:

    {"env": "twenty_questions_subset", "seed": 7,
     "turns": [{"observation": "Questions:\\n", "action": "Is it an animal?", "reward": -1.0,
                "next_observation": "Questions:\\nIs it an animal? No.\\n",
                "terminated": false, "truncated": false}, ...]}

`observation` is the state s the action was chosen in (the whole transcript so far) and
`next_observation` the state s' after it. `terminated` is the game's own end (no bootstrap);
`truncated` a cut by the turn limit. Only `turns` is required; `next_observation` defaults to the
next turn's observation (or the same text for the last turn), `terminated`/`truncated` to false.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archer.errors import UserError


@dataclass
class Transition:
    """One utterance-level step (s, a, r, s', terminated, truncated)."""

    observation: str
    action: str
    reward: float
    next_observation: str
    terminated: bool
    truncated: bool = False


@dataclass
class Game:
    """A whole game: its transitions in order, and where it came from."""

    turns: list[Transition] = field(default_factory=list)
    env: str = ""
    seed: int | None = None
    success: bool | None = None

    @property
    def total_return(self) -> float:
        """Undiscounted sum of rewards, the number every table in this project reports."""
        return float(sum(t.reward for t in self.turns))

    def to_json(self) -> dict[str, Any]:
        return {"env": self.env, "seed": self.seed, "success": self.success, "turns": [asdict(t) for t in self.turns]}


def save_games(games: list[Game], path: str | Path) -> None:
    """Write games as JSONL, atomically (a crash never leaves half a file under the final name)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for game in games:
            f.write(json.dumps(game.to_json(), ensure_ascii=False) + "\n")
    tmp.replace(path)


def _turn_from_json(raw: Any, nxt: Any, where: str) -> Transition:
    if not isinstance(raw, dict):
        raise UserError(f"{where}: a turn must be an object with observation, action, reward")
    missing = [k for k in ("observation", "action", "reward") if k not in raw]
    if missing:
        raise UserError(f"{where}: turn lacks {', '.join(missing)}")
    default_next = nxt["observation"] if isinstance(nxt, dict) and "observation" in nxt else raw["observation"]
    try:
        return Transition(
            observation=str(raw["observation"]),
            action=str(raw["action"]),
            reward=float(raw["reward"]),
            next_observation=str(raw.get("next_observation", default_next)),
            terminated=bool(raw.get("terminated", False)),
            truncated=bool(raw.get("truncated", False)),
        )
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}: {exc}") from None


def load_games(path: str | Path) -> list[Game]:
    """Read a JSONL file of games; every problem is reported with its file and line number."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"demonstration file not found: {path}")
    games = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(raw, dict) or not isinstance(raw.get("turns"), list) or not raw["turns"]:
                raise UserError(f"{where}: each line must be an object with a non-empty 'turns' list")
            turns_raw = raw["turns"]
            turns = [
                _turn_from_json(t, turns_raw[i + 1] if i + 1 < len(turns_raw) else None, where)
                for i, t in enumerate(turns_raw)
            ]
            games.append(
                Game(turns=turns, env=str(raw.get("env", "")), seed=raw.get("seed"), success=raw.get("success"))
            )
    if not games:
        raise UserError(f"{path} holds no games")
    return games
