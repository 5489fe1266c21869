"""Signed archive links: bound to group and article, expiring, URL-safe, refused when anything changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.links import (
    ArchiveLinkError,
    LinkProblem,
    article_page_url,
    mint_archive_link,
    verify_archive_token,
)

SECRET = "a long random secret"
NOW = datetime(2026, 6, 5, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def params(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query, keep_blank_values=True).items()}


def check(link: str, *, article_id: str = "ai-rd", secret: str = SECRET, now: datetime = NOW, **changes: str):
    q = params(link) | changes
    return verify_archive_token(secret, article_id, q.get("g"), q.get("exp"), q.get("sig"), now=now)


def refused(problem: LinkProblem, link: str, **kwargs) -> None:
    with pytest.raises(ArchiveLinkError) as caught:
        check(link, **kwargs)
    assert caught.value.problem is problem, str(caught.value)


def test_a_minted_link_opens_its_groups_archive_of_its_article() -> None:
    link = mint_archive_link(
        "https://read.example.org/atou", SECRET, "telegram:-1001", "ai-rd", now=NOW, ttl=DAY
    )
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "read.example.org", "/atou/a/ai-rd")
    grant = check(link, now=NOW + DAY - timedelta(seconds=1))
    assert (grant.group_key, grant.article_id) == ("telegram:-1001", "ai-rd")
    assert grant.expires == NOW + DAY


def test_a_link_may_name_the_tab_to_open_without_it_being_signed() -> None:
    link = mint_archive_link("https://x.example", SECRET, "g", "a1", now=NOW, ttl=DAY, tab="brief")
    assert params(link)["tab"] == "brief"
    check(link, article_id="a1")
    assert (
        article_page_url("https://x.example", "a1", tab="bilingual") == "https://x.example/a/a1?tab=bilingual"
    )


def test_the_base_url_may_end_with_a_slash() -> None:
    link = mint_archive_link("https://x.example/", SECRET, "g", "a1", now=NOW, ttl=DAY)
    assert link.startswith("https://x.example/a/a1?")
    assert article_page_url("https://x.example/", "a1") == "https://x.example/a/a1"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"g": "telegram:-1002"}, "another group"),
        ({"g": "telegram:-1001/5"}, "a topic of the group"),
        ({"article_id": "other-article"}, "another article"),
        ({"exp": str(int((NOW + 30 * DAY).timestamp()))}, "a later expiry"),
        ({"secret": "another secret"}, "another key"),
    ],
)
def test_a_link_changed_in_any_part_is_refused_as_forged(change: dict[str, str], why: str) -> None:
    link = mint_archive_link("https://x.example", SECRET, "telegram:-1001", "ai-rd", now=NOW, ttl=DAY)
    refused(LinkProblem.FORGED, link, **change)


def test_a_changed_signature_is_refused_as_forged() -> None:
    link = mint_archive_link("https://x.example", SECRET, "telegram:-1001", "ai-rd", now=NOW, ttl=DAY)
    sig = params(link)["sig"]
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    refused(LinkProblem.FORGED, link, sig=flipped)
    refused(LinkProblem.FORGED, link, sig=sig[:-1])
    refused(LinkProblem.FORGED, link, sig="签名" + sig[2:])


def test_a_link_expires_at_its_expiry_time() -> None:
    link = mint_archive_link("https://x.example", SECRET, "telegram:-1001", "ai-rd", now=NOW, ttl=DAY)
    refused(LinkProblem.EXPIRED, link, now=NOW + DAY)
    refused(LinkProblem.EXPIRED, link, now=NOW + 40 * DAY)


def test_a_forged_link_is_called_forged_even_when_it_would_have_expired() -> None:
    link = mint_archive_link("https://x.example", SECRET, "telegram:-1001", "ai-rd", now=NOW, ttl=DAY)
    refused(LinkProblem.FORGED, link, now=NOW + 40 * DAY, g="telegram:-1002")


@pytest.mark.parametrize("drop", ["g", "exp", "sig"])
def test_a_link_without_its_parameters_is_refused_as_unsigned(drop: str) -> None:
    link = mint_archive_link("https://x.example", SECRET, "telegram:-1001", "ai-rd", now=NOW, ttl=DAY)
    refused(LinkProblem.MISSING, link, **{drop: ""})


@pytest.mark.parametrize("exp", ["soon", "-5", "１２３", "1" * 20, "12.5"])
def test_an_expiry_that_is_not_a_time_is_malformed(exp: str) -> None:
    link = mint_archive_link("https://x.example", SECRET, "telegram:-1001", "ai-rd", now=NOW, ttl=DAY)
    refused(LinkProblem.MALFORMED, link, exp=exp)


def test_minting_needs_a_key_an_aware_time_and_a_positive_lifetime() -> None:
    with pytest.raises(ValueError, match="ATOU_SECRET_KEY"):
        mint_archive_link("https://x.example", "", "g", "a1", now=NOW, ttl=DAY)
    with pytest.raises(ValueError, match="timezone"):
        mint_archive_link("https://x.example", SECRET, "g", "a1", now=NOW.replace(tzinfo=None), ttl=DAY)
    with pytest.raises(ValueError, match="positive"):
        mint_archive_link("https://x.example", SECRET, "g", "a1", now=NOW, ttl=timedelta(0))


@given(
    group_key=st.text(min_size=1, max_size=60).filter(lambda s: s.strip() == s and "\x00" not in s),
    article_id=st.from_regex(r"[a-z0-9][a-z0-9-]{0,39}", fullmatch=True),
    hours=st.integers(min_value=1, max_value=24 * 365),
)
def test_any_group_key_survives_the_url_and_verifies(group_key: str, article_id: str, hours: int) -> None:
    link = mint_archive_link(
        "https://x.example", SECRET, group_key, article_id, now=NOW, ttl=timedelta(hours=hours)
    )
    assert link.isascii() and " " not in link
    q = params(link)
    assert q["g"] == group_key
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", q["sig"])
    grant = verify_archive_token(SECRET, article_id, q["g"], q["exp"], q["sig"], now=NOW)
    assert grant.group_key == group_key
