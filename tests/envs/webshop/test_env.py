"""WebShopEnv: the env contract, the registry, in process and over HTTP giving the same game."""

from __future__ import annotations

import random
import re
from collections import Counter

import numpy as np
import pytest

from archer.config import Config
from archer.envs import make_env, make_scripted_player, validation_config
from archer.envs.base import WordQuery
from archer.envs.webshop import RandomClicker, ScriptedPlayer, WebShopEnv
from archer.envs.webshop.env import goal_of_seed
from archer.envs.webshop.pages import INVALID
from archer.envs.webshop.server import start_server
from archer.envs.webshop.store import get_store
from archer.rollout import play_scripted

SIZE = 400


@pytest.fixture(scope="module")
def server_url():  # type: ignore[no-untyped-def]
    server, url = start_server(get_store(SIZE, 0))
    yield url
    server.shutdown()
    server.server_close()


def test_observation_is_history_with_instruction_last():
    env = WebShopEnv(products=SIZE)
    obs, info = env.reset(seed=5)
    instruction = env.store.catalog.goal(5)["instruction_text"]  # type: ignore[union-attr]
    assert info == {"turn": 0, "goal": 5, "instruction": instruction}
    assert obs.startswith("Observation:\nWebShop\n") and obs.endswith(f"Instruction:\n{instruction}\n")
    obs2, r, term, trunc, info = env.step("click[buy now]")
    assert obs2.startswith(obs[: -len(f"Instruction:\n{instruction}\n")])
    assert f"Action:\nclick[buy now]\nObservation:\n{INVALID}\nInstruction:\n{instruction}\n" in obs2
    assert (r, term, trunc, info["turn"], info["valid"]) == (0.0, False, False, 1, False)


def test_same_seed_same_game_and_limits():
    env = WebShopEnv(products=SIZE, max_actions=4)
    assert env.reset(seed=9)[0] == env.reset(seed=9)[0] != env.reset(seed=10)[0]
    env.reset(seed=9)
    results = [env.step("click[nothing]") for _ in range(4)]
    assert [r[3] for r in results] == [False, False, False, True] and results[-1][4]["success"] is False
    with pytest.raises(RuntimeError):
        env.step("click[nothing]")
    assert goal_of_seed(7) == 7 and goal_of_seed(7, 2000, 100) == 2007 and goal_of_seed(105, 2000, 100) == 2005
    env = WebShopEnv(products=SIZE, goal_start=2000, goal_count=100)
    assert env.reset(seed=1_000_003)[1]["goal"] == 2003
    assert env.reset(options={"goal": 42})[1]["goal"] == 42


def test_registry_builds_env_and_player_from_config():
    cfg = Config()
    cfg.env.name, cfg.env.webshop_products, cfg.env.max_turns, cfg.env.demo_skill = "webshop", SIZE, 10, 1.0
    cfg.validate()
    env, player = make_env(cfg.env), make_scripted_player(cfg.env, seed=0)
    assert isinstance(env, WebShopEnv) and env.max_turns == 10 and isinstance(player, ScriptedPlayer)
    assert player.skill == 1.0
    game = play_scripted(env, player, 0)
    assert game.turns[-1].terminated and game.success is not None
    assert any("[button]" in line for line in env.tokenizer_corpus())


def test_validation_games_can_play_their_own_instruction_range():
    cfg = Config()
    cfg.env.name, cfg.env.webshop_products = "webshop", SIZE
    cfg.env.webshop_goal_start, cfg.env.webshop_goal_count = 2000, 100
    cfg.validate()
    assert validation_config(cfg.env) is cfg.env  # by default validation replays the training range
    cfg.env.webshop_validation_start = 2100
    cfg.validate()
    seed = 100_007  # validation seeds lie from eval.seed + 100000
    assert make_env(cfg.env).reset(seed=seed)[1]["goal"] == 2007
    assert make_env(validation_config(cfg.env)).reset(seed=seed)[1]["goal"] == 2107
    assert cfg.env.webshop_goal_start == 2000  # the training config is left as it was


def test_scripted_shopper_beats_random_clicks():
    env = WebShopEnv(products=SIZE)
    scripted = [play_scripted(env, ScriptedPlayer(skill=1.0, seed=0), s).total_return for s in range(40)]
    rand = [play_scripted(env, RandomClicker(env, seed=0), s).total_return for s in range(40)]
    assert np.mean(scripted) > 0.8 and np.mean(scripted) > np.mean(rand) + 0.3
    low = [play_scripted(env, ScriptedPlayer(skill=0.0, seed=0), s).total_return for s in range(40)]
    assert np.mean(low) < np.mean(scripted)


