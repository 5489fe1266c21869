"""Platform-neutral documents: what the core says, before any platform formats it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Mention:
    """A member to be mentioned (pinged) where the platform allows it."""

    member_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with inline styles. Text is raw; formatters escape it.

    `note` marks a footnote reference (its text is the number in superscript digits, ³): it stays
    glued to the word before it, so a message is never cut between them."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: str | None = None
    mention: Mention | None = None
    note: bool = False


SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(number: str) -> str:
    """A footnote number as superscript digits ("12" → "¹²"), which every chat platform shows."""
    return number.translate(SUPERSCRIPT_DIGITS)


def heading_style(level: int) -> tuple[bool, bool]:
    """(bold, italic) of a heading in chat text: a section title (level 2, or a heading of the bot's
    own) bold, the level below it bold italic, deeper levels italic."""
    if level <= 2:
        return True, False
    return level == 3, True


class ParaKind(StrEnum):
    PARAGRAPH = "paragraph"
    HEADING = "heading"
    QUOTE = "quote"
    LIST_ITEM = "list_item"


@dataclass(frozen=True, slots=True)
class Para:
    """One block of a document: styled spans laid out as a paragraph, heading, quote or item."""

    spans: tuple[Span, ...]
    kind: ParaKind = ParaKind.PARAGRAPH
    # A heading's level (2 a section title, 3 and more below it), also on a quote that holds a
    # translated heading; 0 for the bot's own headings.
    level: int = 0

    @property
    def plain(self) -> str:
        return "".join(s.text for s in self.spans)


ACTION_VERSION = "v1"
MAX_ACTION_BYTES = 64  # Telegram callback_data; Discord custom_id allows 100 characters


class ActionKind(StrEnum):
    """What kind of thing a button does; the kind is what the core dispatches a press on."""

    TAB = "tab"  # open a tab of the brief (`part`) of an article, as a new message
    PAGE = "page"  # show page `page` of a text view (`part`), in place of the message pressed
    ADMIN = "admin"  # an admin action (`arg`: a `bot.services.catalog.AdminAction`)
    FORGET = "forget"  # confirm /forget (`arg`: the member who asked)


@dataclass(frozen=True, slots=True)
class Action:
    """What a button does, neutral of platform; encoded by `encode_action`."""

    kind: ActionKind
    article_id: str = ""
    part: str = ""
    page: int = 0
    arg: str = ""


def encode_action(action: Action) -> str:
    """Encode a button action as `v1|kind|article|part|page|arg`, at most 64 bytes."""
    fields = [ACTION_VERSION, action.kind, action.article_id, action.part, str(action.page), action.arg]
    if any("|" in f for f in fields):
        raise ValueError("button action fields may not contain '|'")
    data = "|".join(fields)
    if len(data.encode("utf-8")) > MAX_ACTION_BYTES:
        raise ValueError(f"button action {data!r} is over {MAX_ACTION_BYTES} bytes")
    return data


def decode_action(data: str) -> Action | None:
    """The action in a button payload, or None for a payload of another version or an unknown kind
    (a stale button)."""
    parts = data.split("|")
    if len(parts) != 6 or parts[0] != ACTION_VERSION:
        return None
    _, kind_name, article_id, part, page, arg = parts
    try:
        page_no = int(page)
        kind = ActionKind(kind_name)
    except ValueError:
        return None
    return Action(kind=kind, article_id=article_id, part=part, page=page_no, arg=arg)


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a message. `current`: it stands for what the message shows (the "n/m" button of
    the page shown), so an adapter can bring the same view elsewhere without reading labels."""

    label: str
    action: Action | None = None
    url: str | None = None
    current: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    """Paragraphs plus rows of buttons: one logical message the platform may split."""

    paras: tuple[Para, ...]
    buttons: tuple[tuple[Button, ...], ...] = field(default=())

    @property
    def plain(self) -> str:
        return "\n\n".join(p.plain for p in self.paras)


def text_document(text: str) -> Document:
    """A document of plain paragraphs separated by blank lines."""
    return Document(tuple(Para((Span(chunk),)) for chunk in text.split("\n\n") if chunk))
