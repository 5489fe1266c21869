"""Every message the engine itself says, as neutral documents in the group's language.

Message ids are English (`_("…")` and `N_("…")` mark them for extraction, `ngettext("…", "…", n)`
marks text with a count, which takes the language's plural form); placeholders are filled in after
translation, so translators can move them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from bot.model import Article
from bot.render.document import Action, ActionKind, Button, Document, Para, ParaKind, Span, encode_action
from bot.render.i18n import (
    DEFAULT_LANG,
    N_,
    Lang,
    convert_article_text,
    join_list,
    language_name,
    parse_lang,
    plural_translator,
    translator,
)
from bot.scheduling.schedule import Schedule, ScheduleError, describe_days, offset_label
from bot.services import catalog
from bot.services.domain import Group, ReplyStat, UserError

Translate = Callable[[str], str]
TranslatePlural = Callable[[str, str, int], str]

LANG_CODES = tuple(lang.value for lang in Lang)


def lang_of(code: str) -> Lang:
    """The UI language for a stored code; an unknown code falls back to the default, Simplified Chinese."""
    return parse_lang(code) or DEFAULT_LANG


def tr(code: str) -> Translate:
    return translator(lang_of(code))


def ntr(code: str) -> TranslatePlural:
    """The ngettext function for a stored language code: singular, plural, count → the form for the count."""
    return plural_translator(lang_of(code))


# The pause reasons stored when the operator (from the shell) or an admin (/pause) gives none; stored
# in the group's language at the time.
OPERATOR_PAUSE = N_("paused by the operator")
ADMIN_PAUSE = N_("paused by an admin")


def _p(text: str, *, bold: bool = False) -> Para:
    return Para((Span(text, bold=bold),))


def _h(text: str) -> Para:
    return Para((Span(text, bold=True),), ParaKind.HEADING)


def _li(*spans: Span) -> Para:
    return Para(tuple(spans), ParaKind.LIST_ITEM)


def say(text: str) -> Document:
    """A one-paragraph message (already translated)."""
    return Document((_p(text),))


def _say(lang: str, msgid: str, /, **fields: object) -> Document:
    """A one-paragraph message: `msgid` (marked with `N_`) in `lang`, its placeholders filled."""
    text = tr(lang)(msgid)
    return say(text.format(**fields) if fields else text)


def explain(error: UserError | ScheduleError, lang: str) -> Document:
    _ = tr(lang)
    return say(_(error.template).format(**error.params))


def help_doc(lang: str) -> Document:
    _ = tr(lang)

    def rows(commands: Sequence[catalog.Command]) -> list[Para]:
        return [_li(Span(c.usage_in(_), code=True), Span(" — " + _(c.help))) for c in commands]

    return Document(
        (
            _h(_("Commands for everyone")),
            *rows(catalog.MEMBER_COMMANDS),
            _h(_("Commands for admins")),
            *rows(catalog.ADMIN_COMMANDS),
            _p(_("To discuss, reply to a prompt (or to a reply to it); your reply goes into the archive.")),
        )
    )


def welcome_doc(lang: str) -> Document:
    _ = tr(lang)
    return Document(
        (
            _p(_("Hello! I post one article a day here, with prompts to discuss.")),
            _p(
                _(
                    "Admins: set the time with /schedule HH:MM [TZ] [days]. Everyone: /help lists what I can do."
                )
            ),
        )
    )


def refusal(lang: str, command: str) -> Document:
    return _say(
        lang, N_("Only admins of this group can use /{command}; nothing was changed."), command=command
    )


def refusal_button(lang: str) -> Document:
    return _say(lang, N_("Only admins of this group can press this button; nothing was changed."))


def unknown_command(lang: str, name: str) -> Document:
    return _say(lang, N_("There is no command /{name}. /help lists the commands."), name=name)


def days_in(lang: str, schedule: Schedule) -> str:
    """The schedule's days as the group reads them: 每天, 周一至周五 (週一至週五), or mon-fri in English."""
    language = lang_of(lang)
    text = describe_days(schedule.days, language is not Lang.EN)
    return convert_article_text(text, language)


