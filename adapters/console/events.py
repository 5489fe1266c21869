"""Console input lines → what they mean. The line protocol (also for scripts on stdin):

    NAME: TEXT            a message from member NAME
    NAME ^12: TEXT        a reply to message #12
    NAME: /CMD ARGS       a command; `@other` in ARGS mentions member `other`
    NAME: !12 2           press button 2 of message #12
    NAME ~12: TEXT        edit your message #12
    NAME -12              delete your message #12
    # …                   a comment; blank lines are skipped too

NAME is one word (no spaces or colons); it is the member's id and display name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r"(?P<name>[^\s:^~#!\-/][^\s:^~]*)"
_MESSAGE = re.compile(rf"^{_NAME}\s*(?:(?P<op>[\^~])\s*#?(?P<ref>\d+))?\s*:\s?(?P<text>.*)$")
_DELETE = re.compile(rf"^{_NAME}\s+-\s*#?(?P<ref>\d+)\s*$")
_PRESS = re.compile(r"^!\s*#?(?P<message>\d+)\s+(?P<button>\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Say:
    name: str
    text: str
    reply_to: int | None = None


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    command: str
    args: tuple[str, ...]
    mentions: tuple[str, ...]  # member names given as @name, in order


@dataclass(frozen=True, slots=True)
class Press:
    name: str
    message: int
    button: int  # 1-based, numbered across the rows as printed


@dataclass(frozen=True, slots=True)
class Edit:
    name: str
    message: int
    text: str


@dataclass(frozen=True, slots=True)
class Delete:
    name: str
    message: int


Line = Say | Command | Press | Edit | Delete


class BadLine(ValueError):
    """A line that is not in the protocol; the message shows the forms that are."""

    def __init__(self, line: str) -> None:
        super().__init__(
            f"not understood: {line!r}. Write `name: text`, `name ^12: reply to #12`, `name: /command args`, "
            "`name: !12 2` (press button 2 of #12), `name ~12: new text` (edit #12) or `name -12` (delete #12)."
        )


def parse_line(line: str) -> Line | None:
    """What an input line means; None for a blank line or a comment. Raises BadLine otherwise."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    deleting = _DELETE.match(stripped)
    if deleting:
        return Delete(deleting["name"], int(deleting["ref"]))
    match = _MESSAGE.match(stripped)
    if match is None:
        raise BadLine(stripped)
    name, text, op, ref = match["name"], match["text"].strip(), match["op"], match["ref"]
    if op == "~":
        return Edit(name, int(ref), text)
    if op is None:
        press = _PRESS.match(text)
        if press:
            return Press(name, int(press["message"]), int(press["button"]))
        if text.startswith("/") and len(text) > 1:
            command, *args = text[1:].split()
            mentions = tuple(a[1:] for a in args if a.startswith("@") and len(a) > 1)
            return Command(name, command.split("@")[0].casefold(), tuple(args), mentions)
    if not text:
        raise BadLine(stripped)
    return Say(name, text, int(ref) if ref else None)
