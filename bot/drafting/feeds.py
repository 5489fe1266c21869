"""Feeds: RSS and Atom (feedparser) and JSON Feed, polled with conditional requests; new entries drafted.

Each entry is drafted once: it is known by its feed and entry id, and by its page's canonical URL,
so a link already drafted by hand (or seen in another feed) makes no second draft. A poll that
fails, or an entry that cannot be drafted, marks the source with its last error; the entries that
could not be drafted are tried again at the next poll.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from bot.config import Settings
from bot.drafting.fetch import Fetcher
from bot.drafting.problem import SourceProblem
from bot.drafting.service import canonical_url, is_url, make_draft
from bot.llm import ModelClient
from storage.drafts import Draft, DraftStore
from storage.sources import Source, SourceStore

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
MIN_EVERY_S = 60


def parse_every(text: str) -> int:
    """Seconds from `90s`, `30m`, `1h`, `2d` (a bare number is minutes); at least a minute."""
    found = EVERY.match(text.lower())
    if not found:
        raise ValueError(f"{text!r} is not an interval: write it like 30m, 1h or 1d")
    seconds = float(found.group(1)) * {"s": 1, "m": 60, "": 60, "h": 3600, "d": 86400}[found.group(2)]
    if seconds < MIN_EVERY_S:
        raise ValueError(f"{text!r} is too often: poll at most once a minute")
    return int(seconds)


@dataclass(frozen=True)
class Entry:
    id: str
    url: str
    title: str


@dataclass(frozen=True)
class Feed:
    title: str | None
    entries: list[Entry]


def parse_feed(source: str, body: bytes, content_type: str) -> Feed:
    """The entries of an RSS, Atom or JSON feed; raises SourceProblem for anything else."""
    if "json" in content_type or body.lstrip()[:1] == b"{":
        return _json_feed(source, body)
    import feedparser

    parsed: Any = feedparser.parse(body)
    if not parsed.get("version"):
        raise SourceProblem(source, f"not a feed (RSS, Atom or JSON Feed): the server sent {content_type}")
    entries = []
    for item in parsed.entries:
        url = item.get("link") or ""
        if is_url(url):
            entries.append(Entry(str(item.get("id") or url), url, str(item.get("title") or url)))
    return Feed(parsed.feed.get("title"), entries)


def _json_feed(source: str, body: bytes) -> Feed:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceProblem(source, f"not a feed: the JSON cannot be read ({exc})") from exc
    if not (isinstance(data, dict) and str(data.get("version", "")).startswith("https://jsonfeed.org/version/")):
        raise SourceProblem(source, "not a feed: JSON without a JSON Feed version")
    entries = []
    for item in data.get("items") or []:
        if not isinstance(item, dict):
            continue
        url = str(item.get("url") or item.get("external_url") or "")
        if is_url(url):
            entries.append(Entry(str(item.get("id") or url), url, str(item.get("title") or url)))
    return Feed(data.get("title"), entries)


@dataclass
class Poll:
    """What one poll of one source did."""

    source: Source
    drafted: list[Draft] = field(default_factory=list)
    known: int = 0  # entries drafted before (here, by hand or from another feed)
    not_modified: bool = False
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source.id,
            "url": self.source.url,
            "drafted": [d.id for d in self.drafted],
            "known": self.known,
            "not_modified": self.not_modified,
            "errors": self.errors,
        }


async def poll_source(
    source: Source, *, settings: Settings, engine: Engine, fetcher: Fetcher, model: ModelClient | None
) -> Poll:
    """Poll one feed now and draft its new entries; the outcome is recorded on the source."""
    poll = Poll(source)
    sources = SourceStore(engine)
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    try:
        fetched = await fetcher.get(source.url, accept=FEED_ACCEPT, headers=headers)
        if fetched.status == 304:
            poll.not_modified = True
            sources.polled(source.id, error=None)
            return poll
        feed = parse_feed(source.url, fetched.body, fetched.content_type)
    except SourceProblem as problem:
        poll.errors.append(problem.what)
        sources.polled(source.id, error=problem.what)
        return poll
    drafts = DraftStore(engine)
    for entry in feed.entries:
        if drafts.find(url=canonical_url(entry.url), feed_id=source.id, entry_id=entry.id) is not None:
            poll.known += 1
            continue
        try:
            outcome = await make_draft(
                entry.url,
                settings=settings,
                engine=engine,
                fetcher=fetcher,
                model=model,
                lang=source.lang,
                feed_id=source.id,
                entry_id=entry.id,
            )
        except SourceProblem as problem:
            poll.errors.append(f"entry {entry.url}: {problem.what}")
            continue
        if outcome.existing:
            poll.known += 1
        else:
            poll.drafted.append(outcome.draft)
    sources.polled(
        source.id,
        error=poll.errors[-1] if poll.errors else None,
        title=feed.title,
        etag=fetched.headers.get("etag"),
        last_modified=fetched.headers.get("last-modified"),
    )
    return poll


async def poll_due(
    *, settings: Settings, engine: Engine, model: ModelClient | None, everything: bool = False
) -> list[Poll]:
    """Poll the sources that are due (or all of them), one after another."""
    sources = SourceStore(engine)
    chosen = sources.listed() if everything else sources.due(datetime.now(UTC))
    polls = []
    async with Fetcher(settings) as fetcher:
        for source in chosen:
            polls.append(
                await poll_source(source, settings=settings, engine=engine, fetcher=fetcher, model=model)
            )
    return polls
