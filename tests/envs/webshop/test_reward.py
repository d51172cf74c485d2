"""WebShop's reward, case by case, on hand-made dicts."""

from __future__ import annotations

import pytest

from archer.envs.webshop.reward import (
    attribute_matches,
    get_reward,
    normalize_color,
    nouns,
    option_matches,
    similarity,
    type_reward,
)

CAT = "Beauty & Personal Care › Hair Care › Hair Extensions & Wigs › Hair Extensions"


def product(**over):  # type: ignore[no-untyped-def]
    base = {
        "query": "hair extensions",
        "product_category": CAT,
        "name": "Lumora Clip-in Hair Extensions",
        "Title": "Lumora Clip-in Hair Extensions",
        "Attributes": ["natural looking", "heat resistant"],
        "BulletPoints": ["Soft and light."],
        "Description": "A hairpiece.",
    }
    base.update(over)
    if "Title" in over and "name" not in over:
        base["name"] = over["Title"]
    return base


def goal(**over):  # type: ignore[no-untyped-def]
    base = {
        "query": "hair extensions",
        "product_category": CAT,
        "name": "Velo Clip-in Hair Extensions",
        "attributes": ["natural looking", "heat resistant"],
        "goal_options": {"color": "black", "size": "large"},
        "price_upper": 40.0,
    }
    base.update(over)
    return base


def test_perfect_purchase_scores_one():
    r, info = get_reward(product(), goal(), price=19.99, options={"color": "black", "size": "large"})
    assert r == pytest.approx(1.0)
    assert info["r_type"] == 1.0 and info["attributes_matched"] == 2 and info["options_matched"] == 2


def test_formula_counts_each_term():
    # 1 of 2 attributes, 1 of 2 options, price over the bound: (1 + 1 + 0) / (2 + 2 + 1)
    p = product(Attributes=["natural looking"])
    r, info = get_reward(p, goal(), price=55.0, options={"color": "black", "size": "medium"})
    assert (info["attributes_matched"], info["options_matched"], info["price_ok"]) == (1, 1, False)
    assert r == pytest.approx(2 / 5)


def test_price_term_is_inclusive_bound():
    assert get_reward(product(), goal(), price=40.0, options={})[1]["price_ok"] is True
    assert get_reward(product(), goal(), price=40.01, options={})[1]["price_ok"] is False


def test_attribute_fuzzy_match_above_85():
    assert similarity("natural look", "natural looking") > 85
    assert attribute_matches(product(Attributes=["natural look"]), ["natural looking"]) == 1
    assert attribute_matches(product(Attributes=["Natural-Looking!"]), ["natural looking"]) == 1  # case, punctuation
    assert attribute_matches(product(Attributes=["gluten free vegan"]), ["gluten free"]) == 1  # token subset
    assert similarity("long lasting", "heat resistant") < 85
    assert attribute_matches(product(Attributes=["heat resistant"]), ["long lasting"]) == 0


def test_attribute_found_in_title_bullets_or_description():
    bare = {"Attributes": [], "Title": "X", "BulletPoints": [], "Description": ""}
    assert attribute_matches(product(**bare), ["long lasting"]) == 0
    assert attribute_matches(product(**{**bare, "Title": "Long Lasting Wig"}), ["long lasting"]) == 1
    assert attribute_matches(product(**{**bare, "BulletPoints": ["it is LONG LASTING"]}), ["long lasting"]) == 1
    assert attribute_matches(product(**{**bare, "Description": "very long lasting"}), ["long lasting"]) == 1


def test_size_options_match_exactly_others_fuzzily():
    p = product(Title="Wig", BulletPoints=[], Description="")
    assert option_matches(p, ["large"], {"size": "large"}) == 1
    assert option_matches(p, ["large"], {"size": "x-large"}) == 0  # exact for size, even though similar
    assert option_matches(p, ["navy blue"], {"color": "blue"}) == 1  # colours normalised, then fuzzy
    assert option_matches(p, ["french vanilla"], {"flavor": "vanilla french"}) == 1  # token set
    assert option_matches(p, ["hazelnut"], {"flavor": "original"}) == 0


