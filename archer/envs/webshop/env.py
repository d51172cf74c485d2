"""WebShopEnv: the shopping game as a TextEnv, played in process or over HTTP with the same client.

    env = WebShopEnv(products=3000, seed=0)                     # in process (fast, for training)
    env = WebShopEnv(url="http://127.0.0.1:3000")               # our server, or a real WebShop one
    obs, info = env.reset(seed=7)                               # instruction 7 (see `goal_of_seed`)
    obs, reward, terminated, truncated, info = env.step("search[clip-in hair extension]")

Both ways a `pages.ShopSession` walks WebShop's URLs; in process the pages come straight from
the store, over HTTP they are parsed from the server's HTML (`pages.parse_html`), so the text
and the reward are the same (tested).

The observation is the whole game so far, as the ArCHer reference's WebShop wrapper writes it,
with the instruction last so it survives when a long history is cut from the left:

    Observation:
    <page text>
    Action:
    search[...]
    Observation:
    <page text, or "Invalid action!">
    Instruction:
    <instruction>

Reward is 0 until `click[buy now]`, then WebShop's score in [0, 1] (`reward.py`), which ends the
game (`terminated`); the `max_actions`-th action without a purchase truncates it with reward 0.
`info["success"]` is reward 1 on the last step.
"""

from __future__ import annotations

import random
import urllib.error
import urllib.request
from typing import Any

from archer.envs.base import ScriptedPlayer as _ScriptedPlayerBase
from archer.envs.base import StepResult, TextEnv, clean_action
from archer.envs.webshop.pages import Page, ShopSession, parse_html
from archer.envs.webshop.store import Store, get_store

DEFAULT_PRODUCTS = 3000
MAX_ACTIONS = 10


class InProcessTransport:
    """Pages straight from a store object."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, path: str, kind: str) -> Page:
        return self.store.get(path, kind)


class HttpTransport:
    """Pages fetched from a WebShop server and parsed from its HTML."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.base = url.rstrip("/")
        self.timeout = timeout

    def get(self, path: str, kind: str) -> Page:
        try:
            with urllib.request.urlopen(self.base + path, timeout=self.timeout) as response:
                source = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"WebShop server at {self.base} answered {exc.code} for {path}") from exc
        except urllib.error.URLError as exc:
            raise RuntimeError(f"cannot reach a WebShop server at {self.base}: {exc.reason}") from exc
        return parse_html(source, kind)


def goal_of_seed(seed: int, goal_start: int = 0, goal_count: int = 0) -> int:
    """Instruction index a seed plays: the seed itself, or `goal_start + seed % goal_count` in a fixed range."""
    if goal_count > 0:
        return goal_start + seed % goal_count
    return goal_start + seed


class WebShopEnv(TextEnv):
    """The WebShop game. `url=None` plays in process on `get_store(products, seed)`; else over HTTP."""

    name = "webshop"

    def __init__(
        self,
        products: int = DEFAULT_PRODUCTS,
        seed: int = 0,
        url: str | None = None,
        max_actions: int = MAX_ACTIONS,
        goal_start: int = 0,
        goal_count: int = 0,
    ) -> None:
        if max_actions < 1:
            raise ValueError(f"max_actions must be >= 1, got {max_actions}")
        if goal_start < 0 or goal_count < 0:
            raise ValueError("goal_start and goal_count must be >= 0")
        self.products, self.catalog_seed, self.url = products, seed, url
        self.max_turns = max_actions
        self.goal_start, self.goal_count = goal_start, goal_count
        self.store = get_store(products, seed) if url is None else None
        self.transport = InProcessTransport(self.store) if self.store is not None else HttpTransport(url or "")
        self.session: ShopSession | None = None
        self.history = ""
        self.turn = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        if options and "goal" in options:
            goal = int(options["goal"])
        else:
            seed = random.randrange(1 << 30) if seed is None else int(seed)
            goal = goal_of_seed(abs(seed), self.goal_start, self.goal_count)
        self.session = ShopSession(self.transport, f"fixed_{goal}", self.max_turns)
        self.turn = 0
        self.history = f"Observation:\n{self.session.text}\n"
        return self._observation(), {"turn": 0, "goal": goal, "instruction": self.session.instruction}

    def _observation(self) -> str:
        assert self.session is not None
        return f"{self.history}Instruction:\n{self.session.instruction}\n"

    def step(self, action: str) -> StepResult:
        if self.session is None or self.session.done:
            raise RuntimeError("the game has ended; call reset() first")
        action = clean_action(action)
        text, reward, over, page_info = self.session.step(action)
        self.turn += 1
        self.history += f"Action:\n{action}\nObservation:\n{text}\n"
        terminated = bool(page_info["bought"])
        truncated = over and not terminated
        info: dict[str, Any] = {"turn": self.turn, **page_info}
        if over:
            info["success"] = terminated and reward >= 1.0 - 1e-9
            info["reward"] = reward
        return self._observation(), float(reward), terminated, truncated, info

    def tokenizer_corpus(self) -> list[str]:
        store = self.store or get_store(self.products, self.catalog_seed)
        lines = store.catalog.tokenizer_corpus()
        lines += ["Observation:", "Action:", "Instruction:", "Invalid action!", "[button]", "[button_]",
                  "[clicked button]", "[clicked button_]", "search[", "click[", "click[buy now]", "click[< prev]",
                  "click[next >]", "click[back to search]", "click[description]", "click[features]",
                  "click[reviews]", "Your score (min 0.0, max 1.0)"]  # fmt: skip
        return lines


class RandomClicker(_ScriptedPlayerBase):
    """The random baseline: searches the instruction, then clicks uniformly among what the page offers."""

    def __init__(self, env: WebShopEnv, seed: int | None = None) -> None:
        super().__init__(skill=0.0, seed=seed)
        self.env = env

    def act(self, observation: str) -> str:
        session = self.env.session
        assert session is not None
        if session.page.kind == "search":
            return f"search[{session.instruction}]"
        labels = list(session.clickables())
        return f"click[{self.rng.choice(labels)}]" if labels else "click[back to search]"
