"""The reading page as a Starlette app: `/a/{article_id}` (five tabs), `/healthz`, and `/static/…`.

Pages are rendered by Jinja with autoescaping; tabs switch with CSS alone (radio inputs), and one
small static script only keeps the address's `#tab` in step, so the Content-Security-Policy
allows no inline script at all. Links inside the page are relative, so the app works behind a
reverse proxy under any path prefix.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from bot.archive.htmlfile import DiscussionView, discussion_views, install_globals
from bot.archive.model import Archive
from bot.archive.select import select_archive
from bot.config import Settings
from bot.links import LinkProblem
from bot.model import ARTICLE_ID_RE, Article
from bot.web.access import Access, AccessRefused, decide_access
from bot.web.data import PageData
from bot.web.headers import SecurityHeaders

log = logging.getLogger("atou.web")

TABS: tuple[tuple[str, str], ...] = (
    ("brief", "阅读简报"),
    ("bilingual", "双语对照"),
    ("translation", "完整翻译"),
    ("original", "原文"),
    ("archive", "讨论归档"),
)
_TAB_NAMES = frozenset(name for name, _ in TABS)

REFUSAL_TITLES: dict[LinkProblem, str] = {
    LinkProblem.MISSING: "需要群里的链接",
    LinkProblem.MALFORMED: "链接不完整",
    LinkProblem.FORGED: "链接无效",
    LinkProblem.EXPIRED: "链接已过期",
}


@dataclass(frozen=True, slots=True)
class ArchiveTab:
    """What the archive tab shows: a group's discussions, or why there are none to show."""

    granted: bool
    views: list[DiscussionView]


def _environment() -> jinja2.Environment:
    from bot.archive.htmlfile import archive_loader

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.PackageLoader("bot.web", "templates"), archive_loader()]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_globals(env)
    env.filters["web_url"] = web_url
    return env


def web_url(url: str | None) -> str | None:
    """`url` if it is an http(s) address, else None: an article's source link must never be `javascript:`."""
    if url and url.lower().startswith(("https://", "http://")) and not any(c.isspace() for c in url):
        return url
    return None


def static_prefix(path: str) -> str:
    """The relative way from a page at `path` to /static/, so the app works under any proxy prefix."""
    return "../" * max(path.count("/") - 1, 0) + "static/"


def _only_group(archive: Archive, group_key: str) -> Archive:
    """Exactly the granted group's discussions, without opted-out members or deleted replies."""
    mine = tuple(d for d in archive.discussions if d.group_key == group_key)
    return select_archive(Archive(archive.article, mine, archive.opted_out))


def create_app(
    settings: Settings,
    data: PageData,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ASGIApp:
    """The web app reading from `data`; access follows ATOU_SECRET_KEY and ATOU_PUBLIC_TEXTS in `settings`."""
    env = _environment()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None

    def page(
        request: Request, template: str, status: int = 200, *, private: bool = True, **context: Any
    ) -> HTMLResponse:
        html = env.get_template(template).render(static=static_prefix(request.url.path), **context)
        # Archive pages are one group's private conversation: no shared cache may keep them.
        cache = "no-store" if private else "no-cache"
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": cache})

    async def article_page(request: Request) -> Response:
        article_id = request.path_params["article_id"]
        if not ARTICLE_ID_RE.fullmatch(article_id):
            raise HTTPException(404)
        query = {k: request.query_params.get(k, "") for k in ("g", "exp", "sig")}
        try:
            access = decide_access(
                query, article_id, secret=secret, public_texts=settings.public_texts, now=clock()
            )
        except AccessRefused as exc:
            return page(
                request,
                "refused.html",
                403,
                title=REFUSAL_TITLES[exc.problem],
                reason=str(exc),
                problem=exc.problem.value,
            )
        article = await run_in_threadpool(data.article, article_id)
        if article is None:
            raise HTTPException(404)
        archive_tab = await _archive_tab(access, article)
        tab = request.query_params.get("tab", "")
        if tab not in _TAB_NAMES:
            tab = "archive" if access.grant is not None else "brief"
        return page(
            request,
            "article.html",
            private=access.grant is not None,
            article=article,
            tabs=TABS,
            selected=tab,
            archive=archive_tab,
        )

    async def _archive_tab(access: Access, article: Article) -> ArchiveTab:
        if access.grant is None:
            return ArchiveTab(granted=False, views=[])
        group_key = access.grant.group_key
        archive = await run_in_threadpool(data.archive, article.id, group_key)
        if archive is None:
            return ArchiveTab(granted=True, views=[])
        # The page shows the stored article's prompts even if the archive was loaded with an older copy.
        mine = _only_group(Archive(article, archive.discussions, archive.opted_out), group_key)
        return ArchiveTab(granted=True, views=discussion_views(mine))

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(data.check)
        except Exception as exc:  # any failure to read is "not healthy"
            # The details go to the log, not to whoever asks: they name hosts and ports.
            log.warning("health check: the database cannot be read: %s", str(exc).strip().splitlines()[:1])
            return _json({"status": "fail", "database": f"unreachable ({type(exc).__name__})"}, 503)
        return _json({"status": "ok", "database": "ok"}, 200)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 404:
            return page(request, "not_found.html", 404, private=False)
        return Response(f"{status}\n", status_code=status, media_type="text/plain")

    routes = [
        Route("/a/{article_id}", article_page, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Mount(
            "/static", StaticFiles(packages=[("bot.web", "static"), ("bot.archive", "static")]), name="static"
        ),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    # Outermost, so that even the plain 500 page of an unexpected error carries the headers.
    return SecurityHeaders(app)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False) + "\n",
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
