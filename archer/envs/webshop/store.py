"""The shop itself: a catalog, its search engine, and the page at every WebShop URL.

`Store.get(path)` answers a URL path with a `pages.Page` (nodes with their links), the same page
the HTTP server renders as HTML; an in-process game asks the store directly, a remote game asks
a server over HTTP. Sessions are named by the client; `fixed_<i>` plays instruction i (WebShop's
convention) and any other name plays an instruction chosen by a hash of the name.

`get_store(size, seed)` keeps one store per (size, seed) for the whole process, so the many
environments of a rollout share one catalog and one index.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from typing import Any

from archer.envs.webshop.catalog import Catalog
from archer.envs.webshop.pages import (
    BACK,
    BUY,
    NEXT,
    PREV,
    SCORE_LABEL,
    SUB_PAGES,
    Node,
    Page,
    Route,
    parse_url,
    squash,
    url_done,
    url_index,
    url_item,
    url_results,
    url_sub,
)
from archer.envs.webshop.reward import get_reward
from archer.envs.webshop.search import PRODUCTS_PER_PAGE, SearchEngine, page_of


def goal_index(session: str) -> int:
    """Instruction index of a session: `fixed_<i>` -> i, any other name -> a stable hash."""
    if session.startswith("fixed_") and session[6:].isdigit():
        return int(session[6:])
    return int.from_bytes(hashlib.sha256(session.encode("utf-8", "replace")).digest()[:4], "big") % 100_000


class Store:
    """A catalog with its search index, answering WebShop URL paths with pages."""

    def __init__(self, size: int = 3000, seed: int = 0) -> None:
        self.catalog = Catalog(size, seed)
        # Indexed text: title, attributes and the two finest category levels (the top levels are shared by
        # thousands of products, score next to nothing, and make the index slower to build).
        docs = [
            f"{p['Title']} {' '.join(p['Attributes'])} {' '.join(p['product_category'].split(' › ')[-2:])}"
            for p in self.catalog.products
        ]
        self.engine = SearchEngine(docs)
        self._results: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self.purchases: dict[str, dict[str, Any]] = {}  # session -> the last purchase and its score

    # ------------------------------------------------------------------ lookups

    def goal(self, session: str) -> dict[str, Any]:
        return self.catalog.goal(goal_index(session))

    def search(self, keywords: list[str]) -> list[int]:
        """Top results for a query, memoised (agents repeat queries)."""
        key = " ".join(keywords)
        with self._lock:
            hit = self._results.get(key)
        if hit is None:
            hit = self.engine.search(key)
            with self._lock:
                if len(self._results) > 20_000:
                    self._results.clear()
                self._results[key] = hit
        return hit

    # ------------------------------------------------------------------ pages

    def get(self, path: str, kind: str = "") -> Page:
        """The page at `path`; ValueError (or KeyError for an unknown product) for a bad path."""
        return self.page(parse_url(path))

    def page(self, route: Route) -> Page:
        goal = self.goal(route.session)
        instruction = goal["instruction_text"]
        if route.kind == "index":
            nodes = [Node("text", "WebShop"), Node("text", "Instruction:"), Node("text", instruction),
                     Node("button", "Search", href=url_index(route.session))]  # fmt: skip
            return Page("search", nodes, instruction)
        if route.kind == "results":
            return self._results_page(route, instruction)
        if route.kind in ("item", "sub"):
            if route.asin not in self.catalog.by_asin:
                raise KeyError(f"no product {route.asin!r}")
            if route.kind == "item":
                return self._item_page(route, instruction)
            return self._sub_page(route, instruction)
        return self._done_page(route, goal)

    def _head(self, route: Route, instruction: str) -> list[Node]:
        return [
            Node("text", "Instruction:"),
            Node("text", instruction),
            Node("text", squash("Current Query: " + " ".join(route.keywords))),
        ]

    def _results_page(self, route: Route, instruction: str) -> Page:
        s, kw, page = route.session, route.keywords, route.page
        results = self.search(kw)
        shown = page_of(results, page) if page >= 1 else []
        first = (page - 1) * PRODUCTS_PER_PAGE + 1
        nodes = self._head(route, instruction) + [
            Node("text", "Results"),
            Node("text", f"Page {page} ({first}-{page * PRODUCTS_PER_PAGE}) of {len(results)} total results"),
            Node("button", BACK, href=url_index(s)),
        ]
        if page > 1:
            nodes.append(Node("button", PREV, href=url_results(s, kw, page - 1)))
        if page * PRODUCTS_PER_PAGE < len(results):
            nodes.append(Node("button", NEXT, href=url_results(s, kw, page + 1)))
        for i in shown:
            p = self.catalog.products[i]
            nodes += [
                Node("product", p["asin"], href=url_item(s, p["asin"], kw, page, {})),
                Node("text", p["Title"]),
                Node("text", p["Price"]),
            ]
        return Page("results", nodes, instruction)

    def _item_page(self, route: Route, instruction: str) -> Page:
        s, kw, pg, asin, opts = route.session, route.keywords, route.page, route.asin, route.options
        p = self.catalog.by_asin[asin]
        nodes = self._head(route, instruction) + [
            Node("button", BACK, href=url_index(s)),
            Node("button", PREV, href=url_results(s, kw, pg)),
        ]
        for group, values in p["options"].items():
            nodes.append(Node("text", group))
            for value in values:
                nodes.append(Node("option", value, group, href=url_item(s, asin, kw, pg, {**opts, group: value})))
        nodes += [
            Node("text", p["Title"]),
            Node("text", f"Price: {p['Price']}"),
            Node("text", f"Rating: {p['Rating']}"),
        ]
        nodes += [Node("button", sub, href=url_sub(s, asin, kw, pg, sub, opts)) for sub in SUB_PAGES]
        nodes.append(Node("button", BUY, href=url_done(s, asin, opts)))
        return Page("item", nodes, instruction)

    def _sub_page(self, route: Route, instruction: str) -> Page:
        s, kw, pg, asin, opts = route.session, route.keywords, route.page, route.asin, route.options
        p = self.catalog.by_asin[asin]
        nodes = self._head(route, instruction) + [
            Node("button", BACK, href=url_index(s)),
            Node("button", PREV, href=url_item(s, asin, kw, pg, opts)),
        ]
        sub = route.sub.capitalize()
        if sub == "Description":
            nodes.append(Node("text", p["Description"]))
        elif sub == "Features":
            nodes += [Node("text", b) for b in p["BulletPoints"]]
        elif sub == "Reviews":
            if not p["Reviews"]:
                nodes.append(Node("text", "No reviews found"))
            for r in p["Reviews"]:
                nodes += [Node("text", f'"{r["title"]}"'), Node("text", str(r["score"])), Node("text", r["body"])]
        else:
            raise ValueError(f"no sub-page {route.sub!r}")
        return Page("sub", nodes, instruction)

    def _done_page(self, route: Route, goal: dict[str, Any]) -> Page:
        product = self.catalog.by_asin[route.asin]
        reward, info = get_reward(product, goal, price=product["price"], options=route.options)
        with self._lock:
            self.purchases[route.session] = {"asin": route.asin, "options": route.options, "reward": reward, **info}
        nodes = [
            Node("text", "Thank you for shopping with us!"),
            Node("text", SCORE_LABEL),
            Node("text", repr(float(reward))),
        ]
        return Page("done", nodes, goal["instruction_text"], reward=float(reward))


@lru_cache(maxsize=4)
def get_store(size: int = 3000, seed: int = 0) -> Store:
    """The process-wide store of a (size, seed): built once, shared by every environment."""
    return Store(size, seed)
