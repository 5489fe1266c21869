"""Neutral documents → plain text for the console, with the buttons listed by number.

The console has no hard limit; messages are kept to a screenful-ish size so that pages of the
text views read like they do in a chat. Buttons are listed on the last message as `[1 label]`,
numbered across rows in the order `buttons()` returns them, so the console can let a person press
one by typing its number.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.document import Button, Document, Para, ParaKind
from bot.render.split import Budget
from bot.render.text_formatter import TextFormatter, merge_spans

MAX_LENGTH = 3000
BULLET = "• "
QUOTE_BAR = "│ "


def _render_para(para: Para) -> str:
    parts: list[str] = []
    spans = merge_spans(para.spans)
    # Emphasis inside running text shows as *words*; a paragraph set wholly in italics (a caption, a
    # title) and a heading's style stay plain, the heading's level shows as its ## prefix.
    emphasis = para.kind is not ParaKind.HEADING and not all(s.italic or not s.text.strip() for s in spans)
    for span in spans:
        if emphasis and span.italic and span.text.strip() and "\n" not in span.text:
            parts.append(f"*{span.text}*")
        elif span.mention is not None:
            parts.append(span.text if span.text.startswith("@") else f"@{span.text}")
        elif span.link and span.text.strip():
            parts.append(f"{span.text} <{span.link}>")
        else:
            parts.append(span.text)
    text = "".join(parts)
    if para.kind is ParaKind.HEADING and para.level >= 2:
        return "#" * para.level + " " + text  # an article's heading: its level as Markdown shows it
    if para.kind is ParaKind.LIST_ITEM:
        return BULLET + text
    if para.kind is ParaKind.QUOTE:
        if para.level >= 2:  # a translated heading in the bilingual view
            text = "#" * para.level + " " + text
        return "\n".join(QUOTE_BAR + line for line in text.split("\n"))
    return text


class ConsoleFormatter(TextFormatter):
    """Plain-text messages for a terminal."""

    platform = "console"

    def __init__(self, *, max_length: int = MAX_LENGTH) -> None:
        super().__init__(Budget(max_length, (len,), None))

    def render_para(self, para: Para) -> tuple[str, str, int]:
        text = _render_para(para)
        return text, text, 0

    def buttons_problem(self, rows: Sequence[Sequence[Button]]) -> str | None:
        for button in (b for row in rows for b in row):
            if button.action is None and button.url is None:
                return f"button {button.label!r} has neither an action nor a URL"
        return None

    @staticmethod
    def buttons(doc: Document) -> list[Button]:
        """The document's buttons in the order they are numbered (1, 2, …) on the console."""
        return [b for row in doc.buttons for b in row]

    def button_lines(self, rows: Sequence[Sequence[Button]]) -> list[str]:
        lines: list[str] = []
        number = 0
        for row in rows:
            cells: list[str] = []
            for button in row:
                number += 1
                cell = f"[{number} {button.label}]"
                cells.append(cell if button.url is None else f"{cell} {button.url}")
            if cells:
                lines.append("  ".join(cells))
        return lines

    def format(self, doc: Document) -> list[str]:
        """The messages for `doc` as text; the last one ends with its buttons, one line per row."""
        messages: list[str] = []
        for part in self.split(doc):
            text = self.markup(part.paras)
            lines = self.button_lines(part.buttons)
            messages.append(text + "\n\n" + "\n".join(lines) if lines else text)
        return messages
