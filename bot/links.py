"""Signed links to a group's discussion archive on the reading page.

An archive is private to its group, so the link a member gets from `/archive` carries the
group, an expiry time and an HMAC-SHA256 signature over (article, group, expiry) made with
`ATOU_SECRET_KEY`. The web page verifies it before showing anything of the archive:

    {base}/a/{article_id}?g={group_key}&exp={unix seconds}&sig={base64url signature}
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import quote, urlencode

# Bumped if the signed message ever changes, so old links fail as forged rather than verify wrongly.
_PURPOSE = "atou-archive-link-v1"


class LinkProblem(StrEnum):
    """Why a link was refused; the web page explains each one to the reader."""

    MISSING = "missing"  # no signature or group at all
    MALFORMED = "malformed"  # parameters present but not of the right shape
    FORGED = "forged"  # signature does not match (tampered group, article or expiry, or another key)
    EXPIRED = "expired"
    UNVERIFIABLE = "unverifiable"  # this site has no key to check links with (an operator's setting)


class ArchiveLinkError(Exception):
    """A link to an archive that must not be honoured."""

    def __init__(self, problem: LinkProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ArchiveGrant:
    """What a verified link allows: reading one group's archive of one article until `expires`."""

    group_key: str
    article_id: str
    expires: datetime


def article_page_url(base_url: str, article_id: str, *, tab: str | None = None) -> str:
    """The address of an article's reading page, opening on `tab` if given.

    Tabs: brief, bilingual, translation, original, archive. Without a signed link the page shows the
    text tabs only where ATOU_PUBLIC_TEXTS is on, and never an archive.
    """
    url = f"{base_url.rstrip('/')}/a/{quote(article_id, safe='')}"
    return f"{url}?{urlencode({'tab': tab})}" if tab else url


def archive_signature(secret: str, group_key: str, article_id: str, expires_at: int) -> str:
    """The URL-safe signature (unpadded base64url of HMAC-SHA256) binding a group, an article and an expiry."""
    if not secret:
        raise ValueError("the secret key is empty; set ATOU_SECRET_KEY to sign archive links")
    # JSON keeps the fields unambiguous whatever characters a group key contains.
    message = json.dumps([_PURPOSE, article_id, group_key, expires_at], ensure_ascii=False).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def mint_archive_link(
    base_url: str,
    secret: str,
    group_key: str,
    article_id: str,
    *,
    now: datetime,
    ttl: timedelta,
    tab: str | None = None,
) -> str:
    """A signed link to `group_key`'s archive of `article_id`, valid for `ttl` from `now` (aware datetime).

    The page opens on the archive tab, or on `tab` if given (the tab is not signed: it only picks
    what shows first).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    expires_at = int((now + ttl).timestamp())
    sig = archive_signature(secret, group_key, article_id, expires_at)
    params = {"g": group_key, "exp": str(expires_at), "sig": sig} | ({"tab": tab} if tab else {})
    query = urlencode(params)
    return f"{article_page_url(base_url, article_id)}?{query}"


def verify_archive_token(
    secret: str,
    article_id: str,
    group_key: str | None,
    exp: str | None,
    sig: str | None,
    *,
    now: datetime,
) -> ArchiveGrant:
    """Check the `g`, `exp` and `sig` query parameters of a link to `article_id`'s archive.

    Returns the grant, or raises ArchiveLinkError saying whether the link was missing, malformed,
    forged (any part changed, or signed with another key) or expired. The signature is compared
    in constant time, and before the expiry, so a forged link never learns whether it expired.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not group_key or not exp or not sig:
        raise ArchiveLinkError(
            LinkProblem.MISSING, "this link carries no signature; ask the bot for /archive"
        )
    if not exp.isascii() or not exp.isdigit() or len(exp) > 12:
        raise ArchiveLinkError(LinkProblem.MALFORMED, "the link's expiry is not a valid time")
    expires_at = int(exp)
    expected = archive_signature(secret, group_key, article_id, expires_at)
    if not hmac.compare_digest(expected.encode("ascii"), sig.encode("utf-8", "replace")):
        raise ArchiveLinkError(
            LinkProblem.FORGED, "the link's signature does not match; it was changed or forged"
        )
    if now.timestamp() >= expires_at:
        raise ArchiveLinkError(
            LinkProblem.EXPIRED, "the link has expired; ask the bot for a new one with /archive"
        )
    return ArchiveGrant(group_key, article_id, datetime.fromtimestamp(expires_at, tz=UTC))
