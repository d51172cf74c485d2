"""A scripted shopper for WebShop demonstrations, reading only the observation text.

It searches with the instruction's key words, opens the result whose title shares the most words
with the instruction (among those under the price bound), clicks the option values the
instruction names, and buys. `skill` in [0, 1] is the chance of each careful choice: a less
skilled shopper searches with fewer words, sometimes opens a worse-looking result, forgets
options and wanders into a sub-page; skill 1 plays its best (which is not perfect: titles do
not show every attribute, so it can still buy a neighbour).

Where it sits: `make_scripted_player(cfg)` for `env.name=webshop`; its games are BC data.
"""

from __future__ import annotations

import re

from archer.envs.base import ScriptedPlayer as _ScriptedPlayerBase
from archer.envs.base import WordQuery
from archer.envs.webshop.pages import INVALID
from archer.envs.webshop.search import tokenize

DEFAULT_SKILL = 0.5

_PRICE = re.compile(r",?\s*and price lower than ([0-9.]+) dollars\s*$")
_PRODUCT_ID = re.compile(r"[A-Z0-9]{10}")
_BUTTON = re.compile(r"^\s*\[(clicked button|button)\] (.*) \[(?:clicked button|button)_\]$")
_OPENERS = re.compile(r"^(i need to buy|i need|i am looking for|i'm looking for|i want|i would like|find me|get me)\s+")


def split_observation(observation: str) -> tuple[str, str, int]:
    """(instruction, text of the current page, actions taken) from a WebShopEnv observation."""
    instruction = ""
    if "\nInstruction:\n" in "\n" + observation:
        instruction = ("\n" + observation).rsplit("\nInstruction:\n", 1)[1].strip()
        observation = ("\n" + observation).rsplit("\nInstruction:\n", 1)[0]
    blocks = observation.split("Observation:\n")
    page = ""
    for block in reversed(blocks):
        text = block.split("\nAction:\n", 1)[0].strip("\n")
        if text.strip() and text.strip() != INVALID:
            page = text
            break
    return instruction, page, observation.count("\nAction:\n") + observation.startswith("Action:\n")


def page_kind(page: str) -> str:
    if "Thank you for shopping" in page:
        return "done"
    if "[button] Buy Now [button_]" in page:
        return "item"
    if " total results" in page:
        return "results"
    if "[button] Search [button_]" in page:
        return "search"
    return "sub"


def page_choices(observation: str) -> list[str] | WordQuery | None:
    """Every click the current page accepts, spelled as the scripted shopper spells it (product ids
    and option values as shown, other buttons lower-cased). On the search page: a `WordQuery`,
    `search[` + words of the instruction (lower-cased, no stop words, any order, each as often as
    the instruction has it) + `]`, which holds every query the scripted shopper makes. The policy
    keeps to these with `policy.choose_from=auto`."""
    instruction, page, _ = split_observation(observation)
    kind = page_kind(page)
    if kind == "search":
        return WordQuery("search[", tuple(tokenize(instruction)), "]")
    if kind == "done":
        return None
    out: list[str] = []
    for line in page.split("\n"):
        match = _BUTTON.match(line)
        if not match:
            continue
        label = match.group(2)
        kept = line.startswith("  [") or _PRODUCT_ID.fullmatch(label)
        choice = f"click[{label if kept else label.lower()}]"
        if choice not in out:
            out.append(choice)
    return out or None


def describe_action(observation: str, action: str) -> str:
    """The action with what the current page says about it, for a critic to read (`critic.describe_actions`).

    A product click gets the product's title and price from the results page, and `click[buy now]`
    the item's title, price and chosen options: "click[B0Q6YN8DJZ] -> Midemo Office Chair, $171.37".
    A tiny critic reading the raw id would have to find it in the page and copy what follows; with
    the description beside the instruction it compares words. Other actions are returned as they are."""
    _, page, _ = split_observation(observation)
    lines = [line.strip() for line in page.split("\n") if line.strip()]
    match = re.fullmatch(r"click\[(.*)\]", action.strip(), flags=re.IGNORECASE)
    if not match or not lines:
        return action
    target = match.group(1).strip()
    kind = page_kind(page)
    if kind == "results" and _PRODUCT_ID.fullmatch(target.upper()):
        for i, line in enumerate(lines):
            button = _BUTTON.match(line)
            if button and button.group(2).upper() == target.upper():
                about = [x for x in lines[i + 1 : i + 3] if not _BUTTON.match(x)]
                return f"{action} -> {', '.join(about)}" if about else action
        return action
    if kind == "item" and target.lower() == "buy now":
        price = next((i for i, line in enumerate(lines) if line.startswith("Price:")), None)
        if price is None or price == 0:
            return action
        chosen = [m.group(2) for m in map(_BUTTON.match, lines) if m and m.group(1) == "clicked button"]
        about = f"{lines[price - 1]}, {lines[price].removeprefix('Price: ')}"
        return f"{action} -> {about}" + (f"; chosen: {', '.join(chosen)}" if chosen else "")
    return action


