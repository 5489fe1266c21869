"""Choosing what of an archive an export or a page may show: filters, opt-outs, deletions, pseudonyms.

Every reader of the archive goes through `select_archive`, so a member who opted out or a deleted
reply can never leak through one export format and not another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter

from bot.archive.model import Archive, ArchivedDiscussion, ArchivedReply
from bot.archive.neutral import neutral_name, neutral_text

# What an @mention of a member who opted out becomes: they never appear, not even as a name in others' text.
REDACTED_MENTION = "@someone"
PSEUDONYM_PREFIX = "member-"


def as_utc(moment: datetime) -> datetime:
    """Stored times are UTC; a naive one is taken as UTC rather than as this machine's local time."""
    if moment.tzinfo is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _lower_bound(since: date | datetime) -> datetime:
    if isinstance(since, datetime):
        return as_utc(since)
    return datetime.combine(since, time.min, tzinfo=UTC)


def _upper_bound(until: date | datetime) -> datetime:
    """Exclusive upper bound: a date includes its whole (UTC) day, a datetime includes itself."""
    if isinstance(until, datetime):
        return as_utc(until) + timedelta(microseconds=1)
    return datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Filters:
    """What to keep. `group` matches a group key or title; `member` an author key or name (any case)."""

    group: str | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None
    member: str | None = None
    pseudonymize: bool = False

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None:
            if _lower_bound(self.since) >= _upper_bound(self.until):
                raise ValueError(f"since ({self.since}) is after until ({self.until}); nothing could match")

    def described(self) -> dict[str, str]:
        """The filters in effect, for a file's header. A pseudonymized file never names the member it is about."""
        out: dict[str, str] = {}
        if self.group is not None:
            out["group"] = self.group
        if self.since is not None:
            out["since"] = self.since.isoformat()
        if self.until is not None:
            out["until"] = self.until.isoformat()
        if self.member is not None:
            out["member"] = "(pseudonymized)" if self.pseudonymize else self.member
        return out


