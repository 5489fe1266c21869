"""The archive as one self-contained HTML file, and the templates the reading page shares with it.

Jinja autoescaping escapes every member-written string; the file carries its CSS inline and a
Content-Security-Policy that forbids loading or running anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

import jinja2
from markupsafe import Markup

from bot.archive import labels
from bot.archive.model import Archive, ArchivedDiscussion, ArchivedReply
from bot.archive.select import Filters, as_utc
from bot.archive.threads import PromptSection, paragraph_sections, thread_sections
from bot.paragraphs import excerpt_of, original_block


@dataclass(frozen=True, slots=True)
class ParagraphView:
    """The replies anchored to ¶`number`, with the start of that paragraph's text."""

    number: int
    excerpt: str
    replies: tuple[ArchivedReply, ...]


@dataclass(frozen=True, slots=True)
class DiscussionView:
    """A discussion ready for a template: its replies laid out under their prompts, and the
    anchored ones again under their paragraphs."""

    discussion: ArchivedDiscussion
    sections: tuple[PromptSection, ...]
    paragraphs: tuple[ParagraphView, ...] = ()


def discussion_views(archive: Archive) -> list[DiscussionView]:
    article = archive.article
    prompts = article.brief.prompts

    def excerpt(number: int) -> str:
        block = original_block(article, number)
        return "" if block is None else excerpt_of(block.text, labels.EXCERPT_LENGTH)

    return [
        DiscussionView(
            d,
            tuple(thread_sections(d, prompts)),
            tuple(ParagraphView(s.number, excerpt(s.number), s.replies) for s in paragraph_sections(d)),
        )
        for d in archive.discussions
    ]


def archive_loader() -> jinja2.BaseLoader:
    """The archive's templates (`_archive.html` holds the `discussions` macro)."""
    return jinja2.PackageLoader("bot.archive", "templates")


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


@jinja2.pass_context
def _script(context: jinja2.runtime.Context, text: str) -> str:
    """A label of the page in the reader's script: the context's `convert` (Simplified → Traditional
    for a zh-Hant group's reading page), or as written. Never applied to what members wrote."""
    convert = context.get("convert")
    return convert(text) if convert is not None else text


def install_globals(env: jinja2.Environment) -> None:
    """The filters and labels the archive templates use; the reading page's environment gets them too."""
    env.filters["iso"] = _iso
    env.filters["script"] = _script
    env.filters["stamp"] = labels.stamp
    env.globals["labels"] = labels


def archive_css() -> str:
    return resources.files("bot.archive").joinpath("static", "archive.css").read_text(encoding="utf-8")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=archive_loader(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_globals(env)
    return env


def archive_html(archive: Archive, filters: Filters) -> str:
    """Render an already selected archive (see `select_archive`) as a standalone HTML document."""
    template = _environment().get_template("archive_export.html")
    return template.render(
        article=archive.article,
        views=discussion_views(archive),
        filters=filters.described(),
        pseudonymized=filters.pseudonymize,
        # Our own stylesheet, not user text; `</` cannot occur in it, so it cannot end the style element.
        css=Markup(archive_css()),
    )
