"""The shopping session: pages, WebShop's URLs, the action grammar, and the text observation.

A page is a list of nodes (plain text, buttons, option labels, product links), whether it came
from the in-process store or was parsed from a server's HTML, so both give the same text.

Pages and actions (as WebShop's text mode):

    search page    search[<query>]
    results page   click[<product id>]  click[next >]  click[< prev]  click[back to search]
    item page      click[<option value>]  click[description]  click[features]  click[reviews]
                   click[< prev]  click[back to search]  click[buy now]
    sub-page       click[< prev]  click[back to search]

An action that the current page does not offer gets "Invalid action!", reward 0, and the page
stays; the game ends at `buy now` (reward from the score page) or after `max_actions` actions.

URLs are WebShop's own (`web_agent_site/app.py`), so `ShopSession` plays a real WebShop server
too: `/<session>`, `/search_results/<session>/<keywords>/<page>`,
`/item_page/<session>/<asin>/<keywords>/<page>/<options>`,
`/item_sub_page/<session>/<asin>/<keywords>/<page>/<sub page>/<options>`,
`/done/<session>/<asin>/<options>`. A session named `fixed_<i>` plays instruction i.

The text of a page flattens its nodes as WebShop's `text_rich` mode: buttons as
`[button] Buy Now [button_]`, chosen options and visited products as `[clicked button] ...
[clicked button_]`, options indented, product ids on their own paragraph.

Where it sits: `env.WebShopEnv` drives a `ShopSession` over a transport (the in-process
`store.Store` or HTTP); `server.py` renders the same pages as HTML.
"""

from __future__ import annotations

import ast
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import quote, unquote

INVALID = "Invalid action!"
SCORE_LABEL = "Your score (min 0.0, max 1.0)"
SUB_PAGES = ("Description", "Features", "Reviews")
BUY, NEXT, PREV, BACK = "Buy Now", "Next >", "< Prev", "Back to Search"
BACK_TO_RESULTS = "< Back to Results"  # the item page's "< Prev" in some versions of WebShop's site

_ACTION = re.compile(r"^\s*(search|click)\s*\[(.*)\]\s*$", re.IGNORECASE | re.DOTALL)


# ----------------------------------------------------------------------------- the page model


@dataclass(frozen=True)
class Node:
    """One visible piece of a page. kind: text | button | option (group = its option group) | product."""

    kind: str
    text: str
    group: str = ""
    href: str = ""


@dataclass
class Page:
    """A page as the agent sees it: its kind, its nodes, the instruction, and the score on the done page."""

    kind: str  # search | results | item | sub | done
    nodes: list[Node] = field(default_factory=list)
    instruction: str = ""
    reward: float | None = None


def squash(text: str) -> str:
    """One line, single spaces: how every node's text is compared and shown."""
    return " ".join(str(text).split())


def flatten(page: Page, chosen: dict[str, str] | None = None, visited: set[str] | None = None) -> str:
    """The page as WebShop's text_rich observation."""
    chosen_values = set((chosen or {}).values())
    visited = visited or set()
    lines: list[str] = []
    clicked: list[str] = []
    for node in page.nodes:
        if node.kind == "button":
            lines.append(f"[button] {node.text} [button_]")
        elif node.kind == "option":
            if chosen_values and (chosen or {}).get(node.group) == node.text:
                lines.append(f"  [clicked button] {node.text} [clicked button_]")
                clicked.append(f"You have clicked {node.text}.")
            else:
                lines.append(f"  [button] {node.text} [button_]")
        elif node.kind == "product":
            mark = "clicked button" if node.text.upper() in visited else "button"
            lines.append(f"\n[{mark}] {node.text} [{mark}_]")
        else:
            lines.append(node.text)
    return "\n".join(clicked[::-1] + lines)


# ----------------------------------------------------------------------------- URLs


def _seg(text: str) -> str:
    return quote(text, safe="")


def keywords_segment(keywords: list[str]) -> str:
    """The query words, space-separated and url-quoted (a real WebShop server reads them as one string)."""
    return _seg(" ".join(keywords)) or _seg(" ")


def options_segment(options: dict[str, str]) -> str:
    return _seg(repr(dict(options)))


def url_index(session: str) -> str:
    return f"/{_seg(session)}"


def url_results(session: str, keywords: list[str], page: int) -> str:
    return f"/search_results/{_seg(session)}/{keywords_segment(keywords)}/{page}"


def url_item(session: str, asin: str, keywords: list[str], page: int, options: dict[str, str]) -> str:
    return f"/item_page/{_seg(session)}/{_seg(asin)}/{keywords_segment(keywords)}/{page}/{options_segment(options)}"


def url_sub(session: str, asin: str, keywords: list[str], page: int, sub: str, options: dict[str, str]) -> str:
    return (
        f"/item_sub_page/{_seg(session)}/{_seg(asin)}/{keywords_segment(keywords)}/{page}/{_seg(sub)}/"
        f"{options_segment(options)}"
    )


