"""Detective: the paper's text adventure (Matt Barringer, 1993) played through Jericho.

The story file is never bundled: `DetectiveEnv(game_path=...)` takes its path (config field
`env.game_path`); by default `../shared/games/detective.z5` next to the repository or the current
folder is used when present (`resolve_game_path`).

As in the paper, an observation is not the history but the present: the location description (the
game's answer to `look`), the inventory, the game's response to the last action, and the list of
valid actions, preceded by a status line with the step and score:

    Step 1 of 50. Score: 20 of 360.
    Last action: take paper
    Response: Taken. [Your score has just gone up by ten points.]
    Location: << Chief's office >> You are standing in the Chief's office. ...
    Inventory: You are carrying: a piece of white paper
    Valid actions: drop paper, east, north, read paper, west

Reward is the score gained by the step (the game starts at 10 of 360); a game ends when the story
ends (`terminated`; `info["success"]` when it was won) or at `max_turns` steps (`truncated`;
the paper's limit is 50: the 51-action walkthrough reaches 360 at its 50th action).

Valid actions are computed offline. Jericho's own `get_valid_actions` tags the words of the
`look` and `inventory` texts with a spaCy model it downloads at run time; here the game's own
dictionary tags them instead (`_tag_words`), and the rest is Jericho's pipeline: candidate
objects from the object tree and those words, kept if `examine` recognises them, filled into the
game's action templates, and kept if they change the world (Jericho's C filter, one copy at a time,
no process pool). Results are cached by (world-state hash, score), shared by the copies in a
process. Lists are sorted, since Jericho's order follows the process's hash seed.

Any action text is safe (`to_command`): it is cleaned to one printable line, reduced to ASCII, cut
under the interpreter's 198-byte input buffer and to 16 words, and cut at the first command
separator (`.` or `then`), so one step is one command (Inform would otherwise run "n. n. n" as
three moves in one step). A NUL byte would hang the interpreter (it reads up to the NUL and then
waits for a newline forever) and about 30 objects in one `take` halt the story with a programming
error; backslashes are dropped, since dumb-frotz reads `\\help`, `\\X` and the like as its own
commands. Meta-commands that act outside the story (save, restore, restart, quit, script, undo)
get a fixed refusal and cost a step: `script` writes a transcript file into the working folder and
`restore`/`restart` rewind the score.
"""

from __future__ import annotations

import re
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from archer.envs.base import ScriptedPlayer as _ScriptedPlayerBase
from archer.envs.base import StepResult, TextEnv, clean_action
from archer.errors import UserError

#: Where tests and the default config look for the story file (never copied into the repo).
DEFAULT_GAME_RELPATH = Path("..") / "shared" / "games" / "detective.z5"
MAX_SCORE = 360
REFUSAL = "[That command is not available in this game.]"
#: Verbs that act on the interpreter rather than the story.
META_VERBS = frozenset(
    {"save", "restore", "restart", "quit", "q", "script", "unscript", "transcript", "noscript", "undo", "oops"}
)
#: Jericho's input buffer holds 198 bytes; keep under it so Jericho never truncates (and warns).
MAX_COMMAND_BYTES = 190
MAX_COMMAND_WORDS = 16
_SEPARATOR = re.compile(r"\.|\bthen\b", re.IGNORECASE)
_ABBREVIATIONS = {
    "n": "north", "s": "south", "e": "east", "w": "west", "u": "up", "d": "down",
    "ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest",
    "i": "inventory", "l": "look", "x": "examine", "g": "again",
}  # fmt: skip
_INVERSE = {
    "north": "south", "south": "north", "east": "west", "west": "east", "up": "down", "down": "up",
    "northeast": "southwest", "southwest": "northeast", "northwest": "southeast", "southeast": "northwest",
}  # fmt: skip


def require_jericho() -> Any:
    """Import jericho or raise a UserError that says how to install it."""
    try:
        import jericho
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise UserError("the detective environment needs jericho: pip install 'archer-rl[detective]'") from exc
    return jericho


