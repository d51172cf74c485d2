"""WebShop (Yao et al., 2022) made local: a generated store, BM25 search, WebShop's pages, actions and reward.

Modules, in the order a game touches them:

- `catalog`: products and instructions generated from a seed (`Catalog(size, seed)`, `goal(i)`).
- `search`: BM25 (`bm25s`) over the catalog, 50 results, 10 a page.
- `reward`: WebShop's purchase reward as pure functions on dicts (`get_reward`).
- `store`: the page at every WebShop URL, for one catalog (`get_store(size, seed)` shares one).
- `pages`: the page model, URLs, HTML parsing, the text observation and the session state machine.
- `server`: the store as a website (`archer webshop serve`).
- `env`: `WebShopEnv`, in process or over HTTP with the same client; `RandomClicker`.
- `scripted`: `ScriptedPlayer`, the demonstrator.
"""

from archer.envs.webshop.env import RandomClicker, WebShopEnv
from archer.envs.webshop.scripted import ScriptedPlayer

__all__ = ["RandomClicker", "ScriptedPlayer", "WebShopEnv"]
