"""Who sees what, over real HTTP: signed links, the public-texts setting, security headers, /healthz."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import Engine

from bot.web.headers import SECURITY_HEADERS
from storage.articles import ArticleStore
from storage.db import make_engine
from tests.archive.builders import HOSTILE, SCRIPT, article
from tests.web.conftest import GROUP, SECRET, Link, Served, make_app

TG_REPLY = "执行层确实在被自动化"
DISCORD_REPLY = "A Discord reply, second day."


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


def with_params(link: str, **changes: str) -> str:
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?{urlencode(query)}"


class Elements(HTMLParser):
    """The elements and the text of a page, as a browser's parser sees them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self._text: list[str] = []
        self.feed(html)
        self.close()
        self.text = "".join(self._text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def assert_secure(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_a_signed_link_shows_the_texts_and_its_groups_archive_only(http: httpx.Client, link: Link) -> None:
    response = http.get(with_params(link("ai-rd")))
    assert response.status_code == 200
    assert_secure(response)
    assert response.headers["Cache-Control"] == "no-store"
    html = response.text
    assert TG_REPLY in html and "原文第一段的译文。" in html
    assert DISCORD_REPLY not in html  # another group's discussion
    assert "Dave" not in html and "我删掉了这条" not in html  # opted out, deleted
    checked = [a["id"] for t, a in Elements(html).found if t == "input" and "checked" in a]
    assert checked == ["tab-archive"]


def test_the_tab_parameter_picks_the_open_tab(http: httpx.Client, link: Link) -> None:
    html = http.get(with_params(link("ai-rd", tab="bilingual"))).text
    assert [a["id"] for t, a in Elements(html).found if t == "input" and "checked" in a] == ["tab-bilingual"]


@pytest.mark.parametrize(
    ("change", "title"),
    [
        ({"g": "discord:42/77"}, "这个链接打不开这个页面"),
        ({"sig": "A" * 43}, "这个链接打不开这个页面"),
        ({"exp": "99999999999"}, "这个链接打不开这个页面"),
        ({"exp": "tomorrow"}, "链接不完整"),
        ({"sig": ""}, "请用群里的链接打开这个页面"),
    ],
)
def test_a_tampered_link_gets_403_with_a_clear_page(
    http: httpx.Client, link: Link, change: dict[str, str], title: str
) -> None:
    response = http.get(with_params(link("ai-rd"), **change))
    assert response.status_code == 403
    assert_secure(response)
    assert f"<h1>{title}</h1>" in response.text and "/archive" in response.text
    assert TG_REPLY not in response.text and "原文第一段的译文。" not in response.text


def test_an_expired_link_gets_403_saying_so(http: httpx.Client, link: Link) -> None:
    old = link("ai-rd", now=datetime.now(UTC) - timedelta(days=2))
    response = http.get(with_params(old))
    assert response.status_code == 403 and "<h1>链接已过期</h1>" in response.text


def test_a_link_for_one_article_does_not_open_another(
    http: httpx.Client, link: Link, web_engine: Engine
) -> None:
    ArticleStore(web_engine).add(article("other-article", title="另一篇"), replace=True)
    signed = link("ai-rd")
    response = http.get(with_params(signed).replace("/a/ai-rd", "/a/other-article"))
    assert response.status_code == 403


def test_private_texts_need_a_link(http: httpx.Client) -> None:
    response = http.get("/a/ai-rd")
    assert response.status_code == 403
    assert "<h1>请用群里的链接打开这个页面</h1>" in response.text


def test_public_texts_show_without_a_link_but_never_the_archive(web_engine: Engine) -> None:
    with Served(make_app(web_engine, public_texts=True)) as url, httpx.Client(base_url=url) as http:
        response = http.get("/a/ai-rd")
        assert response.status_code == 200
        assert_secure(response)
        assert (
            "原文第一段的译文。" in response.text and "The first paragraph of the original." in response.text
        )
        assert TG_REPLY not in response.text and "/archive" in response.text
        assert response.headers["Cache-Control"] == "no-cache"
        # A broken link is refused even where the texts are public: it is not an empty archive.
        assert http.get("/a/ai-rd?g=telegram%3A-1001&exp=1&sig=x").status_code == 403


def test_without_a_secret_key_links_are_refused_and_say_why(
    web_engine: Engine, link: Link, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        Served(make_app(web_engine, secret_key=None)) as url,
        httpx.Client(base_url=url) as http,
        caplog.at_level(logging.INFO, logger="atou.web"),
    ):
        response = http.get(with_params(link("ai-rd")))
    assert response.status_code == 403 and "<h1>这里暂时打不开群里的链接</h1>" in response.text
    # The setting to change is the operator's business: the log names it, the page does not.
    assert "ATOU_" not in response.text
    assert any("ATOU_SECRET_KEY" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_unknown_articles_and_paths_are_404_with_headers(http: httpx.Client, link: Link) -> None:
    signed_for_missing = link("no-such-article")
    for path in (with_params(signed_for_missing), "/a/NOT_AN_ID", "/nothing/here"):
        response = http.get(path)
        assert response.status_code == 404, path
        assert_secure(response)
        assert "找不到这个页面" in response.text
        # Relative links reach the stylesheet from any depth.
        css = next(
            a["href"] for t, a in Elements(response.text).found if t == "link" and a["rel"] == "stylesheet"
        )
        assert css and http.get(httpx.URL(str(response.url)).join(css)).status_code == 200


def test_only_get_is_answered(http: httpx.Client) -> None:
    assert http.post("/a/ai-rd").status_code == 405


def test_static_files_carry_the_headers_too(http: httpx.Client) -> None:
    for name in ("site.css", "archive.css", "tabs.js"):
        response = http.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert_secure(response)


def test_member_and_article_text_is_escaped_and_links_are_only_http(
    web_engine: Engine, http: httpx.Client, link: Link
) -> None:
    hostile = replace(article("hostile", title=f"{SCRIPT} 标题"), source_url="javascript:alert(1)")
    ArticleStore(web_engine).add(hostile, replace=True)
    page = Elements(http.get(with_params(link("hostile"), tab="brief")).text)
    assert [a.get("src") for t, a in page.found if t == "script"] == ["../static/tabs.js"]
    assert f"{SCRIPT} 标题" in page.text  # shown as text
    assert not any("javascript:" in (v or "") for _, a in page.found for v in a.values())

    page = Elements(http.get(with_params(link("ai-rd"))).text)
    assert [a.get("src") for t, a in page.found if t == "script"] == ["../static/tabs.js"]
    assert not any(k.startswith("on") for _, a in page.found for k in a)
    assert HOSTILE in page.text and not any(t == "img" for t, _ in page.found)


def test_healthz_reports_the_database(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert_secure(response)


def test_an_unreachable_database_fails_health_and_pages_plainly(link: Link) -> None:
    # Nothing listens on port 9 of this machine: connecting fails at once.
    unreachable = make_engine("postgresql+psycopg://atou@127.0.0.1:9/atou")
    with Served(make_app(unreachable)) as url:
        response = httpx.get(f"{url}/healthz", timeout=15)
        page = httpx.get(url + with_params(link("ai-rd")), timeout=15)
    assert page.status_code == 500 and "127.0.0.1" not in page.text
    assert_secure(page)
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "database": "unreachable (OperationalError)"}


def test_the_access_log_never_holds_a_signature(
    http: httpx.Client, link: Link, caplog: pytest.LogCaptureFixture
) -> None:
    signed = with_params(link("ai-rd"))
    with caplog.at_level(logging.INFO, logger="atou.web"):
        assert http.get(signed).status_code == 200
        # The server writes the line once the response is out, on its own thread: wait for it.
        deadline = time.monotonic() + 5
        while not any(r.name == "atou.web" for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.02)
    sig = parse_qs(urlsplit(signed).query)["sig"][0]
    lines = [r.getMessage() for r in caplog.records if r.name == "atou.web"]
    assert any(re.fullmatch(r"GET /a/ai-rd 200 \d+ms", line) for line in lines), lines
    assert not any(sig in line or "sig=" in line for line in lines)


def test_the_group_and_secret_in_the_link_are_bound(link: Link) -> None:
    q = parse_qs(urlsplit(link("ai-rd")).query)
    assert q["g"] == [GROUP] and SECRET not in link("ai-rd")


@pytest.mark.parametrize(
    ("accept", "lang", "title"),
    [
        ("en-GB,en;q=0.9", "en", "This link has expired"),
        ("zh-TW,zh;q=0.9,en;q=0.5", "zh-Hant", "連結已過期"),
        ("fr-FR, de;q=0.8", "zh-Hans", "链接已过期"),  # no language of ours: the default
        ("en;q=0.3, zh-CN", "zh-Hans", "链接已过期"),
    ],
)
def test_the_403_page_speaks_the_readers_language(
    http: httpx.Client, link: Link, accept: str, lang: str, title: str
) -> None:
    old = link("ai-rd", now=datetime.now(UTC) - timedelta(days=2))
    response = http.get(with_params(old), headers={"Accept-Language": accept})
    assert response.status_code == 403 and f"<h1>{title}</h1>" in response.text
    assert next(a["lang"] for t, a in Elements(response.text).found if t == "html") == lang
    # It says what to do, and blames nobody for a link that stopped working.
    assert "/archive" in response.text
    assert not re.search(r"forged|tamper|invalid|illegal|伪造|篡改|非法|无效|無效", response.text, re.I)


def test_the_index_lists_posted_articles_only_when_texts_are_public(web_engine: Engine) -> None:
    ArticleStore(web_engine).add(article("queued-next", title="排队中的下一篇"), replace=True)
    with Served(make_app(web_engine, public_texts=True)) as url, httpx.Client(base_url=url) as http:
        public = http.get("/", headers={"Accept-Language": "zh-CN"})
    assert public.status_code == 200
    assert_secure(public)
    links = [a["href"] for t, a in Elements(public.text).found if t == "a" and a.get("class") is None]
    assert "a/ai-rd" in links and "AI 研发自动化的边界" in public.text
    assert "a/queued-next" not in links and "排队中的下一篇" not in public.text  # not posted yet


def test_the_private_index_names_no_article(http: httpx.Client) -> None:
    response = http.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert_secure(response)
    assert "AI 研发自动化的边界" not in response.text and "a/ai-rd" not in response.text
    assert "links the bot sends" in response.text


def test_a_trailing_slash_redirects_relatively_and_keeps_the_signed_query_on_this_site(
    http: httpx.Client, link: Link
) -> None:
    signed = with_params(link("ai-rd"))
    path, query = signed.split("?", 1)
    response = http.get(f"{path}/?{query}", headers={"Host": "attacker.example"}, follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["Location"] == f"../ai-rd?{query}"  # relative: no host, no scheme
    followed = http.get(f"{path}/?{query}", follow_redirects=True)
    assert followed.status_code == 200 and TG_REPLY in followed.text
    assert str(followed.url).endswith(signed)
    assert http.get("/healthz/", follow_redirects=False).headers["Location"] == "../healthz"


def test_names_on_the_page_are_isolated_from_the_text_around_them(http: httpx.Client, link: Link) -> None:
    html = http.get(with_params(link("ai-rd"))).text
    names = [a for t, a in Elements(html).found if t == "bdi"]
    assert names and '<bdi class="author">Alice</bdi>' in html


def test_a_zh_hant_groups_link_shows_the_article_in_traditional_characters(
    http: httpx.Client, link: Link, web_engine: Engine
) -> None:
    from dataclasses import replace as with_lang

    from storage.unit_of_work import SqlUnitOfWork

    def set_lang(lang: str) -> None:
        with SqlUnitOfWork(web_engine) as uow:
            group = uow.groups.by_chat("discord", "42", "77")
            assert group is not None
            uow.groups.save(with_lang(group, lang=lang))
            uow.commit()

    set_lang("zh-Hant")
    try:
        page = Elements(http.get(with_params(link("ai-rd", group="discord:42/77"))).text)
    finally:
        set_lang("zh-Hans")
    assert "原文第一段的譯文。" in page.text and "原文第一段的译文。" not in page.text
    assert "閱讀簡報" in page.text and "討論歸檔" in page.text and "條回覆" in page.text
    # What members wrote stays as they wrote it; the English original is untouched.
    assert "A Discord reply, second day." in page.text and "The first paragraph of the original." in page.text
    assert next(a["lang"] for t, a in page.found if t == "html") == "zh-Hant"