def _jericho_util() -> Any:
    """jericho.util (its package namespace re-exports a `util` from ctypes that shadows the attribute)."""
    import importlib

    return importlib.import_module("jericho.util")


def resolve_game_path(game_path: str | None = None) -> Path:
    """The story file: `game_path` if given, else ../shared/games/detective.z5 beside the repo or the cwd."""
    if game_path:
        path = Path(game_path).expanduser()
        if not path.is_file():
            raise UserError(f"Detective story file not found: {path} (set env.game_path to detective.z5)")
        return path
    repo_root = Path(__file__).resolve().parents[2]
    for base in (repo_root, Path.cwd()):
        path = (base / DEFAULT_GAME_RELPATH).resolve()
        if path.is_file():
            return path
    raise UserError(
        "Detective story file not found: set env.game_path to detective.z5 (looked for ../shared/games/detective.z5 "
        "beside the repository and the current folder)"
    )


def expand_command(action: str) -> str:
    """Lower-case and expand the parser's abbreviations: 'W' -> 'west', 'x note' -> 'examine note'."""
    words = action.lower().split()
    if words and words[0] in _ABBREVIATIONS:
        words[0] = _ABBREVIATIONS[words[0]]
    return " ".join(words)


def to_command(action: object) -> str:
    """What the interpreter receives for any action: one ASCII command of bounded length."""
    text = clean_action(action)
    text = text.encode("ascii", "ignore").decode("ascii")
    text = _SEPARATOR.split(text, maxsplit=1)[0]
    # ";" separates candidates in Jericho's filter; a leading "\" is a dumb-frotz interpreter command
    # ("\help" prints to the process's stdout, others change settings or send hotkeys).
    text = text.replace(";", " ").replace("\\", " ")
    # Inform's list of objects in one command overflows past about 30 ("take paper paper ... paper" halts
    # the story with a programming error); 16 words (commas count) stay well clear and no command needs more.
    tokens = re.findall(r"[^\s,]+|,", text)[:MAX_COMMAND_WORDS]
    return " ".join(tokens).replace(" ,", ",")[:MAX_COMMAND_BYTES]


def _clean(text: str) -> str:
    """Interpreter output on one line: whitespace folded, decoration stripped."""
    return " ".join(text.replace("*", " ").split())


class _Story:
    """What every copy of one story file shares in a process: the start snapshot, the dictionary,
    and the valid-action cache. Built once per path by `_story()`."""

    def __init__(self, path: Path) -> None:
        jericho = require_jericho()
        env = jericho.FrotzEnv(str(path))
        self.intro, info = env.reset()
        self.start_state = env.get_state()
        self.start_score = int(info["score"])
        self.max_score = int(env.get_max_score()) or MAX_SCORE
        bindings = env.bindings or {}
        if not env.is_fully_supported or not env.act_gen:
            raise UserError(f"{path} is not a story file Jericho supports (is it detective.z5?)")
        self.walkthrough: list[str] = list(env.get_walkthrough()) if bindings.get("walkthrough") else []
        self.max_word_length = int(bindings.get("max_word_length", 9))
        dictionary = env.get_dictionary()
        self.words = {w.word for w in dictionary}
        self.nouns = {w.word for w in dictionary if w.is_noun}
        self.adjectives = {w.word for w in dictionary if w.is_adj}
        self.verbs = sorted({w.word for w in dictionary if w.is_verb})
        self.valid_cache: OrderedDict[tuple[str, int], tuple[str, ...]] = OrderedDict()


_STORIES: dict[Path, _Story] = {}
#: Valid-action lists kept per story (about 1 kB each).
VALID_CACHE_SIZE = 50_000


def _story(path: Path) -> _Story:
    if path not in _STORIES:
        _STORIES[path] = _Story(path)
    return _STORIES[path]


