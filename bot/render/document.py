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
    """A run of text with inline styles. Text is raw; formatters escape it."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: str | None = None
    mention: Mention | None = None


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

    @property
    def plain(self) -> str:
        return "".join(s.text for s in self.spans)


class ActionKind(StrEnum):
    """What kind of thing a button does; the kind is what the core dispatches a press on."""

    TAB = "tab"  # open a tab of the brief (`part`) of an article, as a new message
    PAGE = "page"  # show page `page` of a text view (`part`), in place of the message pressed
    ADMIN = "admin"  # an admin action (`arg`: a `bot.services.catalog.AdminAction`)
    FORGET = "forget"  # confirm /forget (`arg`: the member who asked)


@dataclass(frozen=True, slots=True)
class Action:
    """What a button does, neutral of platform; encoded by bot.protocol.encode_action."""

    kind: ActionKind
    article_id: str = ""
    part: str = ""
    page: int = 0
    arg: str = ""


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: Action | None = None
    url: str | None = None


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
