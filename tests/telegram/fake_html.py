"""Telegram's `parse_mode=HTML` rules, as the local Bot API fake enforces them.

The grammar and the error texts follow Telegram's parser (tdlib `parse_html`): supported tags only,
attributes as Telegram reads them, end tags matching start tags, and entity offsets in UTF-16 code
units. Where Telegram's parser is lenient but its documentation is not, the fake follows the
documentation, so a formatter that passes here is within every documented rule:

- a `&`, `<` or `>` that is not part of a tag or an entity must be escaped (Telegram keeps a stray
  `&` or `>` as text);
- only `&lt;`, `&gt;`, `&amp;`, `&quot;` and numeric references are entities;
- the documented nesting rules hold (bold, italic, underline, strikethrough and spoiler may nest with
  anything but pre and code; blockquotes do not nest; other entities do not contain each other);
- a link's URL must be one Telegram accepts (http, https, tg, mailto).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

STYLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
OTHER_TAGS = {"a", "code", "pre", "blockquote", "tg-emoji", "tg-time"}
SUPPORTED_TAGS = set(STYLE_TAGS) | OTHER_TAGS
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TIME_FORMAT = re.compile(r"r|w?[dD]?[tT]?")
_URL = re.compile(r"(?i)(https?://[^\s/$.?#][^\s]*|tg://[a-z]+\S*|mailto:\S+@\S+)")
_USER_LINK = re.compile(r"(?i)tg://user\?id=(\d{1,20})$")


class EntityParseError(ValueError):
    """The markup breaks a rule; `str()` is what follows `Bad Request: can't parse entities: `."""


@dataclass
class ParsedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the result
    byte_offset: int
    char_start: int = 0  # index into the result's characters, for a link whose URL is its text
    argument: str = ""
    merged: bool = False  # a <code> inside <pre> only names the language


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(markup: str, index: int) -> int:
    return len(markup[:index].encode("utf-8"))


def _decode_entity(markup: str, i: int) -> tuple[str, int] | None:
    """The character an entity at `markup[i] == '&'` stands for, and the index after it."""
    m = re.match(r"&(#[0-9]{1,8}|#x[0-9a-fA-F]{1,7}|[A-Za-z]+);", markup[i:])
    if m is None:
        return None
    body = m.group(1)
    if body.startswith("#"):
        value = int(body[2:], 16) if body[1:2] == "x" else int(body[1:])
        if value == 0 or value >= 0x110000 or 0xD800 <= value <= 0xDFFF:
            return None
        return chr(value), i + m.end()
    char = NAMED_ENTITIES.get(body)
    return (char, i + m.end()) if char is not None else None


def _check_nesting(tag: str, stack: list[_Open], byte_offset: int) -> None:
    for outer in stack:
        if outer.tag == "blockquote" and tag == "blockquote":
            raise EntityParseError(f"Blockquote can't be nested at byte offset {byte_offset}")
        if outer.tag in ("pre", "code"):
            if tag == "code" and outer.tag == "pre" and outer is stack[-1]:
                continue
            raise EntityParseError(
                f'Tag "{tag}" can\'t be nested in "{outer.tag}" at byte offset {byte_offset}'
            )
        if tag in ("pre", "code") and outer.tag in STYLE_TAGS:
            raise EntityParseError(
                f'Tag "{tag}" can\'t be nested in "{outer.tag}" at byte offset {byte_offset}'
            )
        if tag in OTHER_TAGS - {"blockquote"} and outer.tag in OTHER_TAGS - {"blockquote"}:
            raise EntityParseError(
                f'Tag "{tag}" can\'t be nested in "{outer.tag}" at byte offset {byte_offset}'
            )


def _parse_attributes(markup: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Attributes of a start tag from `markup[i]`; returns them and the index after `>`."""
    n = len(markup)
    attributes: dict[str, str] = {}
    while True:
        while i < n and markup[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        if markup[i] == ">":
            return attributes, i + 1
        name_start = i
        while i < n and not markup[i].isspace() and markup[i] not in "=>":
            i += 1
        name = markup[name_start:i].lower()
        if not name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while i < n and markup[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        if markup[i] != "=":
            attributes[name] = ""  # an attribute without a value, e.g. <blockquote expandable>
            continue
        i += 1
        while i < n and markup[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        if markup[i] in "'\"":
            quote = markup[i]
            i += 1
            value: list[str] = []
            while i < n and markup[i] != quote:
                if markup[i] == "&":
                    decoded = _decode_entity(markup, i)
                    if decoded is not None:
                        value.append(decoded[0])
                        i = decoded[1]
                        continue
                value.append(markup[i])
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            i += 1
            attributes[name] = "".join(value)
        else:
            token_start = i
            while i < n and (markup[i].isalnum() and markup[i].isascii() or markup[i] in ".-"):
                i += 1
            if i >= n or not (markup[i].isspace() or markup[i] == ">"):
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(markup, token_start)}"
                )
            attributes[name] = markup[token_start:i].lower()


def _open_tag(tag: str, attributes: dict[str, str], stack: list[_Open], start: int, begin: int) -> _Open:
    _check_nesting(tag, stack, begin)
    opened = _Open(tag, start, begin)
    if tag == "span":
        if attributes.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    elif tag == "a":
        opened.argument = attributes.get("href", "")
    elif tag == "code":
        language = attributes.get("class", "")
        if stack and stack[-1].tag == "pre":
            opened.merged = True
            if language.startswith("language-"):
                stack[-1].argument = language.removeprefix("language-")
    elif tag == "blockquote":
        opened.argument = "expandable" if "expandable" in attributes else ""
    elif tag == "tg-emoji":
        emoji_id = attributes.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise EntityParseError(f"Invalid custom emoji identifier specified at byte offset {begin}")
        opened.argument = emoji_id
    elif tag == "tg-time":
        unix, time_format = attributes.get("unix", ""), attributes.get("format", "")
        if not unix.isdigit():
            raise EntityParseError(f'Tag "tg-time" must have a valid "unix" attribute at byte offset {begin}')
        if _TIME_FORMAT.fullmatch(time_format) is None:
            raise EntityParseError(f'Invalid "format" of tag "tg-time" at byte offset {begin}')
        opened.argument = f"{unix}|{time_format}"
    return opened


def _entity(opened: _Open, length: int, inner_text: str) -> dict[str, Any] | None:
    if opened.merged or length == 0:
        return None
    base: dict[str, Any] = {"offset": opened.start, "length": length}
    if opened.tag in STYLE_TAGS:
        return base | {"type": STYLE_TAGS[opened.tag]}
    if opened.tag == "a":
        url = opened.argument or inner_text
        user = _USER_LINK.match(url)
        if user is not None:
            return base | {
                "type": "text_mention",
                "user": {"id": int(user.group(1)), "is_bot": False, "first_name": "user"},
            }
        if _URL.fullmatch(url) is None:
            raise EntityParseError(f'Wrong URL "{url}" in a link at byte offset {opened.byte_offset}')
        return base | {"type": "text_link", "url": url}
    if opened.tag == "code":
        return base | {"type": "code"}
    if opened.tag == "pre":
        return base | {"type": "pre"} | ({"language": opened.argument} if opened.argument else {})
    if opened.tag == "blockquote":
        return base | {"type": "expandable_blockquote" if opened.argument else "blockquote"}
    if opened.tag == "tg-emoji":
        return base | {"type": "custom_emoji", "custom_emoji_id": opened.argument}
    unix, time_format = opened.argument.split("|")
    return (
        base
        | {"type": "date_time", "unix_time": int(unix)}
        | ({"date_time_format": time_format} if time_format else {})
    )


def parse_html(markup: str) -> ParsedText:
    """The text and entities Telegram makes of `markup`, or EntityParseError."""
    out: list[str] = []
    offset = 0  # UTF-16 length of `out`
    entities: list[tuple[int, dict[str, Any]]] = []  # (order of the start tag, entity)
    order: dict[int, int] = {}
    stack: list[_Open] = []
    i, n = 0, len(markup)
    while i < n:
        ch = markup[i]
        if ch == "&":
            decoded = _decode_entity(markup, i)
            if decoded is None:
                raise EntityParseError(
                    f'Unescaped "&" at byte offset {_byte_offset(markup, i)}: write it as "&amp;"'
                )
            out.append(decoded[0])
            offset += utf16_len(decoded[0])
            i = decoded[1]
            continue
        if ch == ">":
            raise EntityParseError(
                f'Unescaped ">" at byte offset {_byte_offset(markup, i)}: write it as "&gt;"'
            )
        if ch != "<":
            out.append(ch)
            offset += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = _byte_offset(markup, i)
        if markup.startswith("</", i):
            j = i + 2
            while j < n and not markup[j].isspace() and markup[j] != ">":
                j += 1
            name = markup[i + 2 : j].lower()
            while j < n and markup[j].isspace():
                j += 1
            if j >= n or markup[j] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
            opened = stack.pop()
            if name and name != opened.tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{opened.tag}>", found "</{name}>"'
                )
            entity = _entity(opened, offset - opened.start, "".join(out[opened.char_start :]))
            if entity is not None:
                entities.append((order[id(opened)], entity))
            i = j + 1
            continue
        j = i + 1
        while j < n and not markup[j].isspace() and markup[j] not in ">":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        tag = markup[i + 1 : j].lower()
        if tag not in SUPPORTED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
        attributes, i = _parse_attributes(markup, j, tag, begin)
        opened = _open_tag(tag, attributes, stack, offset, begin)
        opened.char_start = len(out)
        order[id(opened)] = len(order)
        stack.append(opened)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e[1]["offset"], e[0]))
    return ParsedText("".join(out), [e for _, e in entities])


def strip_text(parsed: ParsedText) -> ParsedText:
    """Telegram trims leading and trailing whitespace of a message and clips entities to what is left."""
    text = parsed.text
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    lead16 = utf16_len(text[:lead])
    end16 = lead16 + utf16_len(stripped)
    entities = []
    for e in parsed.entities:
        start, stop = max(e["offset"], lead16), min(e["offset"] + e["length"], end16)
        if stop > start:
            entities.append(e | {"offset": start - lead16, "length": stop - start})
    return ParsedText(stripped, entities)
