"""A person's purchase in a real browser: headless Chromium (Debian's) driven by Playwright.

Searches, opens the target product, picks the instruction's options, buys, and saves a screenshot
of the score page (to $WEBSHOP_SCREENSHOT if set, else the test's temporary folder). Skips with
the reason when Playwright or a Chromium binary is missing: `pip install playwright` and
`apt-get install chromium` (or set $CHROMIUM to a browser binary).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from archer.envs.webshop.server import start_server
from archer.envs.webshop.store import get_store

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium binary (apt-get install chromium, or set $CHROMIUM)"
)


def test_browser_search_open_choose_options_buy(tmp_path):
    store = get_store(400, 0)
    server, url = start_server(store)
    goal_index = next(i for i in range(100) if len(store.catalog.goal(i)["goal_options"]) == 2)
    goal = store.catalog.goal(goal_index)
    target = store.catalog.by_asin[goal["asin"]]
    shot = Path(os.environ.get("WEBSHOP_SCREENSHOT") or tmp_path / "score_page.png")
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto(f"{url}/fixed_{goal_index}")
            assert goal["instruction_text"] in page.inner_text("#instruction-text")
            page.fill("#search_input", target["Title"])
            page.click("button:has-text('Search')")
            page.wait_for_url("**/search_results/**")
            page.click(f"a.product-link:text-is('{target['asin']}')")
            page.wait_for_url("**/item_page/**")
            assert target["Title"] in page.content()
            for value in goal["goal_options"].values():
                page.click(f"label:text-is('{value}')")
                page.wait_for_load_state()
                assert page.is_checked(f"input[value='{value}']")
            page.click("button:has-text('Buy Now')")
            page.wait_for_url("**/done/**")
            score = float(page.inner_text("#reward pre"))
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert score == pytest.approx(1.0)
    assert store.purchases[f"fixed_{goal_index}"]["options"] == goal["goal_options"]
    assert shot.stat().st_size > 1000
