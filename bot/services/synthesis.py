"""A short written synthesis of a discussion, by the configured model: per prompt, the positions
(who said what, with a link to their reply), what members agreed on, and what stays open.

Optional and fallible by design: with no model configured there is none, and a model that fails,
times out or answers nonsense gives none. It is never posted on its own: it is held with the
discussion, an admin reviews it privately from a button posted after the plain recap, and only an approved
synthesis is posted in the group and shown in /catchup. What is sent to the
model leaves out every member who opted out of exports; the replies go as data, never as
instructions. The text shown says that a model wrote it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.llm.data import DATA_NOTICE, data_block
from bot.model import Article
from bot.paragraphs import excerpt_of
from bot.paragraphs import label as paragraph_label
from bot.render.document import Para, ParaKind, Span
from bot.services.domain import ReplyStat
from bot.services.messages import tr

if TYPE_CHECKING:
    from bot.llm import ModelClient

log = logging.getLogger(__name__)

BUDGET_SECONDS = 90.0  # a model slower than this gives no synthesis
MAX_REPLIES = 400  # the latest replies sent to the model, so a long discussion fits its context
MAX_REPLY_CHARS = 1200
# What is shown of an answer, so the synthesis stays a few short messages on every platform.
MAX_POSITIONS = 5
MAX_POINTS = 3
MAX_TEXT = 220

SYSTEM = (
    "You summarise a reading group's discussion of one article for its members. For each prompt, "
    "write the positions members took (one per member, in a sentence, naming the member exactly as "
    "given and the id of the reply that states it), what they agreed on, and the questions left open. "
    "Be faithful: only what the replies say; no advice, no opinions of your own. Write in {language}. "
    "Leave a prompt out when nobody answered it. Also write a summary of two or three sentences. "
    + DATA_NOTICE
)
LANGUAGES = {"zh-Hans": "Simplified Chinese", "zh-Hant": "Traditional Chinese", "en": "English"}


class Position(BaseModel):
    member: str
    reply_id: int
    view: str


class PromptSynthesis(BaseModel):
    prompt: int  # as the brief numbers it, from 1
    positions: list[Position]
    agreements: list[str]
    open_questions: list[str]


class Synthesis(BaseModel):
    summary: str
    prompts: list[PromptSynthesis]


def model_input(article: Article, replies: Sequence[ReplyStat], hidden: frozenset[str]) -> str | None:
    """The user message for the model (None: nothing to synthesise once opted-out members are left out)."""
    shown = [(i, r) for i, r in enumerate(replies, start=1) if r.author_key not in hidden][-MAX_REPLIES:]
    if not shown:
        return None
    payload = {
        "article": article.title,
        "prompts": [{"prompt": n, "text": p} for n, p in enumerate(article.brief.prompts, start=1)],
        "replies": [
            {
                "id": i,
                "member": r.author_name,
                "prompt": None if r.prompt is None else r.prompt + 1,
                "paragraph": r.paragraph,
                "text": r.text[:MAX_REPLY_CHARS],
            }
            for i, r in shown
        ],
    }
    return data_block("discussion", payload)


async def synthesize(
    model: ModelClient, lang: str, article: Article, replies: Sequence[ReplyStat], hidden: frozenset[str]
) -> Synthesis | None:
    """The model's synthesis, or None when there is nothing to send or the model fails (logged)."""
    user = model_input(article, replies, hidden)
    if user is None:
        return None
    system = SYSTEM.format(language=LANGUAGES.get(lang, LANGUAGES["zh-Hans"]))
    try:
        answer, _ = await asyncio.wait_for(
            model.ask(system=system, user=user, schema=Synthesis, name="discussion_synthesis"), BUDGET_SECONDS
        )
    except Exception as exc:  # the plain recap goes out whatever went wrong
        log.warning("no synthesis of %s: %s: %s", article.id, type(exc).__name__, exc)
        return None
    return answer


def _clip(text: str) -> str:
    return excerpt_of(text, MAX_TEXT)


def synthesis_paras(
    lang: str,
    article: Article,
    answer: Synthesis,
    replies: Sequence[ReplyStat],
    hidden: frozenset[str],
    link: Callable[[ReplyStat], str | None],
) -> list[Para]:
    """The synthesis as paragraphs, headed by a line that says a model wrote it.

    Only members who were sent to the model may be named, and a position links to the reply it
    cites (`link`: its address, or None) when that reply is theirs."""
    _ = tr(lang)
    by_id = {i: r for i, r in enumerate(replies, start=1) if r.author_key not in hidden}
    names = {r.author_name for r in by_id.values()}
    paras = [
        Para(
            (Span(_("Summary written by a model; check it against the replies."), bold=True),),
            ParaKind.HEADING,
        )
    ]
    if answer.summary.strip():
        paras.append(Para((Span(_clip(answer.summary)),)))
    count = len(article.brief.prompts)
    for part in sorted(answer.prompts, key=lambda p: p.prompt):
        if not 1 <= part.prompt <= count:
            continue
        paras.append(
            Para(
                (
                    Span(_("Prompt {n}").format(n=part.prompt) + _(": "), bold=True),
                    Span(excerpt_of(article.brief.prompts[part.prompt - 1], 80)),
                )
            )
        )
        for position in part.positions[:MAX_POSITIONS]:
            if position.member not in names:
                continue  # a name the model made up, or one it was never given
            reply = by_id.get(position.reply_id)
            address = link(reply) if reply is not None and reply.author_name == position.member else None
            cite = f" ({paragraph_label(reply.paragraph)})" if reply is not None and reply.paragraph else ""
            paras.append(
                Para(
                    (
                        Span(position.member, bold=True, link=address),
                        Span(f"{cite}{_(': ')}{_clip(position.view)}"),
                    ),
                    ParaKind.LIST_ITEM,
                )
            )
        for label, points in ((_("Agreed"), part.agreements), (_("Open"), part.open_questions)):
            for point in points[:MAX_POINTS]:
                paras.append(
                    Para((Span(label + _(": "), italic=True), Span(_clip(point))), ParaKind.LIST_ITEM)
                )
    return paras
