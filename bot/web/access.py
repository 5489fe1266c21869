"""Who may see what of an article's page: the text tabs (public or not, a setting) and one group's archive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.links import ArchiveGrant, ArchiveLinkError, LinkProblem, verify_archive_token


@dataclass(frozen=True, slots=True)
class Access:
    """What a request may see: the text tabs, and the archive of `grant.group_key` when it has a grant."""

    grant: ArchiveGrant | None


class AccessRefused(Exception):
    """The request gets a 403 page that says why in the reader's words; the message is for the log."""

    def __init__(self, problem: LinkProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


PRIVATE_MESSAGE = "no signed link, and the texts are not public here (ATOU_PUBLIC_TEXTS is off)"


def decide_access(
    query: Mapping[str, str], article_id: str, *, secret: str | None, public_texts: bool, now: datetime
) -> Access:
    """Check a request's `g`/`exp`/`sig` parameters against the article it asks for.

    A link that carries any of them must verify completely: a tampered, forged or expired link is
    refused even where the texts are public, so nobody mistakes a broken link for an empty archive.
    Without them the texts are shown only if `public_texts`, and never an archive.
    """
    signed = any(query.get(name) for name in ("g", "exp", "sig"))
    if not signed:
        if public_texts:
            return Access(grant=None)
        raise AccessRefused(LinkProblem.MISSING, PRIVATE_MESSAGE)
    if not secret:
        # Without a key no link can be verified; saying so beats a misleading "does not match".
        raise AccessRefused(
            LinkProblem.UNVERIFIABLE, "archive links are turned off here (no ATOU_SECRET_KEY is set)"
        )
    try:
        grant = verify_archive_token(
            secret, article_id, query.get("g"), query.get("exp"), query.get("sig"), now=now
        )
    except ArchiveLinkError as exc:
        raise AccessRefused(exc.problem, str(exc)) from exc
    return Access(grant=grant)