def schedule_doc(lang: str, group: Group, next_at: datetime | None) -> Document:
    _ = tr(lang)
    s = group.schedule
    lines = [
        _p(
            _("Posting at {time} ({zone}), days: {days}.").format(
                time=s.post_time.strftime("%H:%M"), zone=s.timezone, days=days_in(lang, s)
            )
        )
    ]
    if s.skip_dates:
        dates = join_list((d.isoformat() for d in sorted(s.skip_dates)), lang_of(lang))
        lines.append(_p(_("No post on: {dates}.").format(dates=dates)))
    if not group.active:
        # Reasons stored by the bot itself are message ids; an admin's own words are kept as typed.
        reason = group.paused_reason or ""
        lines.append(_p(_("Paused: {reason}. /resume posts again.").format(reason=_(reason))))
    elif next_at is not None:
        local = next_at.astimezone(s.zone)
        # A UTC offset rather than %Z: zone abbreviations are English (CST, CET) and ambiguous.
        offset = offset_label(local.utcoffset() or timedelta(0))
        lines.append(_p(_("Next post: {when} ({offset}).").format(when=f"{local:%Y-%m-%d %H:%M}", offset=offset)))
    return Document(tuple(lines))


def status_doc(
    lang: str,
    group: Group,
    next_at: datetime | None,
    *,
    current: Article | None,
    current_open: bool,
    replies: int,
    queued: int,
    sees_all_messages: bool | None = None,
) -> Document:
    """`sees_all_messages`: what the platform says the bot sees in the chat (None: it does not say)."""
    _, ngettext = tr(lang), ntr(lang)
    paras = list(schedule_doc(lang, group, next_at).paras)
    if current is not None:
        state = _("open") if current_open else _("closed")
        paras.append(
            _p(
                ngettext(
                    "Current article: {title} (discussion {state}, {count} reply).",
                    "Current article: {title} (discussion {state}, {count} replies).",
                    replies,
                ).format(title=current.title, state=state, count=replies)
            )
        )
    paras.append(_p(_("Articles waiting in the queue: {count}.").format(count=queued)))
    if sees_all_messages is True:
        paras.append(_p(_("I see every message in this chat.")))
    elif sees_all_messages is False:
        paras.append(
            _p(
                _(
                    "I see only commands, replies to my messages and mentions here (privacy mode): replies "
                    "to the prompts are recorded, other messages are not."
                )
            )
        )
    return Document(tuple(paras))


def queue_doc(lang: str, titles: Sequence[tuple[int, str, str]]) -> Document:
    """`titles`: (queue position, article id, title) of the articles the group gets next, in order."""
    _ = tr(lang)
    if not titles:
        return say(_("The queue is empty: nothing is left to post to this group."))
    items = [_li(Span(f"{pos}. "), Span(aid, code=True), Span(" " + title)) for pos, aid, title in titles]
    buttons = (
        Button(_("Post now"), Action(ActionKind.ADMIN, arg=catalog.AdminAction.POST_NOW)),
        Button(_("Skip next"), Action(ActionKind.ADMIN, arg=catalog.AdminAction.SKIP)),
    )
    return Document((_h(_("Next in the queue")), *items), (buttons,))


DRAFTS_SHOWN = 5  # one row of buttons each: Discord shows at most five rows


def drafts_doc(lang: str, drafts: Sequence[tuple[str, str]], group_id: int) -> Document:
    """`drafts`: (id, title) of the drafts waiting for review, oldest first; each gets its buttons,
    which carry the group they are reviewed for (a press in a private chat is checked against it)."""
    _ = tr(lang)
    if not drafts:
        return say(_("No drafts are waiting for review."))
    shown = drafts[:DRAFTS_SHOWN]
    items = [_li(Span(f"{n}. "), Span(did, code=True), Span(" " + title)) for n, (did, title) in enumerate(shown, 1)]
    if len(drafts) > len(shown):
        items.append(_p(_("{count} more wait: approve these first.").format(count=len(drafts) - len(shown))))
    rows = tuple(_review_buttons(lang, did, group_id, n) for n, (did, _title) in enumerate(shown, 1))
    return Document((_h(_("Drafts waiting for review")), *items), rows)