class DetectiveEnv(TextEnv):
    """Detective through Jericho. Deterministic: every seed gives the same game (the seed is kept
    for the record only). Step copies one at a time in one thread (`VectorTextEnv` does):
    Jericho's valid-action filter is not thread safe."""

    name = "detective"

    def __init__(self, game_path: str | None = None, max_turns: int = 50, valid_actions: bool = True) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {max_turns}")
        jericho = require_jericho()
        self.path = resolve_game_path(game_path)
        self.story = _story(self.path)
        self.max_turns = max_turns
        self.show_valid_actions = valid_actions
        # One interpreter per copy: Jericho loads a private copy of its C library for each FrotzEnv,
        # so copies share no C state. About 1 MB each.
        self.frotz = jericho.FrotzEnv(str(self.path))
        self.turn = 0
        self.score = self.story.start_score
        self.finished = True
        self.observation = ""

    # --------------------------------------------------------------------------------- the game
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        # The reset pitfall. The reference builds each observation (at reset too) with Jericho's default
        # `get_valid_actions()`, which starts a process pool of one worker per CPU *per copy*, and steps
        # its copies in a thread pool, where that valid-action filter is not thread safe (GAMES.md: lists
        # came back corrupted with 2 threads) and pools are forked from a multi-threaded process. That is
        # the likely "resetting issue" behind its limit of 4 parallel games. Here a reset restores one
        # start snapshot taken once per process (`set_state`, about 15 us: no reload of the story, the
        # same emulator RNG in every copy, so copies start identical), and valid actions are computed in
        # this thread without a pool and cached, so the start's list is computed once for all copies.
        # A snapshot does not clear the interpreter's "halted" flag, so a halted copy is restarted first.
        self._restore(self.story.start_state)
        self.turn, self.score, self.finished = 0, self.story.start_score, False
        self.observation = self._observe("", _clean(self.story.intro))
        return self.observation, {"turn": 0, "score": self.score, "seed": seed}

    def step(self, action: str) -> StepResult:
        if self.finished:
            raise RuntimeError("the game has ended; call reset() first")
        command = to_command(action)
        words = command.lower().split()
        if not words:
            response, terminated = "I beg your pardon?", False
        elif words[0] in META_VERBS:
            response, terminated = REFUSAL, False
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                text, _, done, _ = self.frotz.step(command)
            response, terminated = _clean(text), bool(done) or self.frotz._emulator_halted()
        new_score = int(self.frotz.get_score())
        reward = float(new_score - self.score)
        self.score = new_score
        self.turn += 1
        truncated = not terminated and self.turn >= self.max_turns
        self.finished = terminated or truncated
        self.observation = self._observe(clean_action(action), response)
        info: dict[str, Any] = {"turn": self.turn, "score": self.score, "command": command}
        if self.finished:
            info["success"] = bool(self.frotz.victory())
        return self.observation, reward, terminated, truncated, info

    # ------------------------------------------------------------------------------ observation
    def _look_and_inventory(self) -> tuple[str, str]:
        state = self.frotz.get_state()
        look = _clean(self.frotz.step("look")[0])
        self.frotz.set_state(state)
        inventory = _clean(self.frotz.step("inventory")[0])
        self.frotz.set_state(state)
        return look, inventory

    def _observe(self, action: str, response: str) -> str:
        lines = [f"Step {self.turn} of {self.max_turns}. Score: {self.score} of {self.story.max_score}."]
        if action:
            lines.append(f"Last action: {action}")
        lines.append(f"Response: {response}")
        if self._story_over():
            lines.append("The story has ended.")
            return "\n".join(lines) + "\n"
        look, inventory = self._look_and_inventory()
        lines += [f"Location: {look}", f"Inventory: {inventory}"]
        if self.show_valid_actions:
            lines.append("Valid actions: " + ", ".join(self.valid_actions()))
        return "\n".join(lines) + "\n"

    # ---------------------------------------------------------------------------- valid actions
    def valid_actions(self) -> list[str]:
        """The actions that change the world from here, one per distinct effect, sorted."""
        key = (self.frotz.get_world_state_hash(), int(self.frotz.get_score()))
        cache = self.story.valid_cache
        if key in cache:
            cache.move_to_end(key)
            return list(cache[key])
        actions = tuple(sorted(self._compute_valid_actions()))
        cache[key] = actions
        if len(cache) > VALID_CACHE_SIZE:
            cache.popitem(last=False)
        return list(actions)

    def _tag_words(self, text: str) -> set[tuple[str, str]]:
        """Words of `text` the game knows, tagged NOUN or ADJ from its dictionary (spaCy's job in Jericho)."""
        tagged = set()
        for token in re.findall(r"[a-z0-9']+", text.lower()):
            key = token[: self.story.max_word_length]
            if key in self.story.nouns:
                tagged.add((token, "NOUN"))
            elif key in self.story.adjectives:
                tagged.add((token, "ADJ"))
        return tagged

    def _interactive_objects(self) -> dict[str, list[tuple[str, str, str]]]:
        """Candidate object names grouped by what `examine` answers (names with one answer are aliases).

        Mirrors Jericho's `_identify_interactive_objects(use_object_tree=True)` with the dictionary tagger.
        """
        util = _jericho_util()
        frotz, state = self.frotz, self.frotz.get_state()
        objs: set[tuple[str, str, str]] = set()
        for command, source in (("look", "LOC"), ("inventory", "INV")):
            frotz.set_state(state)
            objs |= {(w, tag, source) for w, tag in self._tag_words(util.clean(frotz.step(command)[0]))}
        frotz.set_state(state)
        location = frotz.get_player_location()
        if location is not None:
            around = util.get_subtree(location.child, frotz.get_world_objects())
            player = frotz.get_player_object()
            for obj in around:
                if obj == player:
                    continue
                name = obj.name.split()
                objs.add((obj.name, "PROPN", "OBJTREE"))
                if len(name) > 1:  # as Jericho: the last word of a multi-word name is the noun
                    objs |= {(w, "ADJ", "OBJTREE") for w in name[:-1]}
                    objs.add((name[-1], "NOUN", "OBJTREE"))
        n = self.story.max_word_length
        objs = {o for o in objs if len(o[0].split()) > 1 or o[0][:n] in self.story.words}
        by_answer: dict[str, list[tuple[str, str, str]]] = {}
        answers: dict[str, str] = {}
        for obj in sorted(objs):
            if obj[0] not in answers:
                frotz.set_state(state)
                answers[obj[0]] = util.clean(frotz.step("examine " + obj[0])[0])
            if util.recognized(answers[obj[0]]):
                by_answer.setdefault(answers[obj[0]], []).append(obj)
        by_answer["all"] = [("all", "NOUN", "LOC")]
        frotz.set_state(state)
        return by_answer

    def _compute_valid_actions(self) -> list[str]:
        util = _jericho_util()
        frotz = self.frotz
        if self._story_over():
            return []
        names = frotz._score_object_names(self._interactive_objects())
        candidates = frotz.act_gen.generate_actions(names)
        # use_parallel=False: no process pool per copy (see reset); the ctypes filter runs in C.
        by_effect = frotz._filter_candidate_actions(candidates, use_ctypes=True, use_parallel=False)
        if frotz._emulator_halted():  # a candidate like "quit" halted the copy: start it afresh
            self._restore(frotz.get_state())
        chosen = [max(acts, key=util.verb_usage_count) for acts in by_effect.values()]
        return self._changing(chosen)

    def _changing(self, actions: list[str]) -> list[str]:
        """The actions that change the world hash or the score, or end the story.

        The C filter groups by a wider memory diff, which lets some refused moves through (at
        "Outside", "north" answers "You can't go north from here!" and changes nothing): a greedy
        policy that picked one repeated it for the rest of the game."""
        frotz, state = self.frotz, self.frotz.get_state()
        world, score = frotz.get_world_state_hash(), frotz.get_score()
        kept = []
        for action in actions:
            frotz.set_state(state)
            frotz.step(action)
            if self._story_over() or frotz.get_world_state_hash() != world or frotz.get_score() != score:
                kept.append(action)
        self._restore(state)
        return kept

    def _story_over(self) -> bool:
        return bool(self.frotz.game_over() or self.frotz.victory() or self.frotz._emulator_halted())

    def _restore(self, state: object) -> None:
        """Back to `state`; a halted interpreter is restarted first (a snapshot does not clear the flag)."""
        if self.frotz._emulator_halted():
            self.frotz.reset()
        self.frotz.set_state(state)

    # --------------------------------------------------------------------------------- helpers
    def walkthrough(self) -> list[str]:
        """The game's walkthrough from Jericho's bindings (51 actions)."""
        return list(self.story.walkthrough)

    def tokenizer_corpus(self) -> list[str]:
        """Every dictionary word, the walkthrough, the start, and the observation's fixed phrases."""
        words = sorted(self.story.words)
        return [
            " ".join(words),
            " ".join(w.capitalize() for w in words),
            " ".join(_INVERSE),
            ", ".join(self.story.walkthrough).lower(),
            _clean(self.story.intro),
            f"Step 0 of {self.max_turns}. Score: 10 of {self.story.max_score}. Last action: Response: Location: "
            f"Inventory: Valid actions: The story has ended. {REFUSAL} I beg your pardon? That's not a verb I "
            "recognise. You can't go that way. You are carrying: You are empty handed. Taken. Dropped.",
        ]