def test_in_process_and_http_play_the_same_game(server_url):
    local, remote = WebShopEnv(products=SIZE), WebShopEnv(url=server_url)
    moves = ["click[< prev]", "click[next >]", "click[description]", "click[features]", "click[reviews]",
             "search[desk]", "click[back to search]", "<b>hi</b>", "click[buy now]"]  # fmt: skip
    for seed in range(12):
        player, rng = ScriptedPlayer(skill=0.7, seed=seed), random.Random(seed)
        a, info_a = local.reset(seed=seed)
        b, info_b = remote.reset(seed=seed)
        assert a == b and info_a == info_b
        while True:
            action = player.act(a) if rng.random() < 0.6 else rng.choice(moves)
            ra, rb = local.step(action), remote.step(action)
            assert ra == rb, action
            a = ra[0]
            if ra[2] or ra[3]:
                break


def test_unreachable_server_says_so():
    env = WebShopEnv(url="http://127.0.0.1:9")
    with pytest.raises(RuntimeError, match="cannot reach a WebShop server"):
        env.reset(seed=0)


def test_hostile_actions_are_invalid_not_errors_and_keep_one_line_each():
    env = WebShopEnv(products=SIZE, max_actions=6)
    env.reset(seed=1)
    for action in ("", "x" * 5000, "search[\x00\n\rhi]\nclick[buy now]", "ünï©ødé[]", 123, "click[" + "]" * 50):
        obs, reward, terminated, truncated, info = env.step(action)  # type: ignore[arg-type]
        assert reward == 0.0 and not terminated
        last_action = obs.rsplit("Action:\n", 1)[1].split("\n", 1)[0]
        assert len(last_action) <= 1000 and last_action.isprintable()
    assert truncated and info["success"] is False


def test_scripted_shopper_clicks_product_ids_as_written_on_the_page():
    env = WebShopEnv(products=300, seed=0)
    game = play_scripted(env, ScriptedPlayer(skill=1.0, seed=0), 3)
    clicks = [t for t in game.turns if re.fullmatch(r"click\[[bB]0[A-Za-z0-9]{8}\]", t.action)]
    assert clicks, "the shopper opened no product"
    for turn in clicks:
        asin = turn.action[len("click[") : -1]
        assert f"[button] {asin} [button_]" in turn.observation  # copied verbatim, case included


def test_page_choices_are_the_page_clicks_and_the_scripted_shoppers_spelling():
    from archer.envs.webshop.scripted import page_choices

    env = WebShopEnv(products=SIZE)
    player = ScriptedPlayer(skill=1.0, seed=0)
    obs, _ = env.reset(seed=3)
    query = page_choices(obs)  # the search page: search[ + the instruction's words + ]
    assert isinstance(query, WordQuery) and (query.opening, query.closing) == ("search[", "]")
    instruction = obs.rsplit("Instruction:\n", 1)[1].lower()
    assert query.words and all(re.search(rf"\b{re.escape(w)}\b", instruction) for w in query.words)
    scripted = player.act(obs)
    assert scripted.startswith("search[") and not Counter(scripted[7:-1].split()) - Counter(query.words)
    seen_results = seen_item = False
    while True:
        choices = page_choices(obs)
        session = env.session
        assert session is not None
        if isinstance(choices, list):
            assert sorted(c.lower() for c in choices) == sorted(a for a in session.available_actions())
            seen_results |= session.page.kind == "results"
            seen_item |= session.page.kind == "item"
        action = player.act(obs)
        assert not isinstance(choices, list) or action in choices  # the demonstrations stay inside the list
        obs, _, terminated, truncated, info = env.step(action)
        assert info["valid"]
        if terminated or truncated:
            break
    assert seen_results and seen_item


def test_describe_action_names_the_clicked_product_and_leaves_other_actions_alone():
    from archer.envs.webshop.scripted import describe_action

    env = WebShopEnv(products=SIZE)
    obs, _ = env.reset(seed=3)
    assert describe_action(obs, "search[chair]") == "search[chair]"
    obs, *_ = env.step(ScriptedPlayer(skill=1.0, seed=0).act(obs))
    asin = re.search(r"\[button\] ([A-Z0-9]{10}) \[button_\]", obs).group(1)  # type: ignore[union-attr]
    product = env.store.catalog.by_asin[asin]  # type: ignore[union-attr]
    described = describe_action(obs, f"click[{asin}]")
    assert described.startswith(f"click[{asin}] -> {product['Title']}, $")
    assert describe_action(obs, f"click[{asin.lower()}]").endswith(described.split(" -> ", 1)[1])  # as the env reads it
    for other in ("click[next >]", "click[B000000000]", "", "click[", "ünï©ødé[]"):
        assert describe_action(obs, other) == other
    obs, *_ = env.step(f"click[{asin}]")
    option = re.search(r"^  \[button\] (.+) \[button_\]$", obs, flags=re.MULTILINE)
    if option:  # a product with options: the chosen one is named
        obs, *_ = env.step(f"click[{option.group(1)}]")
    bought = describe_action(obs, "click[buy now]")
    assert bought.startswith(f"click[buy now] -> {product['Title']}, $")
    assert not option or bought.endswith(f"; chosen: {option.group(1)}")
    assert describe_action(obs, "click[description]") == "click[description]"
