"""A small web site on 127.0.0.1 serving the fixture pages and feeds, with pages a test can add.

    with Site.running() as site:
        site.url("/articles/slow-gardens")
        site.put("/slow", b"...", delay=2)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from tests.local_server import serving_in_thread

HERE = Path(__file__).resolve().parent
ENGLISH = "/articles/slow-gardens"
CHINESE = "/zh/tea-house"

FURNITURE_ONLY = b"""<!DOCTYPE html><html><head><title>Home</title></head><body>
<nav><a href="/">Home</a> <a href="/topics">Topics</a></nav>
<div class="cookie-consent">We use cookies. <button>Accept</button></div>
<footer>(c) 2026 Nobody. <a href="/privacy">Privacy</a></footer></body></html>"""


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Site:
    port: int = 0
    pages: dict[str, Page] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[Site]:
        site = cls()
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", site._serve)
        with serving_in_thread(app) as port:
            site.port = port
            site.reset()
            yield site

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def put(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", **options: object) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(data, content_type, **options)  # type: ignore[arg-type]

    def reset(self) -> None:
        """The fixture pages and feeds, as the site starts with."""
        self.seen.clear()
        self.pages.clear()
        english = (HERE / "pages" / "field-notes.html").read_bytes()
        chinese = (HERE / "pages" / "tea-house.html").read_text(encoding="utf-8").encode("gb18030")
        self.put(ENGLISH, english)
        self.put(CHINESE, chinese, "text/html; charset=gb18030")
        self.put("/go/slow-gardens", b"", status=301, headers={"Location": ENGLISH + "?utm_source=newsletter"})
        self.put("/furniture-only", FURNITURE_ONLY)
        self.put("/image.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
        self.put("/paper.pdf", b"%PDF-1.7\n%...\n", "application/pdf")
        for name, kind in (("rss.xml", "application/rss+xml"), ("atom.xml", "application/atom+xml"),
                           ("feed.json", "application/feed+json")):
            text = (HERE / "feeds" / name).read_text(encoding="utf-8").replace("{base}", self.base)
            self.put(f"/feeds/{name}", text, kind, headers={"ETag": f'"{name}-v1"'})
        self.put("/feeds/not-a-feed", FURNITURE_ONLY)

    async def _serve(self, request: web.Request) -> web.Response:
        path = request.path
        self.seen.append((request.path_qs, dict(request.headers)))
        page = self.pages.get(path)
        if page is None:
            return web.Response(status=404, text="not found")
        if page.delay:
            await asyncio.sleep(page.delay)
        etag = page.headers.get("ETag")
        if etag and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        headers = {"Content-Type": page.content_type, **page.headers}
        return web.Response(status=page.status, body=page.body, headers=headers)
