"""Strict checkers for what the formatters produce, written from the platforms' documentation.

`telegram_visible(html)` parses Telegram HTML the strict way (documented tags only, every `<`, `>`
and `&` of text escaped, documented nesting rules, valid links, limits in UTF-16 units and code
points, at most 100 entities) and returns the visible text. `discord_problems(message)` lists every
Discord limit a message breaks, and every way its content could ping someone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.render.document import Document, Para, ParaKind

TG_MAX = 4096
TG_MAX_ENTITIES = 100
STYLE_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler"}
OTHER_TAGS = {"a", "code", "pre", "blockquote"}
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_TAG = re.compile(r"<(/?)([a-z-]+)((?:\s+[a-z-]+=\"[^\"<>&]*(?:&(?:lt|gt|amp|quot);[^\"<>&]*)*\")*)\s*>")
_ATTR = re.compile(r"([a-z-]+)=\"([^\"]*)\"")
_URL = re.compile(r"(https?://[^\s]+|tg://user\?id=\d+)$")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class InvalidHtml(AssertionError):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    start: int


def _unescape(entity: str) -> str:
    if entity.startswith("#x"):
        return chr(int(entity[2:], 16))
    if entity.startswith("#"):
        return chr(int(entity[1:]))
    return _NAMED[entity]


def _check_nesting(tag: str, stack: list[_Open]) -> None:
    for outer in stack:
        if tag in STYLE_TAGS and outer.tag in ("code", "pre"):
            raise InvalidHtml(f"<{tag}> inside <{outer.tag}>")
        if tag in ("code", "pre") and outer.tag in STYLE_TAGS:
            raise InvalidHtml(f"<{tag}> inside <{outer.tag}>")
        if tag in OTHER_TAGS and outer.tag in OTHER_TAGS:
            raise InvalidHtml(f"<{tag}> inside <{outer.tag}>: these entities cannot contain each other")


def telegram_visible(html: str) -> tuple[str, int]:
    """(visible text, entity count) of a Telegram HTML message; raises InvalidHtml on any breach."""
    out: list[str] = []
    stack: list[_Open] = []
    entities = 0
    text_len = 0
    i = 0
    while i < len(html):
        c = html[i]
        if c == "&":
            m = _ENTITY.match(html, i)
            if not m:
                raise InvalidHtml(f"unescaped & at {i}: {html[i : i + 12]!r}")
            out.append(_unescape(m[1]))
            text_len += 1
            i = m.end()
        elif c == ">":
            raise InvalidHtml(f"unescaped > at {i}")
        elif c == "<":
            m = _TAG.match(html, i)
            if not m:
                raise InvalidHtml(f"not a tag at {i}: {html[i : i + 20]!r}")
            closing, tag, attrs = m[1], m[2], m[3]
            if tag not in STYLE_TAGS | OTHER_TAGS:
                raise InvalidHtml(f"<{tag}> is not a Telegram tag")
            if closing:
                if attrs or not stack or stack[-1].tag != tag:
                    raise InvalidHtml(f"</{tag}> does not close the open tag")
                opened = stack.pop()
                if text_len == opened.start:
                    raise InvalidHtml(f"empty <{tag}>")
                entities += 1
            else:
                found = dict(_ATTR.findall(attrs))
                if tag == "a":
                    href = found.get("href")
                    if href is None or not _URL.match(
                        re.sub(r"&(lt|gt|amp|quot);", lambda e: _NAMED[e[1]], href)
                    ):
                        raise InvalidHtml(f"<a> with an unusable href {href!r}")
                    if set(found) != {"href"}:
                        raise InvalidHtml(f"<a> with attributes {sorted(found)}")
                elif found and not (tag == "blockquote" and set(found) <= {"expandable"}):
                    raise InvalidHtml(f"<{tag}> with attributes {sorted(found)}")
                _check_nesting(tag, stack)
                stack.append(_Open(tag, text_len))
            i = m.end()
        else:
            # plain text up to the next markup character, in one step
            j = i
            while j < len(html) and html[j] not in "&<>":
                j += 1
            out.append(html[i:j])
            text_len += j - i
            i = j
    if stack:
        raise InvalidHtml(f"unclosed <{stack[-1].tag}>")
    text = "".join(out)
    if not text.strip():
        raise InvalidHtml("the message has no visible text")
    if utf16_len(text) > TG_MAX or len(text) > TG_MAX:
        raise InvalidHtml(f"{utf16_len(text)} UTF-16 units / {len(text)} code points is over {TG_MAX}")
    if entities > TG_MAX_ENTITIES:
        raise InvalidHtml(f"{entities} entities is over {TG_MAX_ENTITIES}")
    return text, entities


def check_keyboard(markup: list[list[dict[str, str]]] | None) -> None:
    if markup is None:
        return
    assert sum(len(row) for row in markup) <= 100
    for row in markup:
        assert 1 <= len(row) <= 8
        for button in row:
            assert button["text"].strip()
            assert ("callback_data" in button) != ("url" in button)
            if "callback_data" in button:
                assert 1 <= len(button["callback_data"].encode()) <= 64
            else:
                assert _URL.match(button["url"])


def check_telegram(message: Any) -> str:
    """Everything Telegram checks of one sendMessage; returns the visible text."""
    assert message.parse_mode == "HTML"
    text, _ = telegram_visible(message.text)
    check_keyboard(message.reply_markup)
    return text


EMBED_LIMITS = {"title": 256, "description": 4096}


def discord_problems(message: Any, *, persona_ids: frozenset[str] = frozenset()) -> list[str]:
    found: list[str] = []
    content = message.content
    if len(content) > 2000 or utf16_len(content) > 2000:
        found.append(f"content of {len(content)} characters")
    if not content.strip() and not message.embeds:
        found.append("empty message")
    if re.search(r"@(everyone|here)", content):
        found.append("@everyone/@here in content")
    for m in re.finditer(r"(?<!\\)<(@!?|@&|#)(\d+)>", content):
        if m[1] != "@" or m[2] not in persona_ids:
            found.append(f"mention {m[0]} in content")
    if len(message.embeds) > 10:
        found.append("more than 10 embeds")
    total = 0
    for embed in message.embeds:
        for key, limit in EMBED_LIMITS.items():
            if len(embed.get(key, "")) > limit:
                found.append(f"embed {key} over {limit}")
        fields = embed.get("fields", [])
        if len(fields) > 25:
            found.append("more than 25 fields")
        for f in fields:
            if len(f["name"]) > 256 or len(f["value"]) > 1024:
                found.append("embed field over its limit")
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
        total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    if total > 6000:
        found.append("embeds over 6000 characters in all")
    rows = message.components
    if len(rows) > 5:
        found.append(f"{len(rows)} component rows")
    ids: list[str] = []
    for row in rows:
        if not 1 <= len(row) <= 5:
            found.append(f"a row of {len(row)} buttons")
        for button in row:
            if button["type"] != 2 or not 1 <= len(button["label"]) <= 80:
                found.append(f"bad button {button!r}")
            if button["style"] == 5:
                if not button.get("url", "").startswith(("http://", "https://")):
                    found.append(f"link button without an http(s) url: {button!r}")
            elif not 1 <= len(button.get("custom_id", "")) <= 100:
                found.append(f"custom_id of {button!r}")
            else:
                ids.append(button["custom_id"])
    if len(ids) != len(set(ids)):
        found.append("duplicate custom_id")
    return found


def discord_unmark(content: str) -> str:
    """The text a reader sees in escaped Discord markdown (markers, quote bars and escapes removed)."""
    out: list[str] = []
    i = 0
    at_line_start = True
    in_code = False
    while i < len(content):
        c = content[i]
        if at_line_start and not in_code and content.startswith("> ", i):
            i += 2
            at_line_start = False
            continue
        at_line_start = c == "\n"
        if in_code:
            if c == "`":
                in_code = False
            else:
                out.append(c)
            i += 1
        elif c == "\\" and i + 1 < len(content):
            out.append(content[i + 1])
            i += 2
        elif c == "`":
            in_code = True
            i += 1
        elif c == "*":
            i += 1
        elif c == "[":
            close = content.index("](<", i)
            out.append(discord_unmark(content[i + 1 : close]))
            i = content.index(">)", close) + 2
        else:
            out.append(c)
            i += 1
    return "".join(out).replace("\u200b", "")


def expected_visible(doc: Document) -> str:
    """The text a Telegram reader sees for a document chunk, by the layout rules (bullets, no quote marks)."""
    return "\n\n".join(("• " if p.kind is ParaKind.LIST_ITEM else "") + p.plain for p in doc.paras)


def expected_discord_text(doc: Document) -> str:
    return "\n\n".join(("• " if p.kind is ParaKind.LIST_ITEM else "") + p.plain for p in doc.paras).replace(
        "\u200b", ""
    )


def consume(sources: list[str], pieces: list[Para]) -> None:
    """Assert that `pieces` are `sources` in order, each exactly once, possibly cut into consecutive pieces."""
    k = 0
    for text in sources:
        got = ""
        while got != text:
            assert k < len(pieces), f"source text missing from the output: {text[:60]!r}"
            got += pieces[k].plain
            k += 1
            assert text.startswith(got), f"output {got[-60:]!r} is not the source {text[:60]!r}"
    assert k == len(pieces), f"output has {len(pieces) - k} paragraphs that are not in the source"