def _review_buttons(lang: str, draft_id: str, group_id: int, number: int | None = None) -> tuple[Button, ...]:
    """Approve / Reject / Redraft of one draft (numbered as its place in a listing)."""
    _ = tr(lang)
    labels = (
        (_("Approve"), _("Reject"), _("Redraft"))
        if number is None
        else tuple(label.format(number=number) for label in (_("Approve {number}"), _("Reject {number}"), _("Redraft {number}")))
    )
    kinds = (catalog.AdminAction.APPROVE_DRAFT, catalog.AdminAction.REJECT_DRAFT, catalog.AdminAction.REDRAFT)
    longest = Action(ActionKind.ADMIN, draft_id, page=group_id, arg=max(kinds, key=len))
    # The group rides along where it fits a button's payload (a long draft id and a large group id
    # may not): without it a press counts only in the group's own chat, where it is known anyway.
    try:
        encode_action(longest)
    except ValueError:  # over the payload's bytes
        group_id = 0
    return tuple(
        Button(label, Action(ActionKind.ADMIN, draft_id, page=group_id, arg=kind)) for label, kind in zip(labels, kinds, strict=True)
    )


def draft_offer_private_doc(lang: str, group_title: str, draft_id: str, title: str, source: str, group_id: int) -> Document:
    """A new draft, offered privately to an admin of a group, with its Approve / Reject / Redraft buttons."""
    _ = tr(lang)
    heading = (
        _("A new draft waits for review (you are an admin of “{group}”)").format(group=group_title)
        if group_title
        else _("A new draft waits for review")
    )
    return Document(
        (_h(heading), _li(Span(draft_id, code=True), Span(" " + title)), _p(_("Source: {source}").format(source=source))),
        (_review_buttons(lang, draft_id, group_id),),
    )


def draft_offer_doc(lang: str, title: str) -> Document:
    """A new draft waits for review: told in the group, with a button that shows the drafts to an admin."""
    _ = tr(lang)
    button = Button(_("Review"), Action(ActionKind.ADMIN, arg=catalog.AdminAction.REVIEW_DRAFTS))
    text = _("A new draft is waiting for review: “{title}”. Admins: /drafts, or the button below.")
    return Document((_p(text.format(title=title)),), ((button,),))


def draft_reviewed_doc(lang: str, title: str, position: int | None) -> Document:
    """A draft approved (`position`: its place in the queue) or rejected (None)."""
    _ = tr(lang)
    if position is None:
        return say(_("Rejected “{title}”: it will not be posted.").format(title=title))
    return say(_("Approved “{title}”: number {position} in the queue.").format(title=title, position=position))


def redraft_doc(lang: str, title: str, done: bool | None) -> Document:
    """Redrafting a draft: started (`done` None), finished, or failed."""
    _ = tr(lang)
    if done is None:
        return say(_("Drafting “{title}” again with the model; I will say when it is done.").format(title=title))
    if done:
        return say(_("“{title}” was drafted again: /drafts to review it.").format(title=title))
    return say(_("Could not draft “{title}” again: the page or the model failed (the reason is in the bot's log).").format(title=title))


def empty_queue_doc(lang: str) -> Document:
    # The operator learns it from the log, in the words of the shell; the group is told what to do.
    return _say(
        lang,
        N_(
            "Admins: the reading queue is empty, so nothing was posted. Send an article file with /import "
            "to add one; posting continues with the next one."
        ),
    )


def queue_running_dry_doc(lang: str, left: int, dry: date) -> Document:
    """Admins are told ahead of time that the group's queue runs out: `left` articles, the first
    post that would find none on the local date `dry`."""
    ngettext = ntr(lang)
    text = ngettext(
        "Admins: only {count} article is left in the queue for this group, so the post on {date} will "
        "find nothing. Send an article file with /import to add one.",
        "Admins: only {count} articles are left in the queue for this group, so the post on {date} will "
        "find nothing. Send an article file with /import to add one.",
        left,
    )
    return say(text.format(count=left, date=dry.isoformat()))


def replies_from_people(lang: str, replies: int, people: int) -> str:
    """"12 replies from 4 participants." in `lang`."""
    _, ngettext = tr(lang), ntr(lang)
    # Two counts, each with its own plural form, so the sentence is put together from three messages.
    # Translators: {replies} is "N replies", {people} is "N participants", both translated apart.
    return _("{replies} from {people}.").format(
        replies=ngettext("{count} reply", "{count} replies", replies).format(count=replies),
        people=ngettext("{count} participant", "{count} participants", people).format(count=people),
    )


