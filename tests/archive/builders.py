"""Synthetic archives for the archive and web tests: several groups and platforms, edits, deletions,
an opted-out member, @mentions and hostile text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine

from bot.archive.model import Archive, ArchivedDiscussion, ArchivedReply
from bot.model import Article, BilingualPair, Block, BlockKind, Brief, KeyPoint, RelevanceNote
from bot.scheduling.schedule import Schedule
from bot.services.domain import Discussion, Group, NewReply, Posting, PostingStatus

T0 = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
SCRIPT = '<script>alert("x")</script>'
HOSTILE = f"{SCRIPT} @everyone @here \"quoted\" 'single' & <b>bold</b> <img src=x onerror=alert(1)>"


def article(article_id: str = "ai-rd", *, title: str = "AI 研发自动化的边界") -> Article:
    return Article(
        id=article_id,
        title=title,
        source_url="https://example.org/essay",
        published=date(2026, 6, 5),
        brief=Brief(
            headline="执行层在变，方向层未变",
            verdict="一个简短的判断，用来测试简报页。",
            key_points=(KeyPoint("要点一", "要点一的说明。"), KeyPoint("要点二", "要点二的说明。")),
            relevance=(RelevanceNote("对读书会", "下一步怎么用。"),),
            prompts=("第一题：哪些环节已经自动化？", "第二题：瓶颈移到了哪里？", "第三题：你同意作者吗？"),
        ),
        original=(
            Block(BlockKind.HEADING, "A heading"),
            Block(BlockKind.PARAGRAPH, "The first paragraph of the original."),
            Block(BlockKind.PARAGRAPH, "The second paragraph of the original."),
        ),
        translation=(
            Block(BlockKind.HEADING, "一个标题"),
            Block(BlockKind.PARAGRAPH, "原文第一段的译文。"),
            Block(BlockKind.PARAGRAPH, "原文第二段的译文。"),
        ),
        bilingual=(
            BilingualPair(Block(BlockKind.HEADING, "A heading"), Block(BlockKind.HEADING, "一个标题")),
            BilingualPair(
                Block(BlockKind.PARAGRAPH, "The first paragraph of the original."),
                Block(BlockKind.PARAGRAPH, "原文第一段的译文。"),
            ),
            BilingualPair(Block(BlockKind.IMAGE_CAPTION, "An English-only caption"), None),
            BilingualPair(
                Block(BlockKind.PARAGRAPH, "The second paragraph of the original."),
                Block(BlockKind.PARAGRAPH, "原文第二段的译文。"),
            ),
        ),
    )


@dataclass
class DiscussionBuilder:
    """Adds replies one minute apart, each answering a prompt or another reply."""

    group_key: str
    group_title: str
    platform: str
    opened_at: datetime = T0
    closed_at: datetime | None = None
    id_base: int = 0
    replies: list[ArchivedReply] = field(default_factory=list)
    _next_id: int = 1

    def say(
        self,
        author: str,
        text: str,
        *,
        prompt: int | None = 0,
        answers: ArchivedReply | None = None,
        minutes: int | None = None,
        key: str | None = None,
        history: tuple[str, ...] = (),
        deleted: bool = False,
        paragraph: int | None = None,
    ) -> ArchivedReply:
        number = self._next_id
        self._next_id += 1
        reply = ArchivedReply(
            id=self.id_base + number,
            author_key=key or f"{self.platform}:{author.lower()}",
            author_name=author,
            text=text,
            at=self.opened_at + timedelta(minutes=number if minutes is None else minutes),
            prompt=answers.prompt if answers is not None else prompt,
            message_id=f"{self.group_key}#{number}",
            reply_to_message_id=None if answers is None else answers.message_id,
            history=history,
            deleted=deleted,
            paragraph=paragraph,
        )
        self.replies.append(reply)
        return reply

    def build(self) -> ArchivedDiscussion:
        return ArchivedDiscussion(
            self.group_key,
            self.group_title,
            self.platform,
            self.opened_at,
            self.closed_at,
            tuple(self.replies),
        )


@dataclass(frozen=True)
class SampleArchive:
    archive: Archive
    visible: tuple[ArchivedReply, ...]  # what every export must show (no deletion, no opted-out author)
    hidden: tuple[ArchivedReply, ...]  # what no export may show


def sample_archive() -> SampleArchive:
    """Two groups on two platforms; Dave opted out; one deleted reply; threads, edits, mentions, hostile text."""
    tg = DiscussionBuilder("telegram:-1001", "读书会 Telegram", "telegram", closed_at=T0 + timedelta(days=7))
    a1 = tg.say("Alice", "执行层确实在被自动化。@Bob 你怎么看？", prompt=0)
    b1 = tg.say("Bob", "同意 @Alice，但方向层没有。", answers=a1)
    tg.say("Alice", "方向层要靠判断力。", answers=b1, history=("方向层靠判断。",))
    d1 = tg.say("Dave", "Dave 的私人意见", prompt=1)
    tg.say("Carol", f"回复 @Dave：{HOSTILE}", prompt=1)
    tg.say("Bob", "我删掉了这条", prompt=2, deleted=True)
    tg.say("Carol", "=SUM(A1:A9) 不是公式", prompt=None)
    tg.say("Bob", "回复那条后来隐藏的话", answers=d1)  # its parent is hidden: it starts its own thread
    dc = DiscussionBuilder(
        "discord:42/77", "Reading club", "discord", opened_at=T0 + timedelta(days=1), id_base=100
    )
    e1 = dc.say("Eve", "A Discord reply, second day.", prompt=2)
    dc.say("Alice", "Same display name, another member. @Eve", answers=e1, key="discord:alice2")
    tg_built, dc_built = tg.build(), dc.build()
    archive = Archive(article(), (tg_built, dc_built), opted_out=frozenset({"telegram:dave"}))
    every = tg_built.replies + dc_built.replies
    hidden = tuple(r for r in every if r.deleted or r.author_key in archive.opted_out)
    visible = tuple(r for r in every if r not in hidden)
    return SampleArchive(archive, visible, hidden)


def store_archive(engine: Engine, archive: Archive) -> None:
    """Write `archive` into a migrated database the way the bot records it.

    A group per discussion (reused if stored already), a posting that opened it, the replies as first
    written, then their edits and deletions, the discussion's closing, the members' opt-outs.
    Reply ids are the database's own.
    """
    from storage.articles import ArticleStore
    from storage.unit_of_work import SqlUnitOfWork

    ArticleStore(engine).add(archive.article)
    with SqlUnitOfWork(engine) as uow:
        for d in archive.discussions:
            platform, rest = d.group_key.split(":", 1)
            chat_id, _, thread_id = rest.partition("/")
            group = uow.groups.by_chat(platform, chat_id, thread_id or None) or uow.groups.add(
                Group(
                    id=0,
                    platform=platform,
                    chat_id=chat_id,
                    thread_id=thread_id or None,
                    title=d.group_title,
                    schedule=Schedule("UTC", time(8)),
                    schedule_since=d.opened_at,
                    lang="zh-Hans",
                    created_at=d.opened_at,
                )
            )
            day = d.opened_at.date()
            posting = Posting(
                0,
                group.id,
                day.isoformat(),
                day,
                archive.article.id,
                PostingStatus.SENDING,
                d.opened_at,
                "tests",
                d.opened_at,
            )
            claimed = uow.postings.claim(
                posting, Discussion(0, archive.article.id, group.id, None, d.opened_at)
            )
            assert claimed is not None
            discussion = claimed[1]
            first_versions = [
                NewReply(
                    discussion.id,
                    group.id,
                    r.author_key,
                    r.author_name,
                    (*r.history, r.text)[0],
                    r.at,
                    r.prompt,
                    r.message_id,
                    r.reply_to_message_id,
                    r.paragraph,
                )
                for r in d.replies
            ]
            assert all(uow.discussions.add_replies(first_versions))
            for r in d.replies:
                for newer in (*r.history, r.text)[1:]:
                    assert uow.discussions.edit_reply(group.id, r.message_id, newer)
                if r.deleted:
                    assert uow.discussions.delete_reply(group.id, r.message_id)
            if d.closed_at is not None:
                discussion.close(d.closed_at)
                uow.discussions.save(discussion)
        for key in sorted(archive.opted_out):
            uow.discussions.set_opt_out(key, True, T0)
        uow.commit()