def test_option_found_in_product_text():
    p = product(Title="Wig in Ash Grey", BulletPoints=[], Description="")
    assert option_matches(p, ["black"], {"color": "ash grey"}) == 1


def test_no_goal_options_leaves_option_term_out():
    r, info = get_reward(product(), goal(goal_options={}), price=10.0, options={})
    assert r == pytest.approx(1.0) and info["r_option"] is None
    r, _ = get_reward(product(Attributes=[], Title="Lumora Hair Extensions"), goal(goal_options={}), 10.0, {})
    assert r == pytest.approx(1 / 3)


def test_goal_options_as_list_human_goal_format():
    r, _ = get_reward(product(), goal(goal_options=["black", "large"]), 19.99, {"color": "black", "size": "large"})
    assert r == pytest.approx(1.0)


def test_chosen_options_are_what_is_counted():
    # WebShop counts the options chosen, so an option of a group the goal does not name can score.
    r, info = get_reward(product(Title="Velo Hair Extensions Lace"), goal(goal_options={"color": "black"}), 10.0,
                         {"color": "black", "style": "lace"})  # fmt: skip
    assert info["options_matched"] == 2 and r > 1.0


def test_colour_normalisation():
    assert normalize_color("dark brown") == "brown"
    assert normalize_color("navy blue") == "blue"
    assert normalize_color("walnut") == "walnut"


def test_type_reward_query_or_category_or_title():
    g = goal(name="Velo Hair Extensions Hairpiece Kit Bundle Gift")  # 7 nouns
    assert type_reward(product(), g)["r_type"] == 1.0  # same query
    other_query = product(
        query="lace front wig",
        Title="Lumora Lace Front Hair Wig",
        product_category="Beauty & Personal Care › Hair Care › Hair Extensions & Wigs › Wigs",
    )
    info = type_reward(other_query, g)
    assert info["title_score"] == pytest.approx(1 / 7)  # "hair" only: the category decides
    assert info["category_match"] and not info["query_match"] and info["r_type"] == 1.0  # 3 shared levels
    far = product(query="lipstick", product_category="Beauty & Personal Care › Makeup › Lips",
                  Title="Rosa Hair Lipstick")  # fmt: skip
    info = type_reward(far, g)
    assert not info["category_match"] and info["title_score"] == pytest.approx(1 / 7)
    assert info["r_type"] == 0.5  # shares a noun, but not more than 20%, and nothing else fits


def test_type_reward_tiers_by_title_nouns():
    names = "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda"  # 11 nouns
    g = goal(name=names, query="q1", product_category="A › B › C")

    def r_type(title: str) -> float:
        return type_reward(product(Title=title, query="q2", product_category="X › Y › Z"), g)["r_type"]

    assert r_type("Alpha Beta Gamma") == 1.0  # 3/11 > 0.2
    assert r_type("Alpha Beta") == 0.5  # 2/11: some, not enough
    assert r_type("Alpha") == 0.1  # 1/11 < 10%
    assert r_type("Omega") == 0.0  # none
    # query match does not save a title that shares no noun (WebShop's order of checks)
    assert type_reward(product(Title="Omega", query="q1", product_category="X › Y › Z"), g)["r_type"] == 0.0


def test_r_type_scales_the_whole_reward():
    g = goal(name="Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda", query="q1",
             product_category="A › B › C")  # fmt: skip
    p = product(Title="Alpha Beta", query="q2", product_category="X › Y › Z")
    r, info = get_reward(p, g, price=10.0, options={"color": "black", "size": "large"})
    assert info["r_type"] == 0.5
    assert r == pytest.approx(0.5 * (2 + 2 + 1) / 5)


def test_nouns_skip_function_words_numbers_and_modifiers():
    assert nouns("Lumora Premium Natural Looking Clip-in Hair Extensions 20 Inch for Women") == [
        "lumora", "hair", "extensions", "inch",
    ]  # fmt: skip
