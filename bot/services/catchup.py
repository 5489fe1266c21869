"""Catching up on a discussion: who said how much under each prompt, the replies that drew the most
answers, and the paragraphs most discussed. Counted from the stored replies alone, so it needs no
model; members who opted out are counted but never named or quoted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.model import Article
from bot.paragraphs import excerpt_of, original_block
from bot.paragraphs import label as paragraph_label
from bot.render.document import Document, Para, ParaKind, Span
from bot.render.i18n import join_list
from bot.services.domain import ReplyStat
from bot.services.messages import lang_of, ntr, replies_from_people, tr

TOP_REPLIES = 3
TOP_PARAGRAPHS = 5
EXCERPT = 60  # characters of a reply or a paragraph a catch-up quotes


@dataclass(frozen=True, slots=True)
class PromptTally:
    """The replies to one prompt (`index` into the brief's prompts; None: not to a prompt)."""

    index: int | None
    replies: int
    names: tuple[str, ...]  # who replied, in the order they first did (opted-out members left out)


@dataclass(frozen=True, slots=True)
class Answered:
    """A reply and how many replies answer it directly."""

    reply: ReplyStat
    answers: int


@dataclass(frozen=True, slots=True)
class CatchUp:
    replies: int
    people: int
    prompts: tuple[PromptTally, ...]
    most_answered: tuple[Answered, ...]
    paragraphs: tuple[tuple[int, int], ...]  # (¶N, replies anchored to it), most discussed first


def catch_up(article: Article, stats: Sequence[ReplyStat], hidden: frozenset[str]) -> CatchUp:
    """The catch-up of a discussion from its replies (not deleted, oldest first)."""
    prompt_count = len(article.brief.prompts)

    def prompt_of(r: ReplyStat) -> int | None:
        return r.prompt if r.prompt is not None and 0 <= r.prompt < prompt_count else None

    counts: Counter[int | None] = Counter(prompt_of(r) for r in stats)
    names: dict[int | None, dict[str, str]] = {}
    for r in stats:
        if r.author_key not in hidden:
            names.setdefault(prompt_of(r), {}).setdefault(r.author_key, r.author_name)
    order: list[int | None] = [*range(prompt_count), None]
    prompts = tuple(
        PromptTally(i, counts[i], tuple(names.get(i, {}).values()))
        for i in order
        if i is not None or counts[i]
    )
    answers = Counter(r.reply_to for r in stats if r.reply_to)
    answered = sorted(
        (
            Answered(r, answers[r.message_id])
            for r in stats
            if answers[r.message_id] and r.author_key not in hidden
        ),
        key=lambda a: -a.answers,  # stable: among equals, the earlier reply first
    )
    anchored = Counter(r.paragraph for r in stats if r.paragraph is not None)
    paragraphs = sorted(anchored.items(), key=lambda item: (-item[1], item[0]))
    return CatchUp(
        replies=len(stats),
        people=len({r.author_key for r in stats}),
        prompts=prompts,
        most_answered=tuple(answered[:TOP_REPLIES]),
        paragraphs=tuple(paragraphs[:TOP_PARAGRAPHS]),
    )


def heading(text: str) -> Para:
    return Para((Span(text, bold=True),), ParaKind.HEADING)


def _li(*spans: Span) -> Para:
    return Para(tuple(spans), ParaKind.LIST_ITEM)


def paragraph_items(lang: str, article: Article, paragraphs: Sequence[tuple[int, int]]) -> list[Para]:
    """One line per paragraph: ¶N, the start of its text, and how many replies are anchored to it."""
    ngettext = ntr(lang)
    items = []
    for number, count in paragraphs:
        block = original_block(article, number)
        excerpt = "" if block is None else excerpt_of(block.text, EXCERPT)
        items.append(
            _li(
                Span(paragraph_label(number) + " ", bold=True),
                Span(excerpt),
                Span(" — " + ngettext("{count} reply", "{count} replies", count).format(count=count)),
            )
        )
    return items


def no_discussion_doc(lang: str) -> Document:
    _ = tr(lang)
    return Document((Para((Span(_("This group has not discussed an article yet.")),)),))


def per_paragraph(lang: str, article: Article, stats: Sequence[ReplyStat]) -> list[Para]:
    """For /status: how many replies are anchored to each paragraph, in the article's order (none: nothing)."""
    anchored = Counter(r.paragraph for r in stats if r.paragraph is not None)
    if not anchored:
        return []
    _ = tr(lang)
    return [heading(_("Replies per paragraph")), *paragraph_items(lang, article, sorted(anchored.items()))]


def catchup_doc(lang: str, article: Article, summary: CatchUp, *, is_open: bool) -> Document:
    """The catch-up as a message for the member who asked."""
    _, ngettext = tr(lang), ntr(lang)
    paras = [heading(_("Catching up: {title}").format(title=article.title))]
    if not summary.replies:
        paras.append(
            Para((Span(_("Nobody has replied yet.") if is_open else _("Nobody replied this time.")),))
        )
    else:
        paras.append(Para((Span(replies_from_people(lang, summary.replies, summary.people)),)))
    for tally in summary.prompts:
        if tally.index is None:
            label, prompt = _("Other replies"), ""
        else:
            label, prompt = (
                _("Prompt {n}").format(n=tally.index + 1),
                excerpt_of(article.brief.prompts[tally.index], EXCERPT),
            )
        count = ngettext("{count} reply", "{count} replies", tally.replies).format(count=tally.replies)
        who = (_(": ") + join_list(tally.names, lang_of(lang))) if tally.names else ""
        spans = [Span(label + _(": "), bold=True)]
        if prompt:
            spans.append(Span(prompt + " "))
        spans.append(Span(f"— {count}{who}"))
        paras.append(_li(*spans))
    if summary.most_answered:
        paras.append(heading(_("Replies that drew the most answers")))
        for item in summary.most_answered:
            paras.append(
                _li(
                    Span(item.reply.author_name + _(": "), bold=True),
                    Span("“" + excerpt_of(item.reply.text, EXCERPT) + "”"),
                    Span(
                        " — "
                        + ngettext("{count} answer", "{count} answers", item.answers).format(
                            count=item.answers
                        )
                    ),
                )
            )
    if summary.paragraphs:
        paras.append(heading(_("Paragraphs most discussed")))
        paras += paragraph_items(lang, article, summary.paragraphs)
    paras.append(
        Para((Span(_("/para N shows paragraph N; start a reply with ¶N to tie it to that paragraph.")),))
    )
    return Document(tuple(paras))
