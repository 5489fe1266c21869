"""Commands and admin buttons: the same names on every platform, admin rights checked on every call."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from bot.archive.export import ARCHIVE_FORMATS, export_archive, export_filename
from bot.protocol import AccessReporter, ButtonEvent, CommandEvent, Member
from bot.render.document import Document, Mention
from bot.render.i18n import N_
from bot.scheduling.schedule import (
    Schedule,
    ScheduleError,
    parse_date,
    schedule_from_args,
)
from bot.services import catalog, catchup, file_import, groups, messages, outbox
from bot.services.answers import Answers
from bot.services.core import Core
from bot.services.discussions import Discussions
from bot.services.domain import Discussion, Group, ReplyStat, UserError, author_key, synthesis_slot
from bot.services.posting import Outcome, Poster, next_post_at
from bot.services.reading import Reading

log = logging.getLogger(__name__)

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
QUEUE_SHOWN = 10


SYNTHESIS_ACTIONS = (
    catalog.AdminAction.DRAFT_SYNTHESIS,
    catalog.AdminAction.REVIEW_SYNTHESIS,
    catalog.AdminAction.APPROVE_SYNTHESIS,
    catalog.AdminAction.REJECT_SYNTHESIS,
)

class Commands:
    def __init__(
        self, core: Core, poster: Poster, discussions: Discussions, reading: Reading, answers: Answers
    ) -> None:
        self.core = core
        self.answers = answers
        self.poster = poster
        self.discussions = discussions
        self.reading = reading
        self._background: set[asyncio.Task[None]] = set()  # redrafts under way (kept from the collector)

    async def is_admin(self, event: CommandEvent | ButtonEvent) -> bool:
        return await self.core.platform(event.chat).is_admin(event.chat, event.author)

    async def handle(self, event: CommandEvent) -> None:
        found = groups.find(self.core, event.chat)
        group = found.group if found is not None else None
        lang = group.lang if group is not None else self.core.config.default_lang
        name = event.name
        command = catalog.find(name)
        if command is None:
            await event.respond(messages.unknown_command(lang, name), private=True)
            return
        try:
            if command.admin:
                if not await self.is_admin(event):
                    await event.respond(messages.refusal(lang, name), private=True)
                    return
                if group is None:  # an admin's first command sets the chat up
                    group, created = groups.register(self.core, event.chat, "")
                    if created:  # said once, though several first commands may come at once
                        await event.respond(messages.registered_doc(lang))
                await self.handler(command)(event, group)
            else:
                await self.handler(command)(event, group, lang)
        except (UserError, ScheduleError) as error:
            await event.respond(messages.explain(error, lang), private=True)

    def handler(self, command: catalog.Command) -> Callable[..., Awaitable[None]]:
        """The method that runs `command`: `_admin_NAME(event, group)` for an admin command (the group
        exists by then), `_member_NAME(event, group or None, lang)` for the others."""
        handler: Callable[..., Awaitable[None]] = getattr(
            self, f"_{'admin' if command.admin else 'member'}_{command.name}"
        )
        return handler

    # Members --------------------------------------------------------------------------------

    async def _read(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        await self.reading.on_command(event, group, lang)

    _member_brief = _member_bilingual = _member_translation = _member_original = _read

    async def _member_help(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        await event.respond(messages.help_doc(lang))

    async def _member_para(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        # In the chat, not privately: members reply to it to discuss the paragraph.
        await event.respond(self.reading.paragraph(group, lang, event.args))

    async def _member_catchup(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        await event.respond(await self._catchup(event, group, lang), private=True)

    async def _catchup(self, event: CommandEvent, group: Group | None, lang: str) -> Document:
        latest, stats, hidden = self._latest_replies(group)
        article = self.core.articles.get(latest.article_id) if latest is not None else None
        if group is None or latest is None or article is None:
            return catchup.no_discussion_doc(lang)
        summary = catchup.catch_up(article, stats, hidden)
        doc = catchup.catchup_doc(lang, article, summary, is_open=latest.is_open)
        # Model text only once an admin approved it: nothing generated reaches a member unapproved.
        approved = self.discussions.synthesis_paras(latest.id, lang) if latest.synthesis_approved else None
        if approved is not None:
            return Document((*doc.paras, *approved), doc.buttons)
        if self.core.model is not None and stats and await self.is_admin(event):
            # An admin may have one drafted, to review privately before anything is shared.
            button = messages.synthesis_draft_button(lang, group.id, latest.id)
            return Document(doc.paras, (*doc.buttons, (button,)))
        return doc

    def _latest_replies(
        self, group: Group | None
    ) -> tuple[Discussion | None, list[ReplyStat], frozenset[str]]:
        """The group's latest discussion, its replies and who opted out."""
        if group is None:
            return None, [], frozenset()
        with self.core.uow() as uow:
            latest = uow.discussions.latest_for_group(group.id)
            stats = uow.discussions.reply_stats(latest.id) if latest is not None else []
            hidden = uow.discussions.opted_out()
        return latest, stats, hidden

    async def _member_archive(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        await event.respond(self.reading.archive(group, lang))

    async def _member_status(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        await event.respond(await self._status(event, group, lang))

    async def _member_forget(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        await event.respond(messages.forget_confirm_doc(lang, event.author.id), private=True)

    async def _member_optout(self, event: CommandEvent, group: Group | None, lang: str) -> None:
        on = not (event.args and event.args[0].casefold() in ("off", "no", "undo"))
        self.discussions.opt_out(author_key(event.chat.platform, event.author), on)
        await event.respond(messages.optout_doc(lang, on), private=True)

    async def _status(self, event: CommandEvent, group: Group | None, lang: str) -> Document:
        if group is None:
            return messages.say(
                messages.tr(lang)("This chat is not set up yet: an admin's first command sets it up.")
            )
        latest, stats, _ = self._latest_replies(group)
        with self.core.uow() as uow:
            done = uow.postings.progress(group.id)
        queue = self.core.articles.queue_ids()
        current = self.core.articles.get(latest.article_id) if latest is not None else None
        platform = self.core.platform(event.chat)
        access = await platform.chat_access(group.chat) if isinstance(platform, AccessReporter) else None
        doc = messages.status_doc(
            lang,
            group,
            next_post_at(group, self.core.clock.now()),
            current=current,
            current_open=latest is not None and latest.is_open,
            replies=len(stats),
            queued=sum(1 for a in queue if a not in done),
            sees_all_messages=access.sees_all_messages if access is not None else None,
        )
        if current is None:
            return doc
        return Document((*doc.paras, *catchup.per_paragraph(lang, current, stats)), doc.buttons)

    # Admins ---------------------------------------------------------------------------------

    async def _admin_schedule(self, event: CommandEvent, group: Group) -> None:
        if not event.args:
            await event.respond(
                messages.schedule_doc(group.lang, group, next_post_at(group, self.core.clock.now()))
            )
            return
        now = self.core.clock.now()
        changed = groups.reschedule(self.core, group.id, schedule_from_args(event.args, group.schedule))
        assert changed is not None
        await event.respond(messages.schedule_doc(changed.lang, changed, next_post_at(changed, now)))

    async def _admin_pause(self, event: CommandEvent, group: Group) -> None:
        reason = " ".join(event.args) or messages.tr(group.lang)(messages.ADMIN_PAUSE)
        groups.pause(self.core, group.id, reason)
        await event.respond(messages.paused_doc(group.lang, reason))

    async def _admin_resume(self, event: CommandEvent, group: Group) -> None:
        groups.resume(self.core, group.id)
        await event.respond(messages.resumed_doc(group.lang))

    async def _admin_skip(self, event: CommandEvent, group: Group) -> None:
        arg = event.args[0] if event.args else None
        if arg is not None and DATE_RE.match(arg) and self.core.articles.get(arg) is None:
            day = parse_date(arg)
            today = group.schedule.local_date(self.core.clock.now())
            if day < today:
                raise UserError(N_("{date} has passed; give today or a later date."), date=day.isoformat())

            def add_skip(g: Group) -> None:
                g.schedule = Schedule(
                    g.schedule.timezone, g.schedule.post_time, g.schedule.days, g.schedule.skip_dates | {day}
                )

            groups.change(self.core, group.id, add_skip)
            await event.respond(messages.skip_date_doc(group.lang, day.isoformat()))
            return
        article_id = arg or self.poster.next_article_id(group.id)
        if article_id is None:
            await event.respond(messages.queue_doc(group.lang, []))
            return
        article = self.core.articles.get(article_id)
        if article is None:
            raise UserError(N_("There is no article “{id}”; /queue lists the next ones."), id=article_id)
        with self.core.uow() as uow:
            skipped = uow.postings.skip_article(group.id, article_id, self.core.clock.now())
            uow.commit()
        if not skipped:
            raise UserError(N_("{id} was posted or skipped here already."), id=article_id)
        await event.respond(messages.skipped_doc(group.lang, article.title))

    async def _admin_postnow(self, event: CommandEvent | ButtonEvent, group: Group) -> None:
        result = await self.poster.post_now(group.id)
        if result.outcome is Outcome.EMPTY:
            await event.respond(messages.queue_doc(group.lang, []))
        elif result.outcome is Outcome.TAKEN:
            raise UserError(N_("Another post to this group is under way; try again in a minute."))

    async def _admin_queue(self, event: CommandEvent, group: Group) -> None:
        await event.respond(self._queue(group))

    def _queue(self, group: Group) -> Document:
        queue = self.core.articles.queue_ids()
        with self.core.uow() as uow:
            done = uow.postings.progress(group.id)
        upcoming = [(pos, aid) for pos, aid in enumerate(queue, start=1) if aid not in done][:QUEUE_SHOWN]
        rows = []
        for pos, aid in upcoming:
            article = self.core.articles.get(aid)
            rows.append((pos, aid, article.title if article is not None else ""))
        return messages.queue_doc(group.lang, rows)

    async def _admin_drafts(self, event: CommandEvent | ButtonEvent, group: Group) -> None:
        pending = self.core.drafts.pending() if self.core.drafts is not None else []
        await event.respond(messages.drafts_doc(group.lang, pending, group.id), private=True)

    def _review(self, group: Group, draft_id: str, approve: bool) -> Document:
        """Approve or reject a draft; a draft already reviewed (or gone) is a user error."""
        if self.core.drafts is None:
            raise UserError(N_("No drafts are waiting for review."))
        title = dict(self.core.drafts.pending()).get(draft_id)
        if title is None:
            raise UserError(N_("That draft was already reviewed, or is gone."))
        try:
            if approve:
                article = self.core.drafts.approve(draft_id)
                position = self.core.articles.queue_ids().index(article.id) + 1
                return messages.draft_reviewed_doc(group.lang, title, position)
            self.core.drafts.reject(draft_id)
        except (LookupError, ValueError) as exc:
            raise UserError(N_("That draft was already reviewed, or is gone.")) from exc
        return messages.draft_reviewed_doc(group.lang, title, None)

    async def _redraft(self, event: ButtonEvent, group: Group, draft_id: str) -> None:
        """Start drafting again in the background (a model takes a while); answer when it is done."""
        title = dict(self.core.drafts.pending()).get(draft_id) if self.core.drafts is not None else None
        if self.core.drafts is None or title is None:
            raise UserError(N_("That draft was already reviewed, or is gone."))
        review = self.core.drafts

        async def run() -> None:
            try:
                done = await review.redraft(draft_id)
            except Exception:
                log.exception("redrafting %s failed", draft_id)
                done = False
            await event.respond(messages.redraft_doc(group.lang, title, done), private=True)

        if not review.can_redraft():
            raise UserError(N_("Drafting again needs a model, and none is configured."))
        await event.respond(messages.redraft_doc(group.lang, title, None), private=True)
        task = asyncio.create_task(run(), name=f"atou-redraft-{draft_id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _admin_move(self, event: CommandEvent, group: Group) -> None:
        usage = N_(
            "Use /move ID POS, e.g. /move {example} 1 (POS counts from 1 = next; /queue shows the ids)."
        )
        queue = self.core.articles.queue_ids()
        example = queue[-1] if queue else "article-id"
        if len(event.args) != 2 or not event.args[1].isdigit() or int(event.args[1]) < 1:
            raise UserError(usage, example=example)
        article_id, position = event.args[0], int(event.args[1])
        if article_id not in queue:
            raise UserError(N_("There is no article “{id}”; /queue lists the next ones."), id=article_id)
        if position > len(queue):
            raise UserError(
                N_("Position {position} is past the end of the queue: choose a number from 1 to {last}."),
                position=position,
                last=len(queue),
            )
        self.core.articles.move(article_id, position)
        await event.respond(messages.moved_doc(group.lang, article_id, position))

    async def _admin_close(self, event: CommandEvent, group: Group) -> None:
        closed = await self.discussions.close_group(group.id)
        if not closed:
            await event.respond(messages.closed_none_doc(group.lang))

    async def _admin_export(self, event: CommandEvent, group: Group) -> None:
        fmt = (event.args[0] if event.args else "md").casefold().lstrip(".")
        if fmt not in ARCHIVE_FORMATS:
            raise UserError(
                N_("“{text}” is not an export format: use md, json, csv or html."), text=event.args[0]
            )
        article_id = event.args[1] if len(event.args) > 1 else None
        if article_id is None:
            current = self.reading.current_article(group)
            article_id = current.id if current is not None else None
        archive = self.discussions.archive(article_id, group.id) if article_id else None
        if archive is None:
            raise UserError(
                N_("There is no article “{id}”; /queue lists the next ones."), id=article_id or ""
            )
        data = export_archive(archive, fmt)
        filename = export_filename(archive.article.id, fmt)
        caption = messages.export_caption(group.lang, archive.article.title, fmt)
        await self.answers.send_file(event, filename, data, caption)

    async def _admin_persona(self, event: CommandEvent, group: Group) -> None:
        words = [a for a in event.args if not a.startswith("@")]
        name = " ".join(words).strip()
        if not name:
            await event.respond(messages.personas_doc(group.lang, group))
            return
        member: Member | None = event.mentions[0] if event.mentions else None

        def set_persona(g: Group) -> None:
            if member is None:
                g.personas.pop(name, None)
            else:
                g.personas[name] = Mention(member.id, member.display_name)

        groups.change(self.core, group.id, set_persona)
        if member is None:
            await event.respond(messages.persona_removed_doc(group.lang, name))
        else:
            await event.respond(messages.persona_set_doc(group.lang, name, member.display_name))

    async def _admin_import(self, event: CommandEvent, group: Group) -> None:
        done = await file_import.import_attachment(self.core, event.attachment, event.args)
        await event.respond(messages.imported_doc(group.lang, done.article, done.position, replaced=done.replaced))

    async def _admin_lang(self, event: CommandEvent, group: Group) -> None:
        code = event.args[0] if event.args else ""
        match = next((c for c in messages.LANG_CODES if c.casefold() == code.casefold()), None)
        if match is None:
            raise UserError(N_("“{text}” is not a language I speak: use zh-Hans, zh-Hant or en."), text=code)

        def set_lang(g: Group) -> None:
            g.lang = match

        groups.change(self.core, group.id, set_lang)
        await event.respond(messages.lang_doc(match))

    # Buttons ------------------------------------------------------------------------------

    async def on_admin_button(self, event: ButtonEvent, group: Group | None) -> None:
        chat = event.chat
        if group is None and event.action.page:  # a draft's button in a private chat: for this group
            group = self._group_of_button(event)
            chat = group.chat if group is not None else chat
        lang = group.lang if group is not None else self.core.config.default_lang
        if group is None or not await self.core.platform(chat).is_admin(chat, event.author):
            await event.respond(messages.refusal_button(lang), private=True)
            return
        try:
            if event.action.arg == catalog.AdminAction.POST_NOW:
                await self._admin_postnow(event, group)
            elif event.action.arg == catalog.AdminAction.SKIP:
                await self._admin_skip(
                    CommandEvent(
                        chat=event.chat, at=event.at, respond=event.respond, author=event.author, name="skip"
                    ),
                    group,
                )
                await event.respond(self._queue(group), replace=True)
            elif event.action.arg == catalog.AdminAction.REVIEW_DRAFTS:
                await self._admin_drafts(event, group)
            elif event.action.arg == catalog.AdminAction.REDRAFT:
                await self._redraft(event, group, event.action.article_id)
            elif event.action.arg in (catalog.AdminAction.APPROVE_DRAFT, catalog.AdminAction.REJECT_DRAFT):
                approve = event.action.arg == catalog.AdminAction.APPROVE_DRAFT
                await event.respond(self._review(group, event.action.article_id, approve), private=True)
            elif event.action.arg in SYNTHESIS_ACTIONS:
                await self._synthesis_button(event, group, catalog.AdminAction(event.action.arg))
        except (UserError, ScheduleError) as error:
            await event.respond(messages.explain(error, lang), private=True)

    async def _synthesis_button(self, event: ButtonEvent, group: Group, kind: catalog.AdminAction) -> None:
        """Review, approve (post once, marked as generated) or reject a discussion's held synthesis."""
        lang = group.lang
        number = event.action.article_id
        if kind == catalog.AdminAction.DRAFT_SYNTHESIS and number.isdigit():
            await self.discussions.draft_synthesis(int(number), lang)
        with self.core.uow() as uow:
            discussion = uow.discussions.get(int(number)) if number.isdigit() else None
        if discussion is None or discussion.group_id != group.id or discussion.synthesis is None:
            await event.respond(messages.synthesis_gone(lang), private=True)
            return
        if discussion.synthesis_approved:
            await event.respond(messages.synthesis_already_posted(lang), private=True)
            return
        if kind == catalog.AdminAction.REJECT_SYNTHESIS:
            self.discussions.set_synthesis(discussion.id, None)
            await event.respond(messages.synthesis_rejected(lang), private=True)
            return
        paras = self.discussions.synthesis_paras(discussion.id, lang)
        if paras is None:
            await event.respond(messages.synthesis_gone(lang), private=True)
            return
        if kind in (catalog.AdminAction.REVIEW_SYNTHESIS, catalog.AdminAction.DRAFT_SYNTHESIS):
            await event.respond(messages.synthesis_review_doc(lang, paras, group.id, discussion.id), private=True)
            return
        today = group.schedule.local_date(self.core.clock.now())
        claim = outbox.claim_once(self.core, group.id, synthesis_slot(discussion.id), today)
        if claim is None:  # pressed twice, or by two admins at once: posted by the other press
            await event.respond(messages.synthesis_already_posted(lang), private=True)
            return
        try:
            await self.core.send(group.chat, Document(tuple(paras)))
        except Exception as exc:
            outbox.fail(self.core, claim, f"{type(exc).__name__}: {exc}")
            raise
        outbox.finish(self.core, claim)
        self.discussions.set_synthesis(discussion.id, discussion.synthesis, approved=True)
        await event.respond(messages.synthesis_posted(lang), private=True)

    def _group_of_button(self, event: ButtonEvent) -> Group | None:
        """The group a button pressed outside it was sent for (its id in the action), on the same platform."""
        with self.core.uow() as uow:
            group = uow.groups.get(event.action.page)
        return group if group is not None and group.platform == event.chat.platform else None

    async def on_forget_button(self, event: ButtonEvent, group: Group | None) -> None:
        lang = group.lang if group is not None else self.core.config.default_lang
        if event.action.arg != event.author.id:
            await event.respond(messages.not_yours_doc(lang), private=True)
            return
        count = self.discussions.forget(author_key(event.chat.platform, event.author))
        await event.respond(messages.forgotten_doc(lang, count), replace=True)
