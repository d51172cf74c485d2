"""Search: BM25 ranks the right product type first, 10 a page, deterministic."""

from __future__ import annotations

from archer.envs.webshop.search import PRODUCTS_PER_PAGE, SEARCH_RETURN_N, SearchEngine, page_of, tokenize
from archer.envs.webshop.store import Store


def test_tokenize_drops_stop_words_and_punctuation():
    assert tokenize("I need a Clip-in hair extension, and price lower than 40.00 dollars") == [
        "clip", "hair", "extension", "40", "00",
    ]  # fmt: skip


def test_ranking_prefers_matching_documents():
    engine = SearchEngine(["red wool sweater", "blue cotton shirt", "red cotton shirt", "garden hose", ""])
    assert engine.search("red shirt")[0] == 2
    assert set(engine.search("shirt")) == {1, 2}
    assert engine.search("hose") == [3]
    assert engine.search("zeppelin") == [] and engine.search("") == [] and engine.search("the and of") == []


def test_store_search_finds_the_type_and_pages_by_ten():
    store = Store(600, seed=0)
    results = store.search("wireless earbuds noise cancelling".split())
    assert len(results) == SEARCH_RETURN_N
    top = [store.catalog.products[i] for i in results[:PRODUCTS_PER_PAGE]]
    assert all(p["query"] == "wireless earbuds" for p in top[:5])
    assert store.search(["wireless", "earbuds", "noise", "cancelling"]) == results  # deterministic (and memoised)
    pages = [page_of(results, k) for k in range(1, 7)]
    assert [len(p) for p in pages] == [10, 10, 10, 10, 10, 0]
    assert sum(pages, []) == results


def test_instruction_words_find_the_target_type_mostly():
    store = Store(1000, seed=0)
    hits = 0
    for i in range(100):
        goal = store.catalog.goal(i)
        top = store.search(goal["instruction_text"].lower().split())[:10]
        hits += any(store.catalog.products[j]["query"] == goal["query"] for j in top)
    assert hits >= 90