def price_bound(instruction: str) -> float:
    match = _PRICE.search(instruction)
    return float(match.group(1)) if match else float("inf")


def query_words(instruction: str) -> list[str]:
    """The instruction's key words: no opener, no price clause, no stop words."""
    text = _PRICE.sub("", instruction.lower())
    text = _OPENERS.sub("", text)
    return tokenize(text)


class ScriptedPlayer(_ScriptedPlayerBase):
    """Search, open the best-looking result, choose the named options, buy; `skill` = care."""

    def __init__(self, skill: float = DEFAULT_SKILL, seed: int | None = None) -> None:
        super().__init__(skill=skill, seed=seed)

    def careful(self) -> bool:
        return self.rng.random() < self.skill

    def act(self, observation: str) -> str:
        instruction, page, actions = split_observation(observation)
        kind = page_kind(page)
        if kind == "search":
            return self._search(instruction)
        if kind == "results":
            return self._choose_result(instruction, page)
        if kind == "item":
            return self._item(instruction, page, actions)
        if kind == "sub":
            return "click[< prev]"
        return "click[back to search]"

    def _search(self, instruction: str) -> str:
        words = query_words(instruction)
        if not self.careful() and len(words) > 2:
            keep = sorted(self.rng.sample(range(len(words)), max(2, len(words) // 2)))
            words = [words[i] for i in keep]
        return f"search[{' '.join(words)}]"

    def _choose_result(self, instruction: str, page: str) -> str:
        lines = page.split("\n")
        wanted = set(query_words(instruction))
        bound = price_bound(instruction)
        candidates: list[tuple[float, str]] = []
        for i, line in enumerate(lines):
            match = _BUTTON.match(line)
            if not match or not _PRODUCT_ID.fullmatch(match.group(2)):
                continue
            title = lines[i + 1] if i + 1 < len(lines) else ""
            price_line = lines[i + 2] if i + 2 < len(lines) else ""
            try:
                price = float(price_line.strip().lstrip("$").split()[0])
            except (ValueError, IndexError):
                price = 0.0
            overlap = len(wanted & set(tokenize(title)))
            score = overlap + (2.0 if price <= bound else 0.0) - (5.0 if match.group(1) == "clicked button" else 0.0)
            candidates.append((score, match.group(2)))
        if not candidates:
            return "click[back to search]"
        if self.careful():
            best = max(candidates, key=lambda c: c[0])[1]  # first of the best: ties keep the ranking
        else:
            best = self.rng.choice(candidates[:5])[1]
        return f"click[{best}]"  # as the page writes it, so a clone copies it (the store ignores case)

    def _item(self, instruction: str, page: str, actions: int) -> str:
        text = instruction.lower()
        if actions < 8:
            for group in _option_groups(page):
                if any(clicked for _, clicked in group):
                    continue
                named = [v for v, _ in group if re.search(rf"(?<![\w.-]){re.escape(v.lower())}(?![\w.-])", text)]
                if named and self.careful():
                    return f"click[{max(named, key=len)}]"
            if not self.careful() and self.rng.random() < 0.3:
                return f"click[{self.rng.choice(('description', 'features', 'reviews'))}]"
        return "click[buy now]"


def _option_groups(page: str) -> list[list[tuple[str, bool]]]:
    """The item page's option groups: for each, (value, clicked) in order."""
    groups: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] | None = None
    for line in page.split("\n"):
        match = _BUTTON.match(line) if line.startswith("  [") else None
        if match:
            if current is None:
                current = []
                groups.append(current)
            current.append((match.group(2), match.group(1) == "clicked button"))
        else:
            current = None
    return groups