def url_done(session: str, asin: str, options: dict[str, str]) -> str:
    return f"/done/{_seg(session)}/{_seg(asin)}/{options_segment(options)}"


def parse_keywords(segment: str) -> list[str]:
    """A keywords segment: words separated by spaces or `+`, or WebShop's list literal `['a', 'b']`."""
    text = unquote(segment)
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            value = None
        if isinstance(value, list):
            return [str(v) for v in value]
    return [word for part in segment.split("+") for word in unquote(part).split()]


def parse_options(segment: str) -> dict[str, str]:
    """An options segment: a Python/JSON dict literal of strings, as WebShop writes it."""
    value = ast.literal_eval(unquote(segment)) if segment else {}
    if not isinstance(value, dict):
        raise ValueError("options must be a dict")
    return {str(k): str(v) for k, v in value.items()}


@dataclass
class Route:
    """A parsed WebShop URL."""

    kind: str  # index | results | item | sub | done
    session: str
    keywords: list[str] = field(default_factory=list)
    page: int = 1
    asin: str = ""
    sub: str = ""
    options: dict[str, str] = field(default_factory=dict)


def parse_url(path: str) -> Route:
    """Which page a path asks for; ValueError for a path that is no WebShop page."""
    path = path.split("?", 1)[0]
    parts = path.strip("/").split("/")
    if len(parts) == 1 and parts[0]:
        return Route("index", unquote(parts[0]))
    head, rest = parts[0], parts[1:]
    if head == "search_results" and len(rest) == 3:
        return Route("results", unquote(rest[0]), parse_keywords(rest[1]), int(rest[2]))
    if head == "item_page" and len(rest) == 5:
        return Route("item", unquote(rest[0]), parse_keywords(rest[2]), int(rest[3]), unquote(rest[1]),
                     options=parse_options(rest[4]))  # fmt: skip
    if head == "item_sub_page" and len(rest) == 6:
        return Route("sub", unquote(rest[0]), parse_keywords(rest[2]), int(rest[3]), unquote(rest[1]),
                     unquote(rest[4]), parse_options(rest[5]))  # fmt: skip
    if head == "done" and len(rest) == 3:
        return Route("done", unquote(rest[0]), asin=unquote(rest[1]), options=parse_options(rest[2]))
    raise ValueError(f"no such page: {path}")


# ----------------------------------------------------------------------------- HTML -> page


