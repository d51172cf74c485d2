"""Pages, actions and URLs: every transition, invalid actions, the action limit, HTML round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archer.envs.webshop.env import InProcessTransport
from archer.envs.webshop.pages import (
    INVALID,
    Node,
    Page,
    ShopSession,
    flatten,
    parse_action,
    parse_html,
    parse_url,
    url_done,
    url_item,
    url_results,
    url_sub,
)
from archer.envs.webshop.server import render_html
from archer.envs.webshop.store import get_store


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    return get_store(400, 0)


def session(store, goal: int = 0, max_actions: int = 10) -> ShopSession:  # type: ignore[no-untyped-def]
    return ShopSession(InProcessTransport(store), f"fixed_{goal}", max_actions)


def first_product(s: ShopSession) -> str:
    return next(n.text for n in s.page.nodes if n.kind == "product")


def test_search_page_shows_instruction_and_only_search_works(store):
    s = session(store)
    goal = store.catalog.goal(0)
    assert s.page.kind == "search" and s.instruction == goal["instruction_text"]
    assert s.text == f"WebShop\nInstruction:\n{goal['instruction_text']}\n[button] Search [button_]"
    for bad in ("click[search]", "click[buy now]", "search[]", "search[   ]", "hello", "", "click[next >]"):
        text, reward, over, info = s.step(bad)
        assert (text, reward, over, info["valid"]) == (INVALID, 0.0, False, False) and s.page.kind == "search"


def test_full_walk_through_every_page(store):
    goal = store.catalog.goal(0)
    s = session(store)
    text, *_ = s.step(f"search[{goal['instruction_text']}]")
    assert s.page.kind == "results" and "Page 1 (1-10) of 50 total results" in text
    assert "[button] Next > [button_]" in text and "< Prev" not in text
    s.step("click[next >]")
    assert s.page_num == 2 and "[button] < Prev [button_]" in s.text
    s.step("click[< prev]")
    assert s.page_num == 1
    asin = first_product(s)
    s.step(f"click[{asin.lower()}]")  # product ids are matched without case, as WebShop's text env
    assert s.page.kind == "item" and s.asin == asin
    product = store.catalog.by_asin[asin]
    assert product["Title"] in s.text and f"Price: {product['Price']}" in s.text
    for sub, needle in (("description", product["Description"]), ("features", product["BulletPoints"][0])):
        s.step(f"click[{sub}]")
        assert s.page.kind == "sub" and needle in s.text and "Buy Now" not in s.text
        s.step("click[< prev]")
        assert s.page.kind == "item"
    s.step("click[< prev]")
    assert s.page.kind == "results" and f"[clicked button] {asin} [clicked button_]" in s.text  # visited
    assert s.actions == 9


def test_options_buy_and_score(store):
    goal = store.catalog.goal(3)
    target = store.catalog.by_asin[goal["asin"]]
    s = session(store, 3)
    # search the target's exact title: it is on the first page
    s.step(f"search[{target['Title']}]")
    assert target["asin"] in s.text
    s.step(f"click[{target['asin']}]")
    for value in goal["goal_options"].values():
        text, reward, over, _ = s.step(f"click[{value}]")
        assert f"[clicked button] {value} [clicked button_]" in text and f"You have clicked {value}." in text
        assert (reward, over) == (0.0, False)
    text, reward, over, info = s.step("click[buy now]")
    assert over and info["bought"] and reward == pytest.approx(1.0)
    assert "Thank you for shopping with us!\nYour score (min 0.0, max 1.0)\n1.0" == text
    with pytest.raises(RuntimeError):
        s.step("click[back to search]")


def test_back_to_search_and_option_groups(store):
    s = session(store, 1)
    s.step("search[shoes]")
    s.step(f"click[{first_product(s)}]")
    options = [n for n in s.page.nodes if n.kind == "option"]
    if options:
        s.step(f"click[{options[-1].text}]")
        assert s.options == {options[-1].group: options[-1].text}
    s.step("click[back to search]")
    assert s.page.kind == "search" and s.options == {} and s.keywords == []


def test_action_limit_ends_the_game_without_reward(store):
    s = session(store, max_actions=3)
    assert s.step("nonsense")[2] is False
    assert s.step("search[chair]")[2] is False
    text, reward, over, info = s.step("click[not there]")
    assert over and reward == 0.0 and text == INVALID and not info["bought"]


def test_parse_action_grammar():
    assert parse_action("search[red shoes]") == ("search", "red shoes")
    assert parse_action("  Click[ Buy Now ] ") == ("click", "Buy Now")
    assert parse_action("click[< prev]") == ("click", "< prev")
    assert parse_action("click[]") is None and parse_action("buy now") is None and parse_action("click buy") is None


def test_urls_round_trip():
    kw = ["red", "shoes+", "a/b", "ü", "%20", "x']"]
    opts = {"color": "navy blue", "size": "10.5"}
    r = parse_url(url_results("fixed_1", kw, 3))
    assert (r.kind, r.session, r.keywords, r.page) == ("results", "fixed_1", kw, 3)
    r = parse_url(url_item("s 1", "B0ABC", kw, 2, opts))
    assert (r.kind, r.session, r.asin, r.options, r.keywords) == ("item", "s 1", "B0ABC", opts, kw)
    r = parse_url(url_sub("s", "B0ABC", kw, 2, "Reviews", opts))
    assert (r.kind, r.sub, r.options) == ("sub", "Reviews", opts)
    assert parse_url(url_done("s", "B0ABC", opts)).options == opts
    assert parse_url("/search_results/s/%5B%27red%27%2C%20%27shoe%27%5D/1").keywords == ["red", "shoe"]  # WebShop's
    assert parse_url("/search_results/s/red+shoe%20box/1").keywords == ["red", "shoe", "box"]
    assert parse_url(url_results("s", ["[x]", "['a'"], 1)).keywords == ["[x]", "['a'"]  # not a list literal
    for bad in ("/", "/a/b", "/item_page/s/x/k/1/notadict", "/done/s/a/%7B1%3A"):
        with pytest.raises((ValueError, SyntaxError)):
            parse_url(bad)


def test_every_page_survives_html_round_trip(store):
    s = session(store, 2)
    pages = [s.page]
    s.step("search[wireless mouse]")
    pages.append(s.page)
    s.step(f"click[{first_product(s)}]")
    pages.append(s.page)
    s.step("click[reviews]")
    pages.append(s.page)
    for page in pages:
        route = parse_url(url_results("fixed_2", ["wireless", "mouse"], 1))
        back = parse_html(render_html(page, route), page.kind)
        assert [(n.kind, n.text, n.group) for n in back.nodes] == [(n.kind, n.text, n.group) for n in page.nodes]
        assert back.instruction == page.instruction
        assert flatten(back) == flatten(page)


hostile = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=200) | st.sampled_from(
    ["<script>alert(1)</script>", "]]]", "click[buy now]", "&amp;&lt;", "\x00\n\r\t", "%2F%00", "'}"]
)


@settings(max_examples=150, deadline=None)
@given(hostile)
def test_hostile_text_is_never_an_exception_and_survives_html(text):
    store = get_store(400, 0)
    s = session(store)
    for action in (text, f"search[{text}]", f"search[[{text}]", f"click[{text}]"):
        if s.done:
            break
        result = s.step(action)
        assert isinstance(result[0], str) and result[1] == 0.0
    page = Page("results", [Node("text", " ".join(text.split()) or "x"), Node("button", "Back to Search")], "i")
    route = parse_url(url_results("fixed_0", ["q"], 1))
    assert [n.text for n in parse_html(render_html(page, route), "results").nodes] == [n.text for n in page.nodes]
