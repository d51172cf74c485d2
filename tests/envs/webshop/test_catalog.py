"""The generated catalog: deterministic, WebShop-shaped products, instructions in WebShop's style."""

from __future__ import annotations

import re

import pytest

from archer.envs.webshop.catalog import PRICE_RANGE, PRODUCT_TYPES, Catalog
from archer.envs.webshop.reward import get_reward

KEYS = ("asin", "Title", "Price", "price", "category", "query", "product_category", "name", "Attributes",
        "BulletPoints", "Description", "Reviews", "Rating", "options")  # fmt: skip


def test_same_seed_same_store_other_seed_other_store():
    a, b, c = Catalog(400, seed=3), Catalog(400, seed=3), Catalog(400, seed=4)
    assert [p["asin"] for p in a.products] == [p["asin"] for p in b.products]
    assert [dict(p) | {"BulletPoints": p["BulletPoints"]} for p in a.products[:50]] == [
        dict(p) | {"BulletPoints": p["BulletPoints"]} for p in b.products[:50]
    ]
    assert [a.goal(i) for i in range(30)] == [b.goal(i) for i in range(30)]
    assert [p["asin"] for p in a.products] != [p["asin"] for p in c.products]


def test_lazy_texts_do_not_depend_on_access_order():
    a, b = Catalog(200, seed=1), Catalog(200, seed=1)
    first = [a.products[i]["Description"] for i in range(200)]
    second = [b.products[i]["Description"] for i in reversed(range(200))][::-1]
    assert first == second


def test_products_have_webshop_fields():
    cat = Catalog(300, seed=0)
    assert len(cat.products) == 300 and len(cat.by_asin) == 300
    for p in cat.products:
        assert all(k in p for k in KEYS)
        assert re.fullmatch(r"B0[0-9A-Z]{8}", p["asin"])
        assert p["Price"] == f"${p['price']:.2f}" and p["price"] > 0
        assert len(p["product_category"].split(" › ")) >= 3
        assert 3 <= len(p["Attributes"]) <= 5 and p["BulletPoints"] and p["Description"]
        assert all(isinstance(v, list) and len(v) >= 2 for v in p["options"].values())
        for r in p["Reviews"]:
            assert 1 <= r["score"] <= 5 and r["title"] and r["body"]
    assert {p.ptype for p in cat.products} == set(PRODUCT_TYPES)  # every type appears
    assert {p["category"] for p in cat.products} == {"beauty", "electronics", "fashion", "food", "furniture"}


def test_goals_in_webshop_style_and_consistent_with_their_target():
    cat = Catalog(500, seed=0)
    for i in range(200):
        g = cat.goal(i)
        target = cat.by_asin[g["asin"]]
        text = g["instruction_text"]
        assert text == text.lower() or any(c.isdigit() for c in text)
        assert text.startswith(("i need", "i am looking", "i'm looking", "i want", "i would like", "find me", "get me"))
        assert 1 <= len(g["attributes"]) <= 3 and all(a in text for a in g["attributes"])
        assert target.ptype.noun in text
        assert all(v in text and v in target["options"][k] for k, v in g["goal_options"].items())
        assert g["price_upper"] in PRICE_RANGE and g["price_upper"] > target["price"]
        assert text.endswith(f", and price lower than {g['price_upper']:.2f} dollars")
        # the target bought with the named options is a perfect purchase
        reward, _ = get_reward(target, g, target["price"], g["goal_options"])
        assert reward == pytest.approx(1.0)
    counts = [len(cat.goal(i)["attributes"]) for i in range(200)]
    assert {1, 2, 3} <= set(counts)
    assert any(not cat.goal(i)["goal_options"] for i in range(200)) and any(
        cat.goal(i)["goal_options"] for i in range(200)
    )


def test_goals_do_not_depend_on_catalog_growth_beyond_the_target():
    assert Catalog(300, 0).goal(5)["instruction_text"] == Catalog(300, 0).goal(5)["instruction_text"]
    with pytest.raises(ValueError):
        Catalog(10, 0).goal(-1)
    with pytest.raises(ValueError):
        Catalog(0, 0)
