"""What the core asks of every platform (`bot.protocol.Platform`), asked of each adapter alike.

A new platform passes this suite by adding its harness to `conftest.py`: send, edit, thread, file,
admin check, and refusals as neutral errors.
"""

from __future__ import annotations

import pytest

from bot.protocol import ChatGone, PlatformError, PrivateChats, ThreadGone
from bot.render.document import Document, Para, Span, text_document
from tests.adapters.conftest import Harness


async def test_a_sent_document_is_shown_as_sent(harness: Harness) -> None:
    ids = await harness.platform.send(harness.chat, text_document("Today's brief\n\nA second paragraph"))
    assert ids and len(set(ids)) == len(ids)
    shown = " ".join(await harness.shown(harness.chat, ids))
    assert "Today's brief" in shown and "A second paragraph" in shown


async def test_a_document_longer_than_a_message_is_sent_whole_in_order(harness: Harness) -> None:
    words = [f"paragraph-{n:03} " + "word " * 60 for n in range(80)]  # about 25,000 characters
    doc = Document(tuple(Para((Span(w),)) for w in words))
    ids = await harness.platform.send(harness.chat, doc)
    shown = " ".join(await harness.shown(harness.chat, ids))
    positions = [shown.find(f"paragraph-{n:03}") for n in range(80)]
    assert -1 not in positions and positions == sorted(positions)


async def test_an_edit_replaces_what_the_message_shows(harness: Harness) -> None:
    (message_id,) = await harness.platform.send(harness.chat, text_document("page 1 of 2"))
    await harness.platform.edit(harness.chat, message_id, text_document("page 2 of 2"))
    (shown,) = await harness.shown(harness.chat, [message_id])
    assert "page 2 of 2" in shown and "page 1" not in shown


async def test_a_thread_holds_what_is_sent_into_it_or_there_is_none(harness: Harness) -> None:
    (brief_id,) = await harness.platform.send(harness.chat, text_document("the brief"))
    thread = await harness.platform.open_thread(harness.chat, "Day 1: a headline", brief_id)
    if not harness.has_threads:
        assert thread is None  # prompts and replies then stay in the chat itself
        return
    assert thread is not None and thread.main() == harness.chat and thread.thread_id is not None
    ids = await harness.platform.send(thread, text_document("prompt 1"))
    assert "prompt 1" in " ".join(await harness.shown(thread, ids))


async def test_a_file_is_posted_with_its_name(harness: Harness) -> None:
    message_id = await harness.platform.send_file(
        harness.chat, "a1-archive.md", "# 讨论归档\n".encode(), "Discussion archive of a1 (md)"
    )
    assert message_id
    assert "a1-archive.md" in await harness.files(harness.chat)


async def test_admins_are_told_from_members(harness: Harness) -> None:
    assert await harness.platform.is_admin(harness.chat, harness.admin)
    assert not await harness.platform.is_admin(harness.chat, harness.member)


async def test_a_thread_that_is_gone_is_a_neutral_error(harness: Harness) -> None:
    """The core then posts in the main chat instead (`ThreadGone`), and does not pause the group."""
    if harness.remove_thread is None:
        pytest.skip("this platform has no threads")
    (brief_id,) = await harness.platform.send(harness.chat, text_document("the brief"))
    thread = await harness.platform.open_thread(harness.chat, "Day 2", brief_id)
    assert thread is not None
    await harness.remove_thread(thread)
    with pytest.raises(ThreadGone) as refused:
        await harness.platform.send(thread, text_document("prompt 1"))
    assert not isinstance(refused.value, ChatGone)


async def test_a_refusal_is_a_neutral_error(harness: Harness) -> None:
    """The core reacts to `ChatGone` (pauses the group); a platform's own exception would escape it."""
    gone = await harness.gone()
    with pytest.raises(ChatGone) as refused:
        await harness.platform.send(gone, text_document("the brief"))
    assert isinstance(refused.value, PlatformError)


async def test_a_platform_that_writes_privately_lists_the_admins_who_are_people(harness: Harness) -> None:
    if not isinstance(harness.platform, PrivateChats):
        return  # what is meant for admins only is told in the group (a notice with a button) instead
    listed = {m.id for m in await harness.platform.chat_admins(harness.chat)}
    assert harness.admin.id in listed and harness.member.id not in listed
    assert not any(m.is_bot for m in await harness.platform.chat_admins(harness.chat))
