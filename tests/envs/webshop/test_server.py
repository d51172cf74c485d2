"""The HTTP server: WebShop's URLs as HTML, the search form's redirect, errors, and `archer webshop serve`."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from archer.envs.webshop.pages import parse_html
from archer.envs.webshop.server import start_server
from archer.envs.webshop.store import get_store


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    store = get_store(400, 0)
    srv, url = start_server(store)
    yield store, url
    srv.shutdown()
    srv.server_close()


def fetch(url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(url, data=body) as r:
            return r.status, r.geturl(), r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode()


def test_search_form_redirects_to_results_and_links_work(server):
    store, url = server
    status, _, html = fetch(url + "/fixed_4")
    assert status == 200 and 'id="search_input"' in html and store.catalog.goal(4)["instruction_text"] in html
    status, final, html = fetch(url + "/fixed_4", {"search_query": "Wireless Mouse"})
    assert status == 200 and final.endswith("/search_results/fixed_4/wireless%20mouse/1")
    page = parse_html(html, "results")
    link = next(n.href for n in page.nodes if n.kind == "product")
    status, _, item_html = fetch(url + link)
    assert status == 200 and "Buy Now" in item_html
    buy = re.search(r'<form method="post" action="([^"]+)"><button type="submit" class="btn purchase">', item_html)
    assert buy is not None
    status, _, done = fetch(url + buy.group(1).replace("&#x27;", "'"), {})
    assert status == 200 and parse_html(done, "done").reward is not None


def test_bad_urls_are_404_not_crashes(server):
    _, url = server
    for path in ("/item_page/s/NOPE/x/1/%7B%7D", "/search_results/s/x/notanumber", "/done/s/B0/%7B1%3A",
                 "/a/b/c", "/item_sub_page/s/NOPE/x/1/Reviews/%7B%7D"):  # fmt: skip
        assert fetch(url + path)[0] == 404
    assert fetch(url + "/")[1].endswith("/fixed_0")


def test_cli_serve_starts_and_answers(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "archer.cli", "webshop", "serve", "--port", "0", "--products", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"(http://127\.0\.0\.1:\d+)/fixed_0", line)
        assert match, line
        status, _, html = fetch(match.group(1) + "/fixed_0")
        assert status == 200 and "Instruction:" in html
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_serve_bad_products_is_one_line():
    result = subprocess.run([sys.executable, "-m", "archer.cli", "webshop", "serve", "--products", "0"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2 and result.stderr.strip() == "archer: error: --products must be >= 1"