class Mentions:
    """Finds `@Name` for a set of known names, ignoring case, the longest name first (`@Ann Lee` before
    `@Ann`), and only where the name ends a word (`@Ann` is not in `@Anna`).

    Dictionary lookups per name length rather than one regex alternation: an archive may know
    hundreds of names, and each `@` is then a handful of lookups instead of hundreds of attempts.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._by_length: dict[int, dict[str, str]] = {}
        for name in names:
            if name.strip():
                self._by_length.setdefault(len(name), {}).setdefault(name.lower(), name)
        self._lengths = sorted(self._by_length, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._lengths)

    def sub(self, text: str, replace: Callable[[str], str]) -> str:
        """`text` with each mention replaced by `replace(name)` (the name as known, the result includes any `@`)."""
        at = text.find("@")
        if at < 0:
            return text
        size = len(text)
        pieces: list[str] = []
        start = 0
        while at >= 0:
            found: tuple[str, int] | None = None
            for length in self._lengths:
                end = at + 1 + length
                if end > size:
                    continue
                name = self._by_length[length].get(text[at + 1 : end].lower())
                if name is not None and not (end < size and (text[end].isalnum() or text[end] == "_")):
                    found = (name, end)
                    break
            if found is None:
                at = text.find("@", at + 1)
                continue
            pieces += (text[start:at], replace(found[0]))
            start = found[1]
            at = text.find("@", start)
        if not pieces:
            return text
        pieces.append(text[start:])
        return "".join(pieces)


class _Pseudonyms:
    """member-1, member-2 … in order of first appearance, one per author key, stable across the export."""

    def __init__(self) -> None:
        self.by_key: dict[str, str] = {}

    def for_key(self, key: str) -> str:
        pseudonym = self.by_key.get(key)
        if pseudonym is None:
            pseudonym = f"{PSEUDONYM_PREFIX}{len(self.by_key) + 1}"
            self.by_key[key] = pseudonym
        return pseudonym


def _in_time_order(replies: Sequence[ArchivedReply]) -> list[ArchivedReply]:
    try:
        return sorted(replies, key=attrgetter("at", "id"))
    except TypeError:  # naive and aware times mixed: compare them all as UTC
        return sorted(replies, key=lambda r: (as_utc(r.at), r.id))


def select_archive(archive: Archive, filters: Filters = Filters()) -> Archive:
    """The part of `archive` that `filters` keep, without opted-out members or deleted replies.

    Replies of opted-out members are dropped and @mentions of them in other replies become
    `@someone`. With `pseudonymize`, every author's key and name become `member-N` (numbered by
    first appearance in the result) and @mentions of any known author are rewritten to match.
    The result's `opted_out` is empty: nothing left in it needs hiding.
    """
    hidden = archive.opted_out
    # Names of every author of the archive, so mentions are recognised even of members outside the selection.
    names_to_keys: dict[str, str] = {}
    hidden_names: set[str] = set()
    for discussion in archive.discussions:
        for reply in discussion.replies:
            if reply.author_key in hidden:
                hidden_names.add(reply.author_name)
            else:
                names_to_keys.setdefault(reply.author_name, reply.author_key)
    # A display name shared by a hidden and a visible member is treated as hidden: hiding wins.
    hidden_folded = {name.casefold() for name in hidden_names}
    names_to_keys = {n: k for n, k in names_to_keys.items() if n.casefold() not in hidden_folded}

    pseudonyms = _Pseudonyms() if filters.pseudonymize else None
    mentions = Mentions([*hidden_names, *names_to_keys] if pseudonyms is not None else hidden_names)

    def mentioned(name: str) -> str:
        if name in hidden_names or pseudonyms is None:
            return REDACTED_MENTION
        return "@" + pseudonyms.for_key(names_to_keys[name])

    has_mentions = bool(mentions)

    def clean(text: str) -> str:
        return mentions.sub(text, mentioned) if has_mentions and "@" in text else text

    low = _lower_bound(filters.since) if filters.since is not None else None
    high = _upper_bound(filters.until) if filters.until is not None else None
    member = filters.member.casefold() if filters.member else None
    group = filters.group.casefold() if filters.group else None

    discussions: list[ArchivedDiscussion] = []
    for discussion in archive.discussions:
        if group is not None and group not in (
            discussion.group_key.casefold(),
            discussion.group_title.casefold(),
        ):
            continue
        replies: list[ArchivedReply] = []
        for reply in _in_time_order(discussion.replies):
            if reply.deleted or reply.author_key in hidden:
                continue
            at = reply.at
            if at.tzinfo is not UTC:
                at = as_utc(at)
            if (low is not None and at < low) or (high is not None and at >= high):
                continue
            if member is not None and member not in (
                reply.author_key.casefold(),
                reply.author_name.casefold(),
            ):
                continue
            author_key, author_name = reply.author_key, neutral_name(reply.author_name)
            if pseudonyms is not None:
                # The author is numbered before anyone they mention: numbers follow first appearance.
                author_key = author_name = pseudonyms.by_key.get(author_key) or pseudonyms.for_key(author_key)
            text = reply.text
            if has_mentions and "@" in text:
                text = mentions.sub(text, mentioned)
            text = neutral_text(text)
            history = reply.history
            if history:
                history = tuple(neutral_text(clean(old)) for old in history)
                if history == reply.history:
                    history = reply.history
            if (
                author_key is reply.author_key
                and author_name is reply.author_name
                and text is reply.text
                and at is reply.at
                and history is reply.history
            ):
                replies.append(reply)  # nothing to change: most replies of most exports
                continue
            # Positional: this runs once per reply of a pseudonymized export.
            replies.append(
                ArchivedReply(
                    reply.id,
                    author_key,
                    author_name,
                    text,
                    at,
                    reply.prompt,
                    reply.message_id,
                    reply.reply_to_message_id,
                    history,
                    False,
                    reply.paragraph,
                )
            )
        discussions.append(
            replace(discussion, replies=tuple(replies), group_title=neutral_name(discussion.group_title))
        )
    return Archive(article=archive.article, discussions=tuple(discussions))
