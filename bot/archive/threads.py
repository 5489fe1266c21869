"""Laying out a discussion for reading: replies under their prompt, each answer under the reply it answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from bot.archive.model import ArchivedDiscussion, ArchivedReply

# Deeper reply chains are shown at this depth, so a long back-and-forth stays readable on a phone.
MAX_DEPTH = 5


class ThreadEntry(NamedTuple):
    """One reply in reading order; `depth` 0 answers the prompt, 1 answers a depth-0 reply, and so on.

    A named tuple: an export of 100,000 replies makes 100,000 of these, and tuples are made fastest.
    """

    reply: ArchivedReply
    depth: int
    parent: ArchivedReply | None


@dataclass(frozen=True, slots=True)
class PromptSection:
    """The replies to one prompt (`index` into the brief's prompts), or general replies when `index` is None."""

    index: int | None
    prompt: str | None
    entries: tuple[ThreadEntry, ...]

    @property
    def number(self) -> int | None:
        """The prompt's number as the brief shows it (1-based)."""
        return None if self.index is None else self.index + 1


def parents_of(replies: Sequence[ArchivedReply]) -> dict[int, ArchivedReply]:
    """Reply id → the reply it answers, when that reply is among `replies`."""
    by_message: dict[str, ArchivedReply] = {}
    for reply in replies:
        by_message.setdefault(reply.message_id, reply)
    parents: dict[int, ArchivedReply] = {}
    for reply in replies:
        target = reply.reply_to_message_id
        if target is None:
            continue
        parent = by_message.get(target)
        if parent is not None and parent.id != reply.id:
            parents[reply.id] = parent
    return parents


def thread_sections(discussion: ArchivedDiscussion, prompts: Sequence[str]) -> list[PromptSection]:
    """The discussion's replies grouped under the prompts they answer, threaded by reply chain.

    A reply whose parent is present sits under that parent, whatever prompt it was recorded for;
    the others start a thread in their prompt's section. Sections follow the brief's prompt order,
    with general replies (and replies to prompts the brief no longer has) last; threads and answers
    are in time order. Sections without replies are left out. Every reply appears exactly once.
    """
    replies = sorted(discussion.replies, key=attrgetter("at", "id"))
    parents = parents_of(replies)
    by_id = {r.id: r for r in replies}
    children: dict[int, list[ArchivedReply]] = {}
    for child_id, parent in parents.items():  # in time order, as `replies`
        children.setdefault(parent.id, []).append(by_id[child_id])

    count = len(prompts)
    visited: set[int] = set()
    entries: dict[int | None, list[ThreadEntry]] = {}

    def section(reply: ArchivedReply) -> list[ThreadEntry]:
        index = reply.prompt if reply.prompt is not None and 0 <= reply.prompt < count else None
        out = entries.get(index)
        if out is None:
            out = entries[index] = []
        return out

    def walk(root: ArchivedReply) -> None:
        out = section(root)
        # An explicit stack rather than recursion: chains can be thousands of replies long.
        stack: list[tuple[ArchivedReply, int, ArchivedReply | None]] = [(root, 0, None)]
        while stack:
            reply, depth, parent = stack.pop()
            if reply.id in visited:
                continue
            visited.add(reply.id)
            out.append(ThreadEntry(reply, depth if depth < MAX_DEPTH else MAX_DEPTH, parent))
            below = children.get(reply.id)
            if below:
                stack.extend((child, depth + 1, reply) for child in reversed(below))

    for reply in replies:
        if reply.id in parents:
            continue
        if reply.id in children:
            walk(reply)
            continue
        # Most replies answer a prompt and get no answer: no walk needed.
        visited.add(reply.id)
        index = reply.prompt if reply.prompt is not None and 0 <= reply.prompt < count else None
        out = entries.get(index)
        if out is None:
            out = entries[index] = []
        out.append(ThreadEntry(reply, 0, None))
    # Only corrupt data (a reply chain that loops) leaves replies unreached; show them rather than lose them.
    if len(visited) < len(replies):
        for reply in replies:
            if reply.id not in visited:
                walk(reply)

    order: list[int | None] = [*range(len(prompts)), None]
    return [
        PromptSection(index, None if index is None else prompts[index], tuple(entries[index]))
        for index in order
        if entries.get(index)
    ]


@dataclass(frozen=True, slots=True)
class ParagraphSection:
    """The replies anchored to paragraph ¶`number` of the article, in time order."""

    number: int
    replies: tuple[ArchivedReply, ...]


def paragraph_sections(discussion: ArchivedDiscussion) -> list[ParagraphSection]:
    """The discussion's anchored replies grouped by paragraph, in the article's order."""
    by_number: dict[int, list[ArchivedReply]] = {}
    anchored = [r for r in discussion.replies if r.paragraph is not None]  # most replies are not: sort only these
    for reply in sorted(anchored, key=attrgetter("at", "id")):
        if reply.paragraph is not None:
            by_number.setdefault(reply.paragraph, []).append(reply)
    return [ParagraphSection(n, tuple(by_number[n])) for n in sorted(by_number)]