def recap_doc(lang: str, article: Article, stats: Sequence[ReplyStat], hidden: frozenset[str]) -> Document:
    """The closing message: who took part, replies per prompt, and how to get the archive."""
    _, ngettext = tr(lang), ntr(lang)
    names: dict[str, str] = {}
    for r in stats:
        if r.author_key not in hidden:
            names.setdefault(r.author_key, r.author_name)
    per_prompt = Counter(r.prompt for r in stats)
    paras = [_h(_("Discussion closed: {title}").format(title=article.title))]
    if not stats:
        paras.append(_p(_("Nobody replied this time.")))
    else:
        paras.append(_p(replies_from_people(lang, len(stats), len({r.author_key for r in stats}))))
        if names:
            paras.append(
                _p(_("Participants: {names}").format(names=join_list(names.values(), lang_of(lang))))
            )

        def count(n: int) -> str:
            return ngettext("{count} reply", "{count} replies", n).format(count=n)

        for i, prompt in enumerate(article.brief.prompts):
            paras.append(
                _li(
                    Span(_("Prompt {n}").format(n=i + 1) + _(": "), bold=True),
                    Span(_short(prompt)),
                    Span(" — " + count(per_prompt[i])),
                )
            )
        if per_prompt[None]:
            paras.append(
                _li(Span(_("Other replies") + _(": "), bold=True), Span(count(per_prompt[None])))
            )
    paras.append(_p(_("The archive: /archive; admins get it as a file with /export md, json, csv or html.")))
    return Document(tuple(paras))


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def archive_doc(lang: str, *, link: str | None, discussion_open: bool | None) -> Document:
    _ = tr(lang)
    paras = []
    if discussion_open:
        paras.append(_p(_("The discussion is still open; the archive grows with every reply.")))
    elif discussion_open is None:
        paras.append(_p(_("This group has not discussed an article yet.")))
    if link is not None:
        paras.append(Para((Span(_("Read the discussion archive"), link=link),)))
    else:
        # Why there is no link (the bot has no web address or no key) is the operator's to fix, and
        # the log says so (bot.services.reading); members only learn what they can do.
        paras.append(
            _p(
                _(
                    "There is no archive page here yet. Admins get the archive as a file with /export md, "
                    "json, csv or html."
                )
            )
        )
    return Document(tuple(paras))


def forget_confirm_doc(lang: str, member_id: str) -> Document:
    _ = tr(lang)
    return Document(
        (_p(_("Remove all your replies from every archive? This cannot be undone.")),),
        ((Button(_("Yes, forget my replies"), Action(ActionKind.FORGET, arg=member_id)),),),
    )


def forgotten_doc(lang: str, count: int) -> Document:
    ngettext = ntr(lang)
    text = ngettext(
        "Done: {count} of your replies was removed.", "Done: {count} of your replies were removed.", count
    )
    return say(text.format(count=count))


def not_yours_doc(lang: str) -> Document:
    return _say(lang, N_("This button belongs to someone else; use /forget to remove your own replies."))


def optout_doc(lang: str, opted_out: bool) -> Document:
    if opted_out:
        return _say(
            lang,
            N_("Your replies are now left out of exports and the archive page. /optout off undoes this."),
        )
    return _say(lang, N_("Your replies appear in exports and the archive page again."))


def thread_gone_doc(lang: str) -> Document:
    return _say(
        lang, N_("Admins: the topic or thread for this article is gone, so I am posting here instead.")
    )


def skipped_doc(lang: str, title: str) -> Document:
    return _say(lang, N_("Skipped: {title}. It will not be posted to this group."), title=title)


def skip_date_doc(lang: str, day: str) -> Document:
    return _say(lang, N_("No post on {date}."), date=day)


def paused_doc(lang: str, reason: str) -> Document:
    return _say(lang, N_("Paused ({reason}). /resume posts again."), reason=reason)


def resumed_doc(lang: str) -> Document:
    return _say(lang, N_("Resumed: posting on schedule again."))


def moved_doc(lang: str, article_id: str, position: int) -> Document:
    return _say(lang, N_("Moved {id} to position {position} of the queue."), id=article_id, position=position)