class _PageParser(HTMLParser):
    """Visible text of a WebShop page as nodes, classified by the innermost enclosing tag (as WebShop does)."""

    _HIDDEN = {"style", "script", "head", "title", "meta", "template"}
    _VOID = {"input", "br", "img", "meta", "link", "hr", "wbr", "source", "area", "base", "col", "embed"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.radios: dict[str, tuple[str, str]] = {}  # input id -> (group, value)
        self.nodes: list[Node] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("type") == "radio":
            self.radios[a.get("id", "")] = (a.get("name", ""), a.get("value", ""))
        if tag in self._VOID:
            return
        style = a.get("style", "").replace(" ", "")
        if tag in self._HIDDEN or "hidden" in a or "display:none" in style or self.hidden_depth:
            self.hidden_depth += 1
        self.stack.append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _ in range(len(self.stack) - i):
                    self.stack.pop()
                    if self.hidden_depth:
                        self.hidden_depth -= 1
                return

    def handle_data(self, data: str) -> None:
        text = squash(data)
        if not text or self.hidden_depth:
            return
        tag, attrs = self.stack[-1] if self.stack else ("", {})
        if tag == "button":
            self.nodes.append(Node("button", text))
        elif tag == "label":
            group, _ = self.radios.get(attrs.get("for", ""), ("", ""))
            self.nodes.append(Node("option", text, group))
        elif tag == "a" and "product-link" in attrs.get("class", "").split():
            self.nodes.append(Node("product", text, href=attrs.get("href", "")))
        else:
            self.nodes.append(Node("text", text))


def parse_html(source: str, kind: str) -> Page:
    """A page of `kind` from a WebShop page's HTML: its nodes, instruction and score."""
    parser = _PageParser()
    parser.feed(source)
    parser.close()
    nodes = parser.nodes
    page = Page(kind, nodes)
    for i, node in enumerate(nodes):
        if node.kind == "text" and node.text.startswith("Instruction:"):
            rest = node.text[len("Instruction:") :].strip()
            page.instruction = rest or (nodes[i + 1].text if i + 1 < len(nodes) else "")
            break
    for i, node in enumerate(nodes):
        if node.text == SCORE_LABEL and i + 1 < len(nodes):
            try:
                page.reward = float(nodes[i + 1].text)
            except ValueError:
                page.reward = 0.0
    return page


def escape(text: str) -> str:
    return html.escape(text, quote=True)


# ----------------------------------------------------------------------------- the session


class Transport(Protocol):
    """Where pages come from: `get(path)` returns the page at a WebShop URL path."""

    def get(self, path: str, kind: str) -> Page: ...


def parse_action(action: str) -> tuple[str, str] | None:
    """('search' | 'click', argument) or None for text that is no action."""
    match = _ACTION.match(action)
    if match is None:
        return None
    name, arg = match.group(1).lower(), squash(match.group(2))
    return (name, arg) if arg else None


class ShopSession:
    """One shopper's game: the current page, what it offers, and the moves between pages."""

    def __init__(self, transport: Transport, session: str, max_actions: int = 10) -> None:
        if max_actions < 1:
            raise ValueError(f"max_actions must be >= 1, got {max_actions}")
        self.transport = transport
        self.session = session
        self.max_actions = max_actions
        self.actions = 0
        self.done = False
        self.reward = 0.0
        self.keywords: list[str] = []
        self.page_num = 1
        self.asin = ""
        self.options: dict[str, str] = {}
        self.visited: set[str] = set()
        self.page = self._get(url_index(session), "search")
        self.instruction = self.page.instruction

    def _get(self, path: str, kind: str) -> Page:
        page = self.transport.get(path, kind)
        if page.instruction:
            self.instruction = page.instruction
        return page

    @property
    def text(self) -> str:
        """The current page as text."""
        return flatten(self.page, self.options, self.visited)

    def clickables(self) -> dict[str, Node]:
        """What `click[...]` accepts here, by lower-cased label."""
        out: dict[str, Node] = {}
        for node in self.page.nodes:
            if node.kind in ("button", "option", "product") and node.text.lower() != "search":
                out.setdefault(node.text.lower(), node)
        return out

    def available_actions(self) -> list[str]:
        """Every click this page accepts (and `search[...]` on the search page)."""
        acts = [f"click[{label}]" for label in self.clickables()]
        return (["search[...]"] if self.page.kind == "search" else []) + acts

    def step(self, action: str) -> tuple[str, float, bool, dict[str, Any]]:
        """Play one action: (observation of this step, reward, game over, info)."""
        if self.done:
            raise RuntimeError("the session has ended")
        self.actions += 1
        valid = self._apply(action)
        text = self.text if valid else INVALID
        over = self.done or self.actions >= self.max_actions
        info: dict[str, Any] = {"valid": valid, "page": self.page.kind, "bought": self.done}
        reward = self.reward if self.done else 0.0
        if over:
            self.done = True
        return text, reward, over, info

    def _apply(self, action: str) -> bool:
        parsed = parse_action(action)
        if parsed is None:
            return False
        name, arg = parsed
        kind = self.page.kind
        if name == "search":
            if kind != "search":
                return False
            self.keywords, self.page_num, self.asin, self.options = arg.lower().split(), 1, "", {}
            self.page = self._get(url_results(self.session, self.keywords, 1), "results")
            return True
        node = self.clickables().get(arg.lower())
        if node is None:
            return False
        label = node.text.lower()
        if node.kind == "product" and kind == "results":
            self.asin, self.options = node.text.upper(), {}
            self.visited.add(self.asin)
            self.page = self._get(url_item(self.session, self.asin, self.keywords, self.page_num, {}), "item")
        elif node.kind == "option" and kind == "item":
            self.options[node.group] = node.text
            self.page = self._get(self._item_url(), "item")
        elif label == BACK.lower():
            self.keywords, self.page_num, self.asin, self.options = [], 1, "", {}
            self.page = self._get(url_index(self.session), "search")
        elif label == NEXT.lower() and kind == "results":
            self.page_num += 1
            self.page = self._get(url_results(self.session, self.keywords, self.page_num), "results")
        elif label == PREV.lower() and kind == "results":
            self.page_num -= 1
            self.page = self._get(url_results(self.session, self.keywords, self.page_num), "results")
        elif label in (PREV.lower(), BACK_TO_RESULTS.lower()) and kind == "item":
            self.asin, self.options = "", {}
            self.page = self._get(url_results(self.session, self.keywords, self.page_num), "results")
        elif label == PREV.lower() and kind == "sub":
            self.page = self._get(self._item_url(), "item")
        elif label in (s.lower() for s in SUB_PAGES) and kind == "item":
            sub = next(s for s in SUB_PAGES if s.lower() == label)
            url = url_sub(self.session, self.asin, self.keywords, self.page_num, sub, self.options)
            self.page = self._get(url, "sub")
        elif label == BUY.lower() and kind == "item":
            self.page = self._get(url_done(self.session, self.asin, self.options), "done")
            self.reward = float(self.page.reward or 0.0)
            self.done = True
        else:
            return False
        return True

    def _item_url(self) -> str:
        return url_item(self.session, self.asin, self.keywords, self.page_num, self.options)
