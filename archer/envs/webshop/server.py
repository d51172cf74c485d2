"""The store as a website: WebShop's URLs served as HTML pages, one session per id.

    archer webshop serve --port 3000 --products 3000 --seed 0
    # then open http://127.0.0.1:3000/fixed_0 (instruction 0), or any /<session id>

Every page is the `pages.Page` the store builds, written as HTML of WebShop's own shape
(`#instruction-text`, `<button>`s in forms that post to the next URL, option radios with their
`<label>`, `a.product-link` for product ids, `#reward` on the score page), so the HTML parser in
`pages.parse_html` reads back exactly the page the store built, and a browser can shop in it.
The search form posts `search_query` to `/<session>` and is redirected to the results URL.

Standard library only (`http.server` with a thread per request); the store is read-only apart
from its memo of search results and purchases, which take a lock.
"""

from __future__ import annotations

import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from archer.envs.webshop.pages import SCORE_LABEL, Page, Route, escape, parse_url, url_index, url_results
from archer.envs.webshop.store import Store, get_store

MAX_BODY = 1 << 20

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}
.container{max-width:960px;margin:0 auto;padding:24px}
#instruction-text{background:#fff8e1;border:1px solid #f0d98c;border-radius:8px;padding:8px 16px;margin-bottom:12px}
#instruction-text h4{margin:6px 0}
form{display:inline-block;margin:4px 8px 4px 0}
button{font-size:15px;padding:6px 14px;border-radius:6px;border:1px solid #2e7d32;background:#43a047;color:#fff;
  cursor:pointer}
button.purchase{background:#f57c00;border-color:#e65100;font-size:18px;padding:10px 24px}
.card{background:#fff;border-radius:8px;padding:10px 16px;margin:10px 0;box-shadow:0 1px 3px #0002}
.card p{margin:4px 0}
a.product-link{font-weight:bold;font-size:17px;color:#1565c0}
.radio-toolbar{margin:4px 0 12px}
.radio-toolbar input{display:none}
.radio-toolbar label{display:inline-block;padding:5px 12px;margin:3px;border:1px solid #999;border-radius:16px;
  background:#fff;cursor:pointer}
.radio-toolbar input:checked+label{background:#1565c0;color:#fff;border-color:#0d47a1}
#search_input{font-size:16px;padding:6px;width:60%}
#reward{font-size:22px}
#reward pre{font-size:40px;color:#2e7d32;margin:8px 0}
h4.option-name{margin:8px 0 2px;text-transform:capitalize}
"""

_SCRIPT = """
document.querySelectorAll('input[type=radio]').forEach(function (r) {
  r.addEventListener('click', function () { window.location.href = r.dataset.url; });
});
"""


def render_html(page: Page, route: Route) -> str:
    """The page as an HTML document that `pages.parse_html` reads back node for node."""
    out: list[str] = []
    nodes = page.nodes
    i = 0
    radio = 0
    in_card = False
    while i < len(nodes):
        node = nodes[i]
        t = escape(node.text)
        if node.kind == "text" and node.text == "Instruction:" and i + 1 < len(nodes):
            out.append(f'<div id="instruction-text"><h4>Instruction:<br>{escape(nodes[i + 1].text)}</h4></div>')
            i += 2
            continue
        if node.kind == "text" and node.text == SCORE_LABEL and i + 1 < len(nodes):
            out.append(f'<h3 id="reward">{t}<pre>{escape(nodes[i + 1].text)}</pre></h3>')
            i += 2
            continue
        if node.kind == "product":
            if in_card:
                out.append("</div>")
            out.append(f'<div class="card"><a class="product-link" href="{escape(node.href)}">{t}</a>')
            in_card = True
        elif node.kind == "button" and page.kind == "search":
            action = escape(url_index(route.session))
            out.append(
                f'<form method="post" action="{action}"><input id="search_input" type="text" name="search_query" '
                f'placeholder="Search..." required> <button type="submit" class="btn">{t}</button></form>'
            )
        elif node.kind == "button":
            if in_card:
                out.append("</div>")
                in_card = False
            cls = "btn purchase" if node.text == "Buy Now" else "btn"
            out.append(
                f'<form method="post" action="{escape(node.href)}"><button type="submit" class="{cls}">{t}</button>'
                "</form>"
            )
        elif node.kind == "option":
            rid = f"radio_{radio}"
            radio += 1
            checked = " checked" if route.options.get(node.group) == node.text else ""
            out.append(
                f'<span class="radio-toolbar"><input type="radio" id="{rid}" name="{escape(node.group)}" '
                f'value="{t}" data-url="{escape(node.href)}"{checked}><label for="{rid}">{t}</label></span>'
            )
        elif page.kind == "item" and i + 1 < len(nodes) and nodes[i + 1].kind == "option":
            out.append(f'<h4 class="option-name">{t}</h4>')
        elif node.text == "WebShop":
            out.append(f"<h1>{t}</h1>")
        else:
            out.append(f"<p>{t}</p>")
        i += 1
    if in_card:
        out.append("</div>")
    body = "\n".join(out)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>WebShop</title>'
        f'<style>{_STYLE}</style></head>\n<body><div class="container">\n{body}\n</div>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


def make_handler(store: Store) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `store`."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "archer-webshop/1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass  # quiet: an agent makes thousands of requests

        def _send(self, status: int, body: str, location: str | None = None) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _page(self, form: dict[str, list[str]] | None = None) -> None:
            if self.path in ("", "/"):
                self._send(HTTPStatus.FOUND, "", location="/fixed_0")
                return
            try:
                route = parse_url(self.path)
                if form is not None and route.kind == "index" and form.get("search_query"):
                    keywords = form["search_query"][0].lower().split()
                    if keywords:
                        self._send(HTTPStatus.SEE_OTHER, "", location=url_results(route.session, keywords, 1))
                        return
                page = store.page(route)
            except (ValueError, KeyError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
                self._send(HTTPStatus.NOT_FOUND, f"<html><body><p>Not found: {escape(str(exc))}</p></body></html>")
                return
            self._send(HTTPStatus.OK, render_html(page, route))

        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            self._page()

        def do_POST(self) -> None:  # noqa: N802 - the base class's name
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            raw = self.rfile.read(length).decode("utf-8", "replace") if length > 0 else ""
            self._page(parse_qs(raw))

    return Handler


def start_server(store: Store, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve `store` in a background thread; returns the server and its base URL (port 0: any free port)."""
    server = ThreadingHTTPServer((host, port), make_handler(store))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="webshop-server", daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}"


def serve(host: str = "127.0.0.1", port: int = 3000, products: int = 3000, seed: int = 0) -> None:
    """Build the store, print where it is, and serve until interrupted."""
    start = time.perf_counter()
    store = get_store(products, seed)
    server = ThreadingHTTPServer((host, port), make_handler(store))
    server.daemon_threads = True
    print(
        f"WebShop with {products} products (seed {seed}) ready in {time.perf_counter() - start:.1f} s: "
        f"http://{host}:{server.server_address[1]}/fixed_0  (instruction i at /fixed_<i>; Ctrl-C stops)",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
