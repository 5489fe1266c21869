"""The reading page as a Starlette app: `/` (an index), `/a/{article_id}` (five tabs), `/healthz`, `/static/…`.

Pages are rendered by Jinja with autoescaping; tabs switch with CSS alone (radio inputs), and one
small static script only keeps the address's `#tab` in step, so the Content-Security-Policy
allows no inline script at all. Links inside the page are relative, so the app works behind a
reverse proxy under any path prefix.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from bot.archive import labels
from bot.archive.htmlfile import DiscussionView, discussion_views, install_globals
from bot.archive.model import Archive, ArchivedReply
from bot.archive.select import select_archive
from bot.archive.threads import paragraph_sections
from bot.config import Settings
from bot.links import LinkProblem
from bot.model import ARTICLE_ID_RE, Article
from bot.paragraphs import numbering
from bot.render.i18n import N_, Lang, convert_article_text, parse_lang, translator
from bot.render.views import localize
from bot.web.access import Access, AccessRefused, decide_access
from bot.web.anchored import beside, paragraph_mark
from bot.web.contents import contents, heading_anchor, pair_heading
from bot.web.data import PageData
from bot.web.headers import SecurityHeaders
from bot.web.language import reader_lang
from bot.web.richtext import block_html, notes_of, text_html, web_url

log = logging.getLogger("atou.web")

TABS: tuple[tuple[str, str], ...] = (
    ("brief", "阅读简报"),
    ("bilingual", "双语对照"),
    ("translation", "完整翻译"),
    ("original", "原文"),
    ("archive", "讨论归档"),
)
_TAB_NAMES = frozenset(name for name, _ in TABS)

# What the 403 page says, in the reader's language: what happened and what to do, blaming nobody.
REFUSALS: dict[LinkProblem, tuple[str, str]] = {
    LinkProblem.MISSING: (
        N_("Open this page with your group's link"),
        N_(
            "This article's page is shared with the groups that read it. Send /archive in your group "
            "and open the link the bot replies with."
        ),
    ),
    LinkProblem.MALFORMED: (
        N_("This link is incomplete"),
        N_("Part of the link seems to have been lost on the way. Send /archive in your group for a new one."),
    ),
    LinkProblem.FORGED: (
        N_("This link does not open this page"),
        N_(
            "The link and this page do not match: it may have changed on the way, or belong to another "
            "article or group. Send /archive in your group for a new one."
        ),
    ),
    LinkProblem.EXPIRED: (
        N_("This link has expired"),
        N_("Links from the group are valid for a while only. Send /archive in your group for a new one."),
    ),
    LinkProblem.UNVERIFIABLE: (
        N_("Group links cannot be opened here for now"),
        N_(
            "This site cannot check group links at the moment. Please try again later, or tell whoever "
            "runs the bot."
        ),
    ),
}
# The words of the index and the 404 page.
PAGE_WORDS = {
    "articles": N_("Articles"),
    "posted_intro": N_("What the groups have read, the latest first."),
    "none_posted": N_("No article has been posted yet."),
    "private_intro": N_("The articles here open with the links the bot sends in each group."),
    "not_found": N_("Page not found"),
    "not_found_hint": N_("There is no article at this address. Links from the bot open the right page."),
    "home": N_("All articles"),
}


@dataclass(frozen=True, slots=True)
class ArchiveTab:
    """What the archive tab shows: a group's discussions, or why there are none to show; and
    `anchored`, the replies the text tabs show beside each paragraph (¶N → replies)."""

    granted: bool
    views: list[DiscussionView]
    anchored: dict[int, list[ArchivedReply]] = field(default_factory=dict)


def anchored_replies(archive: Archive) -> dict[int, list[ArchivedReply]]:
    """The (already selected) archive's replies by the paragraph they are anchored to, oldest first."""
    out: dict[int, list[ArchivedReply]] = {}
    for discussion in archive.discussions:
        for section in paragraph_sections(discussion):
            out.setdefault(section.number, []).extend(section.replies)
    return out


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
    env.filters["stamp"] = _zoned_stamp
    env.filters["pair_heading"] = pair_heading
    env.globals["contents"] = contents
    env.globals["heading_anchor"] = heading_anchor
    env.globals.update(text_html=text_html, block_html=block_html, notes_of=notes_of)
    env.globals.update(paragraph_mark=paragraph_mark, beside=beside)
    return env


