"""Reading: the brief and the text tabs on request, paged to what one message of the platform holds."""

from __future__ import annotations

import logging

from bot.model import Article
from bot.paragraphs import numbering
from bot.protocol import ButtonEvent, CommandEvent, Platform
from bot.render.document import ActionKind, Document
from bot.render.i18n import N_
from bot.render.views import ARCHIVE_TAB, Part, brief_document, paragraph_document, text_page
from bot.services import messages
from bot.services.core import Core
from bot.services.domain import Group, UserError

log = logging.getLogger(__name__)

TEXT_PARTS = {"bilingual": Part.BILINGUAL, "translation": Part.TRANSLATION, "original": Part.ORIGINAL}


class Reading:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._told_no_links = False

    def current_article(self, group: Group | None) -> Article | None:
        """The article a group is reading: its latest discussion's, else the next one it will get."""
        if group is not None:
            with self.core.uow() as uow:
                latest = uow.discussions.latest_for_group(group.id)
                done = uow.postings.progress(group.id)
            if latest is not None:
                return self.core.articles.get(latest.article_id)
        else:
            done = set()
        queue = self.core.articles.queue_ids()
        upcoming = next((a for a in queue if a not in done), queue[0] if queue else None)
        return None if upcoming is None else self.core.articles.get(upcoming)

    def brief(self, group: Group | None, lang: str) -> Document:
        article = self.current_article(group)
        if article is None:
            return messages.nothing_to_read_doc(lang)
        return brief_document(
            article,
            lang=messages.lang_of(lang),
            personas=group.personas if group is not None else {},
            page_url=self.core.page_link(group.key if group is not None else None, article.id),
        )

    def text(self, platform: Platform, article: Article, part_name: str, number: int, lang: str) -> Document:
        page = text_page(
            article, TEXT_PARTS[part_name], number, lang=messages.lang_of(lang), formatter=platform.formatter
        )
        return page.doc

    async def on_command(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        """`/brief` for the chat; `/bilingual [page]`, `/translation [page]`, `/original [page]` for
        the asker alone where the platform can (pages of text would flood the chat)."""
        if event.name == "brief":
            await event.respond(self.brief(group, lang))
            return
        number = _page_number(event.args)
        article = self.current_article(group)
        if article is None:
            await event.respond(messages.nothing_to_read_doc(lang), private=True)
            return
        platform = self.core.platform(event.chat)
        await event.respond(self.text(platform, article, event.name, number, lang), private=True)

    async def on_button(self, event: ButtonEvent, group: Group | None, lang: str) -> None:
        """A tab of the brief (a new message) or a page turn (in place), for the presser alone where
        the platform can."""
        action = event.action
        if action.kind == ActionKind.TAB and action.part == ARCHIVE_TAB:
            await event.respond(self.archive(group, lang, action.article_id or None), private=True)
            return
        if action.part not in TEXT_PARTS:
            return  # a button of a newer or older version: nothing to do
        article = self.core.articles.get(action.article_id)
        if article is None:
            await event.respond(messages.nothing_to_read_doc(lang), private=True)
            return
        platform = self.core.platform(event.chat)
        if action.kind == ActionKind.TAB:
            await event.respond(self.text(platform, article, action.part, 1, lang), private=True)
        else:
            page = self.text(platform, article, action.part, action.page, lang)
            await event.respond(page, private=True, replace=True)

    def paragraph(self, group: Group | None, lang: str, args: tuple[str, ...]) -> Document:
        """`/para N`: paragraph N of the group's current article in both languages."""
        article = self.current_article(group)
        if article is None:
            return messages.nothing_to_read_doc(lang)
        total = numbering(article).count
        number = int(args[0]) if len(args) == 1 and args[0].isdigit() else None
        if number is None:
            raise UserError(
                N_("Use /para N with a paragraph number from 1 to {total}, e.g. /para 3."), total=total
            )
        doc = paragraph_document(article, number, lang=messages.lang_of(lang))
        if doc is None:
            raise UserError(
                N_("There is no ¶{number}: this article has paragraphs ¶1 to ¶{total}."),
                number=number,
                total=total,
            )
        return doc

    def archive(self, group: Group | None, lang: str, article_id: str | None = None) -> Document:
        """How to read the group's archive: a signed link when the bot has a web address."""
        discussion_open: bool | None = None
        if group is not None:
            with self.core.uow() as uow:
                latest = uow.discussions.latest_for_group(group.id)
            if article_id is None and latest is not None:
                article_id = latest.article_id
            if latest is not None and latest.article_id == article_id:
                discussion_open = latest.is_open
            elif article_id is not None:
                discussion_open = False
        link = self.core.archive_link(group.key, article_id) if group is not None and article_id else None
        config = self.core.config
        if link is None and not self._told_no_links and (config.web_url is None or config.secret_key is None):
            # Members are told only that there is no page; the operator, who can change it, is told how.
            self._told_no_links = True
            log.warning("/archive has no links to give: set ATOU_WEB_URL and ATOU_SECRET_KEY to send them")
        return messages.archive_doc(lang, link=link, discussion_open=discussion_open)


def _page_number(args: tuple[str, ...]) -> int:
    if not args:
        return 1
    if len(args) == 1 and args[0].isdigit() and int(args[0]) >= 1:
        return int(args[0])
    raise UserError(N_("“{text}” is not a page number: use 1, 2, 3 …"), text=" ".join(args))
