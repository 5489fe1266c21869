"""Neutral documents → Discord messages in escaped markdown (pure text work, no discord.py).

Limits: content at most 2000 characters (kept in UTF-16 units and code points alike); at most
5 action rows of 5 buttons; labels 80 characters; custom_id 100 characters. Messages carry no
embeds (content reads best for long text and its limit is the binding one), so every embed limit
holds trivially. Text from articles and members is escaped: markdown specials get a backslash,
`<` is escaped so no `<@id>`, `<@&role>` or `<#channel>` can form, and `@everyone`/`@here` get a
zero-width space. Only a persona mention (a `Mention` with a numeric id) becomes `<@id>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.render.document import Button, Document, Para, ParaKind, Span
from bot.render.split import Budget, utf16_len
from bot.render.text_formatter import TextFormatter, button_payload, styled_for

MAX_CONTENT = 2000
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_URL = 512
BUTTON, SECONDARY, LINK = 2, 2, 5
ACTION_ROW = 1
BULLET = "• "
ZWSP = "\u200b"

_SPECIALS = "\\*_~|`<>[]#"  # the backslash first, so the escapes added after it stay single
_LIST_STARTS = frozenset("-+0123456789 \t")
_LINE_LIST = re.compile(r"^([ \t]*)([-+]|\d+(?=\.))", re.MULTILINE)
_PINGS = re.compile(r"@(everyone|here)", re.IGNORECASE)
_TAGS = re.compile(r"<(?=[@#:/]|a:|t:)")
_MARKERS = "*`"


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """One Discord message: markdown content, embeds (dicts) and rows of button components (dicts)."""

    content: str
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[list[dict[str, Any]]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """The REST `Create Message` body: action rows wrap the buttons; nobody is pinged but personas."""
        users = sorted(set(re.findall(r"<@(\d+)>", self.content)))
        return {
            "content": self.content,
            "embeds": self.embeds,
            "components": [{"type": ACTION_ROW, "components": row} for row in self.components],
            "allowed_mentions": {"parse": [], "users": users},
        }


def defuse(text: str) -> str:
    """`@everyone`, `@here` and `<@…>`-style mentions made inert with a zero-width space (for code,
    where a backslash would show)."""
    return _TAGS.sub(f"<{ZWSP}", _PINGS.sub(lambda m: f"@{ZWSP}{m[1]}", text))


def escape(text: str) -> str:
    """Text shown literally by Discord markdown, and unable to ping anyone."""
    for special in _SPECIALS:  # str.replace per character beats one translate() with a mapping table
        if special in text:
            text = text.replace(special, "\\" + special)
    # Line-leading list markers ("- ", "+ ", "1. ") would start a list.
    if text[:1] in _LIST_STARTS or "\n" in text:
        text = _LINE_LIST.sub(lambda m: f"{m[1]}{m[2]}\\" if m[2][0].isdigit() else f"{m[1]}\\{m[2]}", text)
    if "@" in text:
        text = _PINGS.sub(lambda m: f"@{ZWSP}{m[1]}", text)
    return text


def link_ok(url: str) -> bool:
    return (
        url.startswith(("http://", "https://"))
        and len(url) <= MAX_URL
        and all(c > " " and c not in "<>\x7f" for c in url)
    )


def _wrap(text: str, marker: str) -> str:
    """`marker` around `text`, with edge whitespace kept outside (markdown ignores `** x**`)."""
    core = text.strip()
    if not core:
        return text
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return f"{text[:start]}{marker}{core}{marker[::-1]}{text[end:]}"


def _render_span(span: Span) -> str:
    if span.mention is not None and span.mention.member_id.isdigit():
        return f"<@{span.mention.member_id}>"
    if span.code and "`" not in span.text and span.text.strip():
        text = _wrap(defuse(span.text), "`")
    else:
        text = escape(span.text)
        marker = "**" * span.bold + "*" * span.italic
        text = _wrap(text, marker) if marker else text
    if span.link and link_ok(span.link) and span.text.strip():
        text = f"[{text}](<{span.link}>)"
    return text


def _join(pieces: list[str]) -> str:
    """Pieces joined so that a closing marker never runs into the next opening one (`**a***b*`)."""
    out: list[str] = []
    for piece in pieces:
        opens = piece.removeprefix("[")[:1]
        if out and out[-1] and opens and out[-1][-1] in _MARKERS and opens in _MARKERS:
            out.append(ZWSP)
        out.append(piece)
    return "".join(out)


class DiscordFormatter(TextFormatter):
    """Discord content messages with button components; `fits`/`format` per the limits above."""

    platform = "discord"

    def __init__(self, *, max_length: int = MAX_CONTENT) -> None:
        super().__init__(Budget(max_length, (utf16_len, len), None))

    def render_para(self, para: Para) -> tuple[str, str, int]:
        markup = _join([_render_span(span) for span in styled_for(para)])
        if para.kind is ParaKind.LIST_ITEM:
            markup = BULLET + markup
        elif para.kind is ParaKind.QUOTE:
            markup = "\n".join(f"> {line}" for line in markup.split("\n"))
        return markup, markup, 0

    def rows(self, rows: Sequence[Sequence[Button]]) -> list[list[Button]]:
        """Button rows re-flowed to at most 5 buttons each."""
        out: list[list[Button]] = []
        for row in rows:
            out.extend(list(row[i : i + MAX_ROW_BUTTONS]) for i in range(0, len(row), MAX_ROW_BUTTONS))
        return out

    def buttons_problem(self, rows: Sequence[Sequence[Button]]) -> str | None:
        flowed = self.rows(rows)
        if len(flowed) > MAX_ROWS:
            return f"a message holds at most {MAX_ROWS} rows of {MAX_ROW_BUTTONS} buttons"
        seen: set[str] = set()
        for button in (b for row in flowed for b in row):
            if not button.label.strip():
                return "a button needs a label"
            if button.url is not None:
                if not link_ok(button.url):
                    return f"button {button.label!r}: {button.url!r} is not an http(s) link"
                continue
            if button.action is None:
                return f"button {button.label!r} has neither an action nor a URL"
            try:
                custom_id = button_payload(button.action)
            except ValueError as exc:
                return f"button {button.label!r}: {exc}"
            if len(custom_id) > MAX_CUSTOM_ID:
                return f"button {button.label!r}: custom_id is over {MAX_CUSTOM_ID} characters"
            if custom_id in seen:
                return f"two buttons share the action {custom_id!r}"
            seen.add(custom_id)
        return None

    def components(self, rows: Sequence[Sequence[Button]]) -> list[list[dict[str, Any]]]:
        """Rows of button component dicts (type 2); labels cut to Discord's 80 characters."""
        return [[self._button(b) for b in row] for row in self.rows(rows)]

    @staticmethod
    def _button(button: Button) -> dict[str, Any]:
        label = button.label if len(button.label) <= MAX_LABEL else button.label[: MAX_LABEL - 1] + "…"
        if button.url is not None:
            return {"type": BUTTON, "style": LINK, "label": label, "url": button.url}
        assert button.action is not None  # buttons_problem ruled out a button with neither
        return {
            "type": BUTTON,
            "style": SECONDARY,
            "label": label,
            "custom_id": button_payload(button.action),
        }

    def format(self, doc: Document) -> list[DiscordMessage]:
        """The messages for `doc`, each within every limit; the buttons go on the last one."""
        return [
            DiscordMessage(self.markup(part.paras), [], self.components(part.buttons))
            for part in self.split(doc)
        ]
