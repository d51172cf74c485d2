"""Multi-turn text environments (strings in, strings out), one module each.

`make_env(cfg)` builds the game a config names; `make_scripted_player(cfg, seed)` its scripted
demonstrator; `validation_config(cfg)` the config of the games that select policies. The names:

- `guess_number`: find a hidden integer in 1..n with comparisons; exact optimal values known.
- `twenty_questions`: the paper's Twenty Questions over 157 objects, local knowledge-base oracle.
- `twenty_questions_subset`: the same game over the paper's fixed 10-word subset.
- `webshop`: WebShop's shopping task on a generated local store, in process or over HTTP (`archer.envs.webshop`).
- `guess_my_city`: the paper's Guess My City over 91 cities, free-form questions, local knowledge-base oracle.
- `detective`: the paper's text adventure through Jericho (needs jericho and detective.z5).
- `textworld`: seeded generated text adventures at three levels, train/eval split (needs textworld).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from archer.envs.base import ScriptedPlayer, TextEnv, VectorTextEnv, WordQuery, clean_action
from archer.errors import UserError

if TYPE_CHECKING:
    from archer.config import EnvConfig

ENV_NAMES = (
    "guess_number",
    "twenty_questions",
    "twenty_questions_subset",
    "guess_my_city",
    "webshop",
    "detective",
    "textworld",
)


def _need_webshop_packages() -> None:
    try:
        import bm25s  # noqa: F401
        import rapidfuzz  # noqa: F401
    except ImportError as exc:
        raise UserError(f"webshop needs {exc.name}: pip install 'archer-rl[webshop]'") from exc


def validation_config(cfg: EnvConfig) -> EnvConfig:
    """The env config of validation games: `cfg` itself, except WebShop's own validation range when one is set.

    Validation games use seeds of their own, but WebShop's fixed instruction range (webshop_goal_count)
    maps those seeds back onto the held-out instructions, so WebShop may name a second range for them
    (detective, one deterministic game, and TextWorld, whose seeds from eval.seed all play held-out
    games, replay them too and have no second range yet)."""
    if cfg.name == "webshop" and cfg.webshop_validation_start >= 0:
        return dataclasses.replace(cfg, webshop_goal_start=cfg.webshop_validation_start)
    return cfg


def make_env(cfg: EnvConfig) -> TextEnv:
    """The environment a config names."""
    if cfg.name == "guess_number":
        from archer.envs.guess_number import GuessNumberEnv

        return GuessNumberEnv(n=cfg.n, max_turns=cfg.max_turns)
    if cfg.name in ("twenty_questions", "twenty_questions_subset"):
        from archer.envs.twenty_questions import HFOracle, KnowledgeOracle, TwentyQuestionsEnv

        oracle = HFOracle(cfg.oracle_model) if cfg.oracle_model else KnowledgeOracle()
        words = "subset" if cfg.name == "twenty_questions_subset" else "all"
        return TwentyQuestionsEnv(words=words, max_turns=cfg.max_turns, oracle=oracle)
    if cfg.name == "webshop":
        _need_webshop_packages()
        from archer.envs.webshop import WebShopEnv

        return WebShopEnv(
            products=cfg.webshop_products,
            seed=cfg.webshop_seed,
            url=cfg.webshop_url,
            max_actions=cfg.max_turns,
            goal_start=cfg.webshop_goal_start,
            goal_count=cfg.webshop_goal_count,
        )
    if cfg.name == "guess_my_city":
        from archer.envs.guess_my_city import GuessMyCityEnv
        from archer.envs.guess_my_city import HFOracle as CityHFOracle
        from archer.envs.guess_my_city import KnowledgeOracle as CityKnowledgeOracle

        city_oracle = CityHFOracle(cfg.oracle_model) if cfg.oracle_model else CityKnowledgeOracle()
        return GuessMyCityEnv(max_turns=cfg.max_turns, oracle=city_oracle)
    if cfg.name == "detective":
        from archer.envs.detective import DetectiveEnv

        return DetectiveEnv(game_path=cfg.game_path, max_turns=cfg.max_turns, valid_actions=cfg.valid_actions)
    if cfg.name == "textworld":
        from archer.envs.textworld_games import TextWorldEnv

        return TextWorldEnv(
            level=cfg.textworld_level,
            train_games=cfg.textworld_train_games,
            eval_games=cfg.textworld_eval_games,
            max_turns=cfg.max_turns,
            cache_dir=cfg.cache_dir,
        )
    raise UserError(f"unknown environment {cfg.name!r}; choose one of: {', '.join(ENV_NAMES)}")


def action_choices(cfg: EnvConfig) -> Callable[[str], list[str] | WordQuery | None] | None:
    """How to read, from an observation alone, the actions the game lists as valid (None: it lists none).

    Detective (with `env.valid_actions`) and TextWorld show a "Valid actions:" line; WebShop shows
    its buttons, and its search box takes the instruction's words (a `WordQuery`). A policy with
    `policy.choose_from=auto` samples only from these (`archer.models.policy`)."""
    if cfg.name == "detective" and cfg.valid_actions or cfg.name == "textworld":
        from archer.envs.detective import observed_valid_actions

        return observed_valid_actions
    if cfg.name == "webshop":
        from archer.envs.webshop.scripted import page_choices

        return page_choices
    return None


def action_descriptions(cfg: EnvConfig) -> Callable[[str, str], str] | None:
    """How a critic with `critic.describe_actions` reads an action in a state (None: as it is).

    WebShop's product clicks and purchases name, by id alone, a product whose title and price are
    in the page (`archer.envs.webshop.scripted.describe_action`)."""
    if cfg.name == "webshop":
        from archer.envs.webshop.scripted import describe_action

        return describe_action
    return None


def make_scripted_player(cfg: EnvConfig, seed: int | None = None) -> ScriptedPlayer:
    """The scripted demonstrator of the config's environment, at `cfg.demo_skill` (None: its default)."""
    skill = {} if cfg.demo_skill is None else {"skill": cfg.demo_skill}
    if cfg.name == "guess_number":
        from archer.envs.guess_number import ScriptedPlayer as GuessNumberPlayer

        return GuessNumberPlayer(n=cfg.n, seed=seed, **skill)
    if cfg.name in ("twenty_questions", "twenty_questions_subset"):
        from archer.envs.twenty_questions import ScriptedPlayer as TwentyQuestionsPlayer

        words = "subset" if cfg.name == "twenty_questions_subset" else "all"
        return TwentyQuestionsPlayer(words=words, seed=seed, **skill)
    if cfg.name == "webshop":
        _need_webshop_packages()
        from archer.envs.webshop import ScriptedPlayer as WebShopPlayer

        return WebShopPlayer(seed=seed, **skill)
    if cfg.name == "guess_my_city":
        from archer.envs.guess_my_city import ScriptedPlayer as GuessMyCityPlayer

        return GuessMyCityPlayer(seed=seed, **skill)
    if cfg.name == "detective":
        from archer.envs.detective import ScriptedPlayer as DetectivePlayer

        return DetectivePlayer(game_path=cfg.game_path, seed=seed, **skill)
    if cfg.name == "textworld":
        from archer.envs.textworld_games import ScriptedPlayer as TextWorldPlayer

        return TextWorldPlayer(
            level=cfg.textworld_level,
            train_games=cfg.textworld_train_games,
            eval_games=cfg.textworld_eval_games,
            cache_dir=cfg.cache_dir,
            seed=seed,
            **skill,
        )
    raise UserError(f"unknown environment {cfg.name!r}; choose one of: {', '.join(ENV_NAMES)}")


__all__ = [
    "ENV_NAMES",
    "ScriptedPlayer",
    "TextEnv",
    "VectorTextEnv",
    "action_choices",
    "clean_action",
    "make_env",
    "make_scripted_player",
]