def lang_doc(lang: str) -> Document:
    """The answer to /lang, in the new language, naming it as its readers do (繁體中文, not zh-Hant)."""
    return _say(lang, N_("From now on I speak {lang} here."), lang=language_name(lang_of(lang)))


def personas_doc(lang: str, group: Group) -> Document:
    _ = tr(lang)
    if not group.personas:
        return say(_("No personas set. /persona NAME @member mentions a member with the note for NAME."))
    items = [
        _li(Span(name + " → "), Span("@" + m.display_name)) for name, m in sorted(group.personas.items())
    ]
    return Document((_h(_("Personas")), *items))


def persona_set_doc(lang: str, name: str, member_name: str) -> Document:
    return _say(lang, N_("The note for {name} now mentions {member}."), name=name, member=member_name)


def persona_removed_doc(lang: str, name: str) -> Document:
    return _say(lang, N_("The note for {name} mentions nobody now."), name=name)


def closed_none_doc(lang: str) -> Document:
    return _say(lang, N_("There is no open discussion to close."))


def export_caption(lang: str, title: str, fmt: str) -> str:
    _ = tr(lang)
    return _("Discussion archive of {title} ({format})").format(title=title, format=fmt)


def nothing_to_read_doc(lang: str) -> Document:
    return _say(lang, N_("There is no article yet: the first one comes with the first post."))


def imported_doc(lang: str, article: Article, position: int, *, replaced: bool) -> Document:
    if replaced:
        return _say(
            lang,
            N_("Replaced {id}: {title}. It keeps its place in the queue ({position})."),
            id=article.id,
            title=article.title,
            position=position,
        )
    return _say(
        lang,
        N_("Imported {id}: {title}. It is number {position} in the queue."),
        id=article.id,
        title=article.title,
        position=position,
    )


def registered_doc(lang: str) -> Document:
    return _say(lang, N_("This chat is now set up for daily posts; /schedule sets when."))


# A discussion's generated synthesis, held for an admin's review --------------------------------


def synthesis_notice_doc(lang: str, group_id: int, discussion_id: int) -> Document:
    """Posted after a recap whose synthesis waits for review; its button is admin-only (checked on the press)."""
    _ = tr(lang)
    label = _("Review the generated synthesis")
    button = Button(label, synthesis_action(catalog.AdminAction.REVIEW_SYNTHESIS, group_id, discussion_id))
    text = _("A generated synthesis of this discussion waits for an admin's review.")
    return Document((Para((Span(text, italic=True),)),), buttons=((button,),))


def synthesis_draft_button(lang: str, group_id: int, discussion_id: int) -> Button:
    """Under an admin's /catchup: have the model draft a summary, shown privately to review."""
    label = tr(lang)(N_("Draft a generated summary"))
    return Button(label, synthesis_action(catalog.AdminAction.DRAFT_SYNTHESIS, group_id, discussion_id))


def synthesis_action(kind: catalog.AdminAction, group_id: int, discussion_id: int) -> Action:
    # The group's id rides along so a press in a private chat still knows its group.
    return Action(ActionKind.ADMIN, str(discussion_id), page=group_id, arg=kind)


def synthesis_review_doc(lang: str, synthesis: Sequence[Para], group_id: int, discussion_id: int) -> Document:
    """The synthesis, shown privately to an admin, with Approve / Reject."""
    _ = tr(lang)
    note = Para((Span(_("Only you see this. Approve posts it in the group, marked as generated."), italic=True),))
    kinds = (catalog.AdminAction.APPROVE_SYNTHESIS, catalog.AdminAction.REJECT_SYNTHESIS)
    labels = (_("Approve and post"), _("Reject"))
    row = tuple(
        Button(label, synthesis_action(kind, group_id, discussion_id)) for label, kind in zip(labels, kinds, strict=True)
    )
    return Document((*synthesis, note), buttons=(row,))


def synthesis_gone(lang: str) -> Document:
    return _say(lang, N_("There is no generated synthesis to review for this discussion."))


def synthesis_posted(lang: str) -> Document:
    return _say(lang, N_("The generated synthesis is posted in the group."))


def synthesis_already_posted(lang: str) -> Document:
    return _say(lang, N_("The generated synthesis was already approved and posted."))


def synthesis_rejected(lang: str) -> Document:
    return _say(lang, N_("The generated synthesis is discarded; nothing was posted."))