@jinja2.pass_context
def _zoned_stamp(context: jinja2.runtime.Context, moment: datetime) -> str:
    """A time in the page's timezone (the group's, for an archive link), saying which offset."""
    zone: ZoneInfo | None = context.get("zone")
    return labels.stamp(moment) if zone is None else labels.local_stamp(moment, zone)


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def root_prefix(path: str) -> str:
    """The relative way from a page at `path` to the site's root, so the app works under any proxy prefix."""
    return "../" * max(path.count("/") - 1, 0) or "./"


def static_prefix(path: str) -> str:
    """The relative way from a page at `path` to /static/."""
    return root_prefix(path).removeprefix("./") + "static/"


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
        lang = reader_lang(request.headers.get("accept-language"))
        _ = translator(lang)
        words = {name: _(msgid) for name, msgid in PAGE_WORDS.items()}
        html = env.get_template(template).render(
            root=root_prefix(request.url.path),
            static=static_prefix(request.url.path),
            # An article's page is in the article's language; the site's own pages in the reader's.
            lang=context.pop("page_lang", lang.value), _=_, words=words, **context
        )
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
            # The reason, which may name a setting, is for the operator's log, not for the reader.
            level = logging.WARNING if exc.problem is LinkProblem.UNVERIFIABLE else logging.INFO
            log.log(level, "refused /a/%s: %s", article_id, exc)
            title, explanation = REFUSALS[exc.problem]
            return page(
                request, "refused.html", 403, title=title, explanation=explanation, problem=exc.problem.value
            )
        article = await run_in_threadpool(data.article, article_id)
        if article is None:
            raise HTTPException(404)
        zone, convert = None, None
        if access.grant is not None:
            group = await run_in_threadpool(data.group_page, access.grant.group_key)
            if group is not None:
                zone = _zone(group.timezone)
                if parse_lang(group.lang) is Lang.ZH_HANT and article.target_lang.lower().startswith("zh"):
                    # A zh-Hant group reads the article in Traditional characters, as in its chat.
                    article = replace(localize(article, Lang.ZH_HANT), target_lang=Lang.ZH_HANT.value)
                    convert = partial(convert_article_text, lang=Lang.ZH_HANT)
        archive_tab = await _archive_tab(access, article)
        tab = request.query_params.get("tab", "")
        if tab not in _TAB_NAMES:
            tab = "archive" if access.grant is not None else "brief"
        return page(
            request,
            "article.html",
            private=access.grant is not None,
            page_lang=article.target_lang,
            article=article,
            tabs=TABS,
            selected=tab,
            archive=archive_tab,
            zone=zone,
            numbered=numbering(article),
            convert=convert,
        )

    async def index_page(request: Request) -> Response:
        # Without public texts the index lists nothing: titles alone would say what the groups read.
        listed = await run_in_threadpool(data.posted) if settings.public_texts else []
        return page(request, "index.html", public=settings.public_texts, listed=listed, private=False)

    async def _archive_tab(access: Access, article: Article) -> ArchiveTab:
        if access.grant is None:
            return ArchiveTab(granted=False, views=[])
        group_key = access.grant.group_key
        archive = await run_in_threadpool(data.archive, article.id, group_key)
        if archive is None:
            return ArchiveTab(granted=True, views=[])
        # The page shows the stored article's prompts even if the archive was loaded with an older copy.
        mine = _only_group(Archive(article, archive.discussions, archive.opted_out), group_key)
        return ArchiveTab(granted=True, views=discussion_views(mine), anchored=anchored_replies(mine))

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
        Route("/", index_page, methods=["GET"]),
        Route("/a/{article_id}", article_page, methods=["GET"]),
        Route("/a/{article_id}/", without_slash, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/healthz/", without_slash, methods=["GET"]),
        Mount(
            "/static", StaticFiles(packages=[("bot.web", "static"), ("bot.archive", "static")]), name="static"
        ),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    # Starlette's own slash redirect builds an absolute URL from the Host header (which the client
    # chooses) and carries the signed query there; `without_slash` stays relative instead.
    app.router.redirect_slashes = False
    # Outermost, so that even the plain 500 page of an unexpected error carries the headers.
    return SecurityHeaders(app)


async def without_slash(request: Request) -> Response:
    """`…/name/` → `…/name`, by a relative Location (`../name?query`): it resolves against the address
    the browser used, so it works under any path prefix, and neither the Host header nor anything
    else in the request can send the signed query to another site."""
    name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    target = f"../{quote(name, safe='')}"
    if request.url.query:
        target += f"?{request.url.query}"
    return Response(status_code=308, headers={"Location": target, "Cache-Control": "no-store"})


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False) + "\n",
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
