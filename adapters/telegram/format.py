"""Neutral documents → Telegram messages in HTML parse mode (pure text work, no Telegram library).

Limits (Bot API): a message's text after entity parsing is at most 4096 characters, which we keep
in UTF-16 code units and in code points alike; at most 100 entities; callback_data 1-64 bytes.
Only tags Telegram's HTML mode knows are written (`b`, `i`, `code`, `a href`, `blockquote`), all
text is escaped, and nesting stays within Telegram's rules: `code` is never nested with another
entity, and a blockquote holds bold and italic only (links and mentions in it show as text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.render.document import Button, Document, Para, ParaKind, Span
from bot.render.split import Budget, utf16_len
from bot.render.text_formatter import TextFormatter, button_payload, styled_for

MAX_LENGTH = 4096
MAX_ENTITIES = 100
MAX_ROW_BUTTONS = 8
MAX_BUTTONS = 100
PARSE_MODE = "HTML"
LINK_SCHEMES = ("http://", "https://", "tg://")
BULLET = "• "


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """One `sendMessage`: HTML text and an inline keyboard (rows of button dicts) or None."""

    text: str
    parse_mode: str = PARSE_MODE
    reply_markup: list[list[dict[str, str]]] | None = None

    def payload(self) -> dict[str, Any]:
        """The Bot API `sendMessage` parameters (without chat_id)."""
        data: dict[str, Any] = {"text": self.text, "parse_mode": self.parse_mode}
        if self.reply_markup:
            data["reply_markup"] = {"inline_keyboard": self.reply_markup}
        return data


def escape(text: str) -> str:
    """Text for Telegram HTML: `&`, `<`, `>` as entities (the only ones Telegram's parser needs)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def link_ok(url: str) -> bool:
    """A URL Telegram accepts in `<a href>` and URL buttons: http(s) or tg, no spaces or controls."""
    return url.startswith(LINK_SCHEMES) and len(url) <= 2048 and all(c > " " and c != "\x7f" for c in url)


def _mention_url(span: Span) -> str | None:
    # tg://user?id= works only for numeric ids; anything else is shown as plain text.
    if span.mention is not None and span.mention.member_id.isdigit():
        return f"tg://user?id={span.mention.member_id}"
    return None


def _render_span(span: Span, *, in_quote: bool) -> tuple[str, int]:
    """(HTML, entities) of one span."""
    text = escape(span.text)
    if not span.text.strip():
        return text, 0
    url = _mention_url(span) or (span.link if span.link and link_ok(span.link) else None)
    if in_quote:
        url = None  # a blockquote may contain only bold/italic-like entities
    entities = 0
    if span.code and url is None and not in_quote:
        # code contains no other entity; bold/italic around it are dropped rather than risk a refusal
        return f"<code>{text}</code>", 1
    if span.italic:
        text, entities = f"<i>{text}</i>", entities + 1
    if span.bold:
        text, entities = f"<b>{text}</b>", entities + 1
    if url is not None:
        text, entities = f'<a href="{escape_attribute(url)}">{text}</a>', entities + 1
    return text, entities


def _button(button: Button) -> dict[str, str]:
    if button.url is not None:
        return {"text": button.label, "url": button.url}
    assert button.action is not None  # buttons_problem ruled out a button with neither
    return {"text": button.label, "callback_data": button_payload(button.action)}


class TelegramFormatter(TextFormatter):
    """Telegram HTML messages; `fits`/`format` per the Bot API limits above."""

    platform = "telegram"

    def __init__(self, *, max_length: int = MAX_LENGTH, max_entities: int = MAX_ENTITIES) -> None:
        super().__init__(Budget(max_length, (utf16_len, len), max_entities))

    def render_para(self, para: Para) -> tuple[str, str, int]:
        in_quote = para.kind is ParaKind.QUOTE
        parts: list[str] = []
        entities = 0
        for span in styled_for(para):
            html, count = _render_span(span, in_quote=in_quote)
            parts.append(html)
            entities += count
        markup = "".join(parts)
        visible = para.plain
        if para.kind is ParaKind.LIST_ITEM:
            markup, visible = BULLET + markup, BULLET + visible
        elif in_quote and visible.strip():
            markup, entities = f"<blockquote>{markup}</blockquote>", entities + 1
        return markup, visible, entities

    def buttons_problem(self, rows: Sequence[Sequence[Button]]) -> str | None:
        total = 0
        for row in rows:
            if len(row) > MAX_ROW_BUTTONS:
                return f"a keyboard row holds at most {MAX_ROW_BUTTONS} buttons, not {len(row)}"
            for button in row:
                total += 1
                if not button.label.strip():
                    return "a button needs a label"
                if button.url is not None:
                    if not link_ok(button.url):
                        return f"button {button.label!r}: {button.url!r} is not an http(s) or tg link"
                elif button.action is None:
                    return f"button {button.label!r} has neither an action nor a URL"
                else:
                    try:
                        button_payload(button.action)
                    except ValueError as exc:
                        return f"button {button.label!r}: {exc}"
        if total > MAX_BUTTONS:
            return f"a keyboard holds at most {MAX_BUTTONS} buttons, not {total}"
        return None

    def keyboard(self, rows: Sequence[Sequence[Button]]) -> list[list[dict[str, str]]] | None:
        """The inline keyboard of button rows (None when there are none)."""
        keyboard = [[_button(b) for b in row] for row in rows if row]
        return keyboard or None

    def format(self, doc: Document) -> list[TelegramMessage]:
        """The messages for `doc`, each within every limit; the keyboard goes on the last one."""
        return [
            TelegramMessage(self.markup(part.paras), PARSE_MODE, self.keyboard(part.buttons))
            for part in self.split(doc)
        ]