def parse_observation(observation: str) -> dict[str, str]:
    """The observation's fields by name: 'Step', 'Response', 'Location', 'Inventory', 'Valid actions', ..."""
    fields: dict[str, str] = {}
    for line in observation.splitlines():
        if line.startswith("Step "):
            fields["Step"] = line
        elif ": " in line:
            key, value = line.split(": ", 1)
            fields[key] = value
    return fields


def observed_step(observation: str) -> int:
    """The step number in an observation's status line (0 right after reset)."""
    match = re.match(r"Step (\d+) of", observation)
    return int(match.group(1)) if match else 0


def observed_valid_actions(observation: str) -> list[str]:
    """The valid-action list shown in an observation ([] when none is shown)."""
    text = parse_observation(observation).get("Valid actions", "")
    return [a for a in text.split(", ") if a]


def _location(observation: str) -> str:
    match = re.search(r"<< (.+?) >>", parse_observation(observation).get("Location", ""))
    return match.group(1) if match else ""


#: Calibrated with `tests/envs/test_detective.py`'s numbers (see docs/environments.md).
DEFAULT_SKILL = 0.8


class ScriptedPlayer(_ScriptedPlayerBase):
    """Follows the walkthrough; with chance 1 - `skill` it plays a random valid action instead.

    After a random move that changed the location it walks back (the inverse direction) before going
    on, so a detour costs steps rather than the game; a random action that spoils the story (dropping
    or using up an item the walkthrough needs) can still cost points, as it would for a person. It
    tracks its place in the walkthrough itself, starting over when an observation shows step 0.
    """

    def __init__(
        self, game_path: str | None = None, skill: float = DEFAULT_SKILL, seed: int | None = None,
        walkthrough: Iterable[str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(skill=skill, seed=seed)
        if walkthrough is None:
            walkthrough = _story(resolve_game_path(game_path)).walkthrough
        self.walkthrough = [expand_command(a) for a in walkthrough]
        self.index = 0
        self.back: list[tuple[str, str]] = []  # (inverse move, location to return to)

    def act(self, observation: str) -> str:
        location = _location(observation)
        if observed_step(observation) == 0:
            self.index, self.back = 0, []
        if self.back:
            move, origin = self.back.pop()  # tried once: some passages do not lead straight back
            if location != origin:  # the random move moved us
                return move
        valid = observed_valid_actions(observation)
        if self.index < len(self.walkthrough) and (self.rng.random() < self.skill or not valid):
            self.index += 1
            return self.walkthrough[self.index - 1]
        if not valid:
            return "look"
        action = self.rng.choice(valid)
        if action in _INVERSE:
            self.back.append((_INVERSE[action], location))
        return action
